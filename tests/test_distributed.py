"""Distributed training with real `torchrun` processes (gloo, on the CPU): N processes compute what one process computes on the
global batch, every process ends with the same weights and random states, a negative control shows the comparison can fail,
and the command line under torchrun writes only from rank 0, resumes exactly (on another number of processes too) and stops every
process on a bad option. Each torchrun is bounded by a timeout, so a hung process fails the test instead of the suite."""
import json, os, re, shutil, subprocess, sys
from pathlib import Path
import pytest, torch
from safetensors import safe_open
from conftest import FASTGAN, files

WORKER = Path(__file__).parent/'distributed'/'worker.py'
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}

def torchrun(n, *args, timeout=300):
    "`torchrun --standalone --nproc_per_node n ARGS`, bounded by `timeout`; returns the CompletedProcess"
    return subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(n), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=ENV)

def run_worker(n, cfg, out):
    "Train the worker's learner with `cfg` on n processes (1: no torchrun); returns each rank's tensors and metadata"
    r = torchrun(n, WORKER, json.dumps(cfg), out) if n > 1 else subprocess.run([sys.executable, WORKER, json.dumps(cfg), out], capture_output=True, text=True, timeout=300, env=ENV)
    assert r.returncode == 0, r.stderr[-3000:]
    def load(fn):
        with safe_open(str(fn), 'pt') as f: return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    return [load(Path(out)/f'rank{i}.safetensors') for i in range(n)]

def max_diff(a, b, prefix='model.'):
    "The largest |a - b| over the networks' (and EMA's and ADA's) tensors"
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a if k.startswith(prefix))

EQUIV = {  # float64, no batch norm: 2 processes must equal 1 up to summation order
    'ns, EMA, DiffAugment, mirror': dict(float64=True, augment='color,translation,cutout', mirror=True),
    'wgan-gp, n_crit 2, EMA, ADA': dict(float64=True, loss='wgan-gp', n_crit=2, lr=1e-4, augment='ada', ada_target=0.1, ada_kimg=10.),
}

@pytest.fixture(scope='module')
def one_process(tmp_path_factory):
    "The one-process runs of `EQUIV`, made once (the negative control compares with the first)"
    return {k: run_worker(1, cfg, tmp_path_factory.mktemp('one')) for k, cfg in EQUIV.items()}

@pytest.mark.parametrize('name', EQUIV)
def test_two_processes_equal_one(name, one_process, tmp_path):
    "2 processes × their half of a global batch of 64 against 1 process × 64: generator, critic, EMA and ADA's p to 1e-12, the logged epoch means to float32's rounding, the random stream the same"
    (one, m1), = one_process[name]
    (r0, m0), (r1, _) = run_worker(2, EQUIV[name], tmp_path)
    assert max_diff(one, r0) < 1e-12, max_diff(one, r0)
    assert max_diff(r0, r1) == 0                                       # and the ranks bitwise equal
    if 'ada' in EQUIV[name].get('augment', ''): assert 0 < one['model.ada.p'] < 1 and one['model.ada.p'] == r0['model.ada.p']  # p moved (and did not saturate), as in one process
    v1, v2 = json.loads(m1['values']), json.loads(m0['values'])     # GANStat: all-reduced means, not rank 0's half
    assert torch.allclose(torch.tensor(v1), torch.tensor(v2), rtol=1e-6, atol=0), (v1, v2)
    assert torch.equal(one['rng.torch'], r0['rng.torch']) and m1['dl_rng'] == m0['dl_rng']

def test_negative_control_per_process_noise_fails(one_process, tmp_path):
    "The same comparison with noise each process draws for its own half from the shared stream (the trap of one seed without batch_draw): the weights differ far beyond 1e-12"
    name = next(iter(EQUIV))
    (one, _), = one_process[name]
    (r0, _), (r1, _) = run_worker(2, {**EQUIV[name], 'per_rank_noise': True}, tmp_path)
    assert max_diff(one, r0) > 1e-6, max_diff(one, r0)
    assert max_diff(r0, r1) == 0                                       # DDP still keeps the ranks together: only the comparison with one process can show the fault

CONSISTENT = {  # float32, what can't be exactly one process on CPUs (batch norm per process) or can't be float64 (fp16): every rank bitwise equal
    'dcgan batch norm, fp16, DiffAugment, mirror, EMA': dict(arch='dcgan', bs=32, n=256, epochs=1, amp='fp16', augment='color,translation,cutout', mirror=True),
    'dcgan wgan-gp layer norm, spectral norm, n_crit 2, ADA': dict(arch='dcgan', bs=32, n=256, epochs=1, loss='wgan-gp', norm='layer', sn=True, n_crit=2, lr=1e-4, augment='ada', ada_target=0.1, ada_kimg=1.),
}

@pytest.mark.parametrize('name', CONSISTENT)
def test_every_rank_ends_equal(name, tmp_path):
    "Both ranks' generator, critic, EMA, ADA's p and random states bitwise equal (batch-norm running statistics stay per process on CPUs: not compared)"
    (r0, m0), (r1, m1) = run_worker(2, CONSISTENT[name], tmp_path)
    params = [k for k in r0 if k.startswith('model.') and 'running_' not in k and 'num_batches' not in k]
    assert [k for k in params if not torch.equal(r0[k], r1[k])] == []
    if 'ada' in CONSISTENT[name].get('augment', ''): assert r0['model.ada.p'] > 0
    assert torch.equal(r0['rng.torch'], r1['rng.torch']) and m0['python_rng'] == m1['python_rng'] and m0['dl_rng'] == m1['dl_rng']

SMALL2 = ['--n-images', '512', '--width', '8', '--bs', '64', '--schedule', 'constant']   # conftest's SMALL (a global batch of 64, 32 per process), and a schedule that a shorter run shares
SHIMS = Path(__file__).parent/'shims'/'writes'

def fastgan_torchrun(n, *args, watch=None, script=False):
    "`torchrun -m fastgan train ARGS` (`script`: `torchrun --no-python fastgan train ARGS`) on n processes; with `watch`, each process logs what it writes under that directory"
    env = ENV if watch is None else {**ENV, 'PYTHONPATH': str(SHIMS), 'FASTGAN_TEST_WATCH': str(watch[0]), 'FASTGAN_TEST_WATCH_LOG': str(watch[1])}
    cmd = ['--no-python', FASTGAN] if script else ['-m', 'fastgan']
    return subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(n), *cmd, 'train', *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)

def tensors(fn):
    with safe_open(str(fn), 'pt') as f: return {k: f.get_tensor(k) for k in f.keys()}

def same_weights(a, b):
    "The generator (EMA and raw), critic and checkpoint (optimizer, random states) of run directories a and b hold equal tensors"
    for fn in ('generator.safetensors', 'generator_raw.safetensors', 'critic.safetensors', 'checkpoint.safetensors'):
        ta, tb = tensors(a/fn), tensors(b/fn)
        for t in ta, tb: t.pop('rng.numpy', None)  # NumPy's stream, which fastgan neither seeds nor draws from: each process starts it from the OS
        if ta.keys() != tb.keys() or any(not torch.equal(ta[k], tb[k]) for k in ta): return False
    return True

@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    "Two epochs on two processes with the default recipe (dcgan, batch norm, EMA, conditional) at a constant learning rate, each process logging its writes"
    d = tmp_path_factory.mktemp('straight')
    r = fastgan_torchrun(2, *SMALL2, '--epochs', '2', '--out', d/'run', watch=(d/'run', d))
    assert r.returncode == 0, r.stderr[-3000:]
    return d, r

def test_only_rank_0_writes_and_prints(straight):
    "Rank 1 wrote nothing into the run directory (rank 0 wrote the run, so the hook would have seen it) and printed nothing: one start line, one table"
    d, r = straight
    rank0, rank1 = [(d/f'rank{i}.txt').read_text().split() for i in (0, 1)]
    assert any(o.endswith('checkpoint.safetensors') for o in rank0) and any('samples' in o for o in rank0)
    assert rank1 == []
    assert r.stdout.count('fastgan train: 512 images') == 1 and 'in each of 2 processes (global batch 64)' in r.stdout
    assert r.stdout.count('crit_loss') == 1 and len([l for l in r.stdout.splitlines() if l.split()[:1] in (['0'], ['1'])]) == 2
    assert json.loads((d/'run'/'config.json').read_text())['epochs_done'] == 2

def test_resume_continues_exactly_and_on_one_process(straight, tmp_path):
    "One epoch on two processes, then --resume to two: the same weights, optimizer and random states as two straight epochs; the same checkpoint resumes on one process"
    out = tmp_path/'run'
    for extra in ([], ['--resume']):
        r = fastgan_torchrun(2, *SMALL2, '--epochs', '1' if not extra else '2', *extra, '--out', out)
        assert r.returncode == 0, r.stderr[-3000:]
        if not extra: shutil.copytree(out, tmp_path/'one-epoch')
    assert same_weights(out, straight[0]/'run')
    r = subprocess.run([FASTGAN, 'train', '--resume', '--epochs', '2', '--out', str(tmp_path/'one-epoch')], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and 'epochs 2-2' in r.stdout, r.stderr[-3000:]
    assert json.loads((tmp_path/'one-epoch'/'config.json').read_text())['epochs_done'] == 2

@pytest.mark.parametrize('bad, message, script', [(['--bs', '63'], '--bs 63: the global batch must divide evenly among the 2 processes; pass a multiple of 2', False),
                                                  (['--width', '0'], '--width 0: expected a positive integer', True)])
def test_a_bad_option_stops_every_process(straight, tmp_path, bad, message, script):
    "With --overwrite on a finished run: every process ends non-zero with the same one line, no process hangs (the timeout), and nothing of the run is deleted (through -m fastgan, and through the console script)"
    out = tmp_path/'run'
    shutil.copytree(straight[0]/'run', out)
    before = files(out)
    r = fastgan_torchrun(2, *SMALL2, '--epochs', '2', *bad, '--overwrite', '--out', out, script=script)
    assert r.returncode != 0
    assert [l for l in r.stderr.splitlines() if l.startswith('fastgan train: error:')] == [f'fastgan train: error: {message}'] * 2, r.stderr[-3000:]
    assert r.stderr.count('Traceback') == r.stderr.count('raise ChildFailedError(')  # the only traceback is torchrun's report of its failed children
    codes = [int(c) for c in re.findall(r'exitcode\s*:\s*(-?\d+)', r.stderr)]
    assert codes and 0 not in codes and 2 in codes, codes  # the first to exit said 2; torchrun may stop the other (-15) once it has written its line
    assert files(out) == before

def test_two_nodes(tmp_path):
    "torchrun's multi-node rendezvous on this machine: two 'nodes' of one process each (local rank 0 on both, global ranks 0 and 1); one run directory per node, and only the node holding global rank 0 writes its run"
    import socket
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    node = lambda i: subprocess.Popen([sys.executable, '-m', 'torch.distributed.run', '--nnodes', '2', '--nproc_per_node', '1', '--rdzv-backend', 'c10d',
                                       '--rdzv-endpoint', f'127.0.0.1:{port}', '--rdzv-id', 'fastgan-test', '-m', 'fastgan', 'train', *SMALL2, '--epochs', '1',
                                       '--out', str(tmp_path/f'node{i}')], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    procs = [node(i) for i in (0, 1)]
    res = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e[-2000:] for _, e in res]
    written = [i for i in (0, 1) if (tmp_path/f'node{i}'/'checkpoint.safetensors').exists()]
    assert len(written) == 1 and 'in each of 2 processes' in res[written[0]][0]
    assert not (tmp_path/f'node{1 - written[0]}').exists() and res[1 - written[0]][0] == ''
