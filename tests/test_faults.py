"Runs a user can trust under faults and untrusted files: divergence, one owner per run directory, tampered run directories, a full disk, and fuzzed input"
import contextlib, io, json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pytest, torch
from conftest import FASTGAN, SMALL, fastgan, files
from fastgan.run import RunLock

def one_line(r, code=2):
    "The command ended with exit `code` and one line on stderr, no traceback; returns that line"
    assert r.returncode == code and len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, (r.returncode, r.stderr)
    return r.stderr.strip()

def test_divergence_stops_the_run(tmp_path):
    "The issue's diverging command: exit 3, one line saying where and what to try, no NaN weights written"
    out = tmp_path/'nan'
    r = fastgan('train', '--lr', '1e6', '--loss', 'wgan-gp', '--norm', 'layer', '--n-images', '512', '--epochs', '3', '--schedule', 'constant', '--out', out)
    line = one_line(r, 3)
    assert 'training diverged in epoch 1, batch' in line and 'Try a lower learning rate' in line and 'Nothing was written' in line
    assert not out.exists()                                       # made only for its lock, and removed
    r = fastgan('sample', '--run', out, '--out', tmp_path/'x.png')
    assert 'not a directory' in one_line(r) and not (tmp_path/'x.png').exists()

def test_a_locked_run_directory_is_refused(trained, run_copy, tmp_path):
    "While another process owns the directory, train, --resume and --overwrite each get one line naming it; nothing changes"
    before = files(run_copy)
    with RunLock(run_copy):
        for extra in ([], ['--resume', '--epochs', '3'], ['--overwrite']):
            line = one_line(fastgan('train', *SMALL, '--epochs', '3', *extra, '--out', run_copy))
            assert f'{run_copy}: in use by another fastgan run (pid {os.getpid()} on ' in line, line
    assert files(run_copy) == before
    r = fastgan('train', *SMALL, '--epochs', '3', '--resume', '--out', run_copy)  # released: it may continue
    assert r.returncode == 0, r.stderr

def test_two_trains_into_one_directory(tmp_path):
    "Two trains started together into one directory: exactly one is refused, and the directory holds the other's run, whole"
    out = tmp_path/'shared'
    args = lambda seed: [FASTGAN, 'train', '--n-images', '1000', '--width', '8', '--epochs', '4', '--seed', str(seed), '--out', str(out)]
    procs = [subprocess.Popen(args(s), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in (1, 2)]
    res = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(c for c, _, _ in res)
    assert codes == [0, 2], res
    (won,) = [i for i, (c, _, _) in enumerate(res) if c == 0]
    lost_err = res[1 - won][2]
    assert 'in use by another fastgan run (pid' in lost_err or 'already holds a fastgan run' in lost_err, lost_err
    cfg = json.loads((out/'config.json').read_text())
    assert cfg['train']['seed'] == (1, 2)[won] and cfg['epochs_done'] == 4
    assert len((out/'metrics.csv').read_text().splitlines()) == 5 and sorted(o.name for o in (out/'samples').iterdir()) == [f'epoch_00{i}.png' for i in range(1, 5)]

def test_kill_9_leaves_no_stale_lock(tmp_path):
    "The owner killed with SIGKILL after its first epoch: the directory is free at once and the run resumes"
    out = tmp_path/'killed'
    p = subprocess.Popen([FASTGAN, 'train', *SMALL, '--epochs', '50', '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (out/'checkpoint.safetensors').exists() and time.time() < deadline and p.poll() is None: time.sleep(0.2)
    p.send_signal(signal.SIGKILL); p.wait()
    assert (out/'.lock').exists()                                 # the file stays; the lock went with the process
    r = fastgan('train', *SMALL, '--epochs', '2', '--resume', '--out', out)
    assert r.returncode == 0, r.stderr

def _tamper(run, what):
    cfg_fn, w_fn = run/'config.json', run/'generator.safetensors'
    cfg = json.loads(cfg_fn.read_text())
    if what == 'unknown key': cfg['generator']['depth'] = 3
    elif what == 'huge width': cfg['generator']['width'] = 10_000_000
    elif what == 'width a string': cfg['generator']['width'] = 'wide'
    elif what == 'bogus json': cfg_fn.write_text('{"generator": {'); return
    elif what == 'not safetensors': w_fn.write_bytes(b'\x80\x04K\x01.'); return   # a pickle
    elif what == 'truncated': w_fn.write_bytes(w_fn.read_bytes()[:1000]); return
    elif what == 'wrong shape': cfg['generator']['width'] = 16
    elif what == 'nan weights':
        from safetensors.torch import load_file, save_file
        t = load_file(w_fn); k = next(k for k, v in t.items() if v.is_floating_point()); t[k][...] = float('nan'); save_file(t, w_fn); return
    cfg_fn.write_text(json.dumps(cfg))

@pytest.mark.parametrize('what', ['unknown key', 'huge width', 'width a string', 'bogus json', 'not safetensors', 'truncated', 'wrong shape', 'nan weights'])
def test_tampered_run_directory(run_copy, tmp_path, what):
    "A run directory changed by someone else: sample, eval and export each end in one line naming the file, exit 2, and write nothing"
    _tamper(run_copy, what)
    fn = 'config.json' if what in ('unknown key', 'huge width', 'width a string', 'bogus json') else 'generator.safetensors'
    for cmd in (['sample', '--run', run_copy, '--out', tmp_path/'x.png'], ['eval', '--run', run_copy, '--n', '100'], ['export', '--run', run_copy, '--onnx', tmp_path/'x.onnx']):
        line = one_line(fastgan(*cmd))
        assert f'{run_copy}/{fn}' in line, line
    assert sorted(o.name for o in tmp_path.iterdir()) == ['run']

def test_full_disk(trained, run_copy, tmp_path):
    "A disk that fills up: at the first write, every file stays as it was; midway, every file is whole, one line, and --resume finishes the run"
    env = {**os.environ, 'PYTHONPATH': str(Path(__file__).parent/'shims'), 'FASTGAN_TEST_DISK_BYTES': '0'}
    before = files(run_copy)
    r = subprocess.run([FASTGAN, 'train', *SMALL, '--epochs', '4', '--resume', '--out', str(run_copy)], capture_output=True, text=True, env=env)
    assert 'No space left on device' in one_line(r, 1) and files(run_copy) == before
    env['FASTGAN_TEST_DISK_BYTES'] = str(sum(len(v) for k, v in before.items() if k.endswith('.safetensors')) // 2)   # fails inside epoch 3's save
    r = subprocess.run([FASTGAN, 'train', *SMALL, '--epochs', '4', '--resume', '--out', str(run_copy)], capture_output=True, text=True, env=env)
    assert 'No space left on device' in one_line(r, 1)
    assert not [o for o in run_copy.rglob('tmp*')]
    r = fastgan('train', *SMALL, '--epochs', '4', '--resume', '--out', run_copy)
    assert r.returncode == 0 and json.loads((run_copy/'config.json').read_text())['epochs_done'] == 4, r.stderr

# Fuzzing: hypothesis draws command lines and corrupted run directories; each case runs `fastgan.cli.main` in this process
# (a subprocess per case would take seconds), so an uncaught exception fails the test as a traceback would.
from hypothesis import given, settings, HealthCheck, strategies as st
from fastgan.cli import main

def run_main(*argv):
    "Exit code, stdout and stderr of `fastgan ARGV`, in this process"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = main([str(a) for a in argv])
        except SystemExit as e: code = e.code   # argparse's one-line refusals
    return code, out.getvalue(), err.getvalue()

num = lambda *vals: st.sampled_from([str(v) for v in vals])
OPTIONS = {'--epochs': num(-1, 0, 1, 1.5, 'x'), '--bs': num(-1, 0, 16, 64, 10**6), '--n-images': num(-1, 0, 32, 64, 10**6), '--width': num(-1, 0, 1, 4, 10**7),
           '--nz': num(-1, 0, 1, 8, 10**9), '--size': num(0, 7, 8, 28, 30, 32, 10**5), '--lr': num(-1, 0, 2e-4, 1e9, 'nan', 'inf'), '--lr-d': num(-1, 1e-3, 'nan'),
           '--ema': num(-0.5, 0, 0.9, 1, 2), '--n-crit': num(-1, 0, 1, 2), '--gp': num(-1, 0, 10), '--r1': num(-1, 0, 10), '--r1-every': num(0, 1, 4),
           '--ada-target': num(-1, 0.6, 2), '--ada-kimg': num(-1, 0, 1), '--seed': num(-1, 0, 2**70), '--clusters': num('auto', -1, 0, 5, 'x'),
           '--arch': num('dcgan', 'resnet', 'mlp', 'vit'), '--loss': num('ns', 'hinge', 'wgan', 'wgan-gp', 'lsgan', 'bogus'), '--norm': num('batch', 'none', 'layer', 'x'),
           '--augment': num('none', 'color', 'translation,cutout', 'ada', 'bogus', ''), '--preset': num('fastgan', 'dcgan', 'wgan-gp', 'x'),
           '--schedule': num('one-cycle', 'constant', 'x'), '--amp': num('bf16', 'fp16', 'x'), '--channels': num(1, 3, 2), '--device': num('cpu', 'auto', 'cuda', 'cuda:7', 'mps', 'tpu'),
           '--eval-every': num(-1, 0, 1), '--keep-best': num('fid', 'coverage', 'is', 'x'), '--early-stop': num(-1, 0, 1), '--betas': st.tuples(num(-1, 0.5, 1), num(0.9, 2)),
           '--data': num('mnist5k', 'no/such/folder'), '--bad-images': num('refuse', 'skip', 'x')}
FLAGS = ['--mirror', '--no-mirror', '--conditional', '--no-conditional', '--sn', '--no-sn', '--resume', '--overwrite', '--channels-last', '--ada', '--bogus-flag']

def argv_of(opts, flags):
    return [t for k, v in opts.items() for t in ([k, *v] if isinstance(v, tuple) else [k, v])] + flags

@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(opts=st.dictionaries(st.sampled_from(sorted(OPTIONS)), st.none(), max_size=5).flatmap(lambda d: st.fixed_dictionaries({k: OPTIONS[k] for k in d})),
       flags=st.lists(st.sampled_from(FLAGS), max_size=2, unique=True))
def test_fuzz_train_options(tmp_path_factory, opts, flags):
    "Any mix of good and bad training options: a clean success or one line on stderr with exit 2 (3: diverged), and nothing written but the run directory"
    box = tmp_path_factory.mktemp('fuzz')
    out = box/'run'
    code, _, err = run_main('train', '--epochs', '1', '--n-images', '64', '--width', '4', '--bs', '32', *argv_of(opts, flags), '--tensorboard', box/'tb', '--out', out)
    assert code in (0, 2, 3), (code, err)
    assert set(o.name for o in box.iterdir()) <= {'run', 'tb'}, list(box.iterdir())
    if code:
        assert len(err.strip().splitlines()) == 1 and err.startswith(('fastgan train: error:', 'fastgan: error:')), err
        if code == 2: assert not out.exists(), err       # refused: nothing written
    else: assert json.loads((out/'config.json').read_text())['epochs_done'] >= 1

FILES = ['config.json', 'generator.safetensors', 'generator_raw.safetensors']
JSON = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=6)

@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(fn=st.sampled_from(FILES), how=st.sampled_from(['truncate', 'flip', 'garbage', 'json']), at=st.floats(0, 1), bit=st.integers(0, 7),
       key=st.sampled_from(['generator', 'nz', 'size', 'channels', 'n_classes', 'classes', 'ema', 'width', 'class', 'hidden', 'norm', 'class_freq', 'sn']), value=JSON)
def test_fuzz_run_directory(trained, tmp_path_factory, fn, how, at, bit, key, value):
    "A run directory with one file truncated, bit-flipped, replaced or its config edited: fastgan sample succeeds cleanly or says why in one line with exit 2"
    box = tmp_path_factory.mktemp('fuzzrun')
    run = box/'run'
    shutil.copytree(trained[0], run)
    p = run/('config.json' if how == 'json' else fn)
    b = bytearray(p.read_bytes())
    i = min(int(at * len(b)), len(b) - 1)
    if how == 'truncate': b = b[:i]
    elif how == 'flip': b[i] ^= 1 << bit
    elif how == 'garbage': b = bytearray(os.urandom(max(i, 1)))
    else:
        cfg = json.loads(b)
        (cfg['generator'] if key not in ('generator', 'classes', 'ema') else cfg)[key] = value
        b = bytearray(json.dumps(cfg).encode())
    p.write_bytes(bytes(b))
    code, _, err = run_main('sample', '--run', run, '--n', '4', '--out', box/'x.png')
    assert code in (0, 2), (code, err)
    assert (code == 0) == (box/'x.png').exists() and set(o.name for o in box.iterdir()) <= {'run', 'x.png'}
    if code: assert len(err.strip().splitlines()) == 1 and err.startswith('fastgan sample: error:'), err

def test_sample_while_a_run_writes(tmp_path):
    "fastgan sample on a directory that a run is writing: every read gets whole files, so every sample succeeds"
    out = tmp_path/'busy'
    p = subprocess.Popen([FASTGAN, 'train', *SMALL, '--n-images', '256', '--epochs', '500', '--schedule', 'constant', '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while not (out/'config.json').exists() and time.time() < deadline: time.sleep(0.1)
        codes = [fastgan('sample', '--run', out, '--n', '4', '--out', tmp_path/f's{i}.npy').returncode for i in range(6)]
        assert p.poll() is None, 'the run ended before the reads: make it longer'
    finally: p.kill(); p.wait()
    assert codes == [0] * 6 and len(list(tmp_path.glob('s*.npy'))) == 6
