"The `fastgan` command end to end, in real subprocesses on the embedded digits"
import csv, json, math, os, signal, subprocess, time
from pathlib import Path
import numpy as np, pytest
from PIL import Image
from safetensors.torch import load_file
from conftest import FASTGAN, SMALL, fastgan, files

RUN_FILES = ['checkpoint.safetensors', 'config.json', 'critic.safetensors', 'generator.safetensors', 'generator_raw.safetensors', 'losses.png',
             'metrics.csv', 'samples/epoch_001.png', 'samples/epoch_002.png']

def metrics(run): return list(csv.DictReader(open(Path(run)/'metrics.csv')))

def test_train_writes_a_complete_run(trained):
    out, r = trained
    assert sorted(files(out)) == RUN_FILES
    assert str(out) in r.stdout
    rows = metrics(out)
    assert [row['epoch'] for row in rows] == ['0', '1']
    for row in rows:
        for k in ('train_loss', 'gen_loss', 'crit_loss', 'd_real', 'd_fake'): assert math.isfinite(float(row[k])), (k, row)
    cfg = json.loads((out/'config.json').read_text())
    assert (cfg['arch'], cfg['nz'], cfg['size'], cfg['channels'], cfg['epochs_done'], cfg['n_classes'], cfg['ema']) == ('DCGANGenerator', 100, 28, 1, 2, 10, True)
    assert cfg['classes'] == [str(i) for i in range(10)] and cfg['fastgan_version']
    assert cfg['train']['n_images'] == 512 and cfg['train']['data'] == 'mnist5k'
    grid = Image.open(out/'samples'/'epoch_002.png')
    assert grid.size == (2 + 10*30, 2 + 6*30) and grid.mode == 'L'   # conditional: 60 digits, one class per column
    assert Image.open(out/'losses.png').size[0] > 100
    assert not [p for p in out.rglob('*tmp*')], "no temporary files left behind"

def test_refuses_to_overwrite_a_run(run_copy):
    before = files(run_copy)
    r = fastgan('train', '--epochs', '1', *SMALL, '--out', run_copy)
    assert r.returncode == 2
    assert r.stderr.count('\n') == 1 and 'already holds a fastgan run' in r.stderr and 'Traceback' not in r.stderr
    assert files(run_copy) == before

def test_refuses_a_directory_of_other_files(tmp_path):
    (tmp_path/'notes.txt').write_text('mine')
    for extra in ([], ['--overwrite']):
        r = fastgan('train', '--epochs', '1', *SMALL, '--out', tmp_path, *extra)
        assert r.returncode == 2 and 'holds files that are not a fastgan run' in r.stderr
        assert files(tmp_path) == {'notes.txt': b'mine'}

def test_overwrite_replaces_the_run(run_copy):
    r = fastgan('train', '--epochs', '1', *SMALL, '--seed', '1', '--out', run_copy, '--overwrite')
    assert r.returncode == 0, r.stderr
    assert [row['epoch'] for row in metrics(run_copy)] == ['0']
    assert not (run_copy/'samples'/'epoch_002.png').exists()
    assert json.loads((run_copy/'config.json').read_text())['train']['seed'] == 1

def test_resume_continues_exactly(tmp_path):
    "A constant-schedule run of 2 epochs, resumed to 3, ends bit-identical to 3 epochs straight"
    run, straight = tmp_path/'run', tmp_path/'straight'
    assert fastgan('train', '--epochs', '2', '--schedule', 'constant', *SMALL, '--out', run).returncode == 0
    rows_before = metrics(run)
    r = fastgan('train', '--resume', '--epochs', '3', '--out', run)
    assert r.returncode == 0, r.stderr
    assert 'epochs 3-3' in r.stdout
    rows = metrics(run)
    assert [row['epoch'] for row in rows] == ['0', '1', '2'] and rows[:2] == rows_before
    assert (run/'samples'/'epoch_003.png').exists()
    assert fastgan('train', '--epochs', '3', '--schedule', 'constant', *SMALL, '--out', straight).returncode == 0
    a, b = load_file(run/'generator.safetensors'), load_file(straight/'generator.safetensors')
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a), "2 epochs + resume 1 must equal 3 epochs straight"

def test_resume_refuses_changed_options_and_missing_runs(run_copy, tmp_path):
    before = files(run_copy)
    r = fastgan('train', '--resume', '--epochs', '3', '--width', '16', '--out', run_copy)
    assert r.returncode == 2 and '--width 16 differs from its 8' in r.stderr
    assert files(run_copy) == before
    r = fastgan('train', '--resume', '--out', tmp_path/'nothing')
    assert r.returncode == 2 and 'holds no run of fastgan train to resume' in r.stderr

def test_killed_run_resumes_to_the_same_weights(tmp_path):
    "A run killed with SIGKILL mid-training resumes from its last complete epoch and ends where an uninterrupted run ends"
    args = ['train', '--epochs', '6', *SMALL]
    out = tmp_path/'killed'
    p = subprocess.Popen([FASTGAN, *args, '--out', str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (out/'checkpoint.safetensors').exists() and time.time() < deadline and p.poll() is None: time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    assert (out/'checkpoint.safetensors').exists()
    json.loads((out/'config.json').read_text())  # whole, not half-written
    r = fastgan(*args[:3], '--resume', '--out', out)
    assert r.returncode == 0, r.stderr
    assert not [o for o in out.rglob('tmp*')], "resume clears temporary files a kill left behind"
    straight = tmp_path/'straight'
    assert fastgan(*args, '--out', straight).returncode == 0
    a, b = load_file(out/'generator.safetensors'), load_file(straight/'generator.safetensors')
    assert all((a[k] == b[k]).all() for k in a)
    assert [row['epoch'] for row in metrics(out)] == [str(i) for i in range(6)]

def test_missing_data_path_is_a_clear_error(tmp_path):
    r = fastgan('train', '--data', tmp_path/'no-such-dir', '--out', tmp_path/'run')
    assert r.returncode == 2
    assert r.stderr == f"fastgan train: error: --data {tmp_path/'no-such-dir'}: no such file or directory; expected 'mnist5k', 'mnist', an IDX directory or an image folder\n"
    assert not (tmp_path/'run').exists()

@pytest.mark.parametrize('args,msg', [
    (['--epochs', '0'], '--epochs 0: expected a positive integer'),
    (['--bs', '-4'], '--bs -4: expected a positive integer'),
    (['--lr', '0'], '--lr 0.0: expected a positive number'),
    (['--arch', 'stylegan'], "argument --arch: invalid choice: 'stylegan'"),
    (['--loss', 'hinge2'], "argument --loss: invalid choice: 'hinge2'"),
    (['--epochs', 'ten'], "argument --epochs: invalid int value: 'ten'"),
    (['--size', '30'], '--size 30: expected a side of 4-7 px times a power of two'),
    (['--device', 'tpu'], '--device tpu: expected auto, cpu, cuda or mps'),
    (['--ema', '1.5'], '--ema 1.5: expected a decay in [0, 1)'),
    (['--augment', 'color,blur'], "--augment color,blur: 'blur' is not one of color, translation, cutout, flip"),
    (['--betas', '0.5', '1.2'], '--betas 0.5 1.2: expected two numbers in [0, 1)'),
    (['--n-crit', '0'], '--n-crit 0: expected a positive integer'),
    (['--lr-d', '-1'], '--lr-d -1.0: expected a positive number'),
    (['--r1', '-1'], '--r1 -1.0: expected a weight >= 0'),
    (['--preset', 'stylegan'], "argument --preset: invalid choice: 'stylegan'"),
    (['--norm', 'group'], "argument --norm: invalid choice: 'group'"),
    (['--amp', 'fp8'], "argument --amp: invalid choice: 'fp8'"),
    (['--eval-every', '-1'], '--eval-every -1: expected a number of epochs >= 0 (0: off)'),
    (['--eval-every', '1', '--eval-features', 'nowhere'], '--eval-features nowhere: expected mnist, inception, or a judge directory'),
])
def test_bad_arguments_get_one_line_and_exit_2(tmp_path, args, msg):
    r = fastgan('train', *args, '--out', tmp_path/'run')
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith('fastgan') and r.stderr.count('\n') == 1 and msg in r.stderr, r.stderr
    assert not (tmp_path/'run').exists()

def test_help_lists_every_option_with_its_default():
    r = fastgan('train', '--help')
    assert r.returncode == 0
    for opt, default in [('--data', 'mnist5k'), ('--arch', 'dcgan'), ('--loss', 'ns'), ('--epochs', None), ('--bs', '32'), ('--lr', '0.001'), ('--schedule', 'one-cycle'),
                         ('--nz', '100'), ('--n-images', None), ('--seed', '0'), ('--device', 'auto'), ('--out', 'fastgan-run'),
                         ('--resume', None), ('--overwrite', None)]:
        assert opt in r.stdout, opt
        if default: assert f'(default: {default})' in ' '.join(r.stdout.split()), (opt, default)
    assert '--run' in fastgan('sample', '--help').stdout

def test_sample_is_deterministic(trained, tmp_path):
    run = trained[0]
    for name, seed in [('a.npy', 0), ('b.npy', 0), ('c.npy', 1)]:
        r = fastgan('sample', '--run', run, '--n', '50', '--seed', seed, '--out', tmp_path/name)
        assert r.returncode == 0, r.stderr
    a, b, c = (np.load(tmp_path/n) for n in ('a.npy', 'b.npy', 'c.npy'))
    assert a.shape == (50, 28, 28) and a.dtype == np.uint8
    assert (a == b).all() and not (a == c).all()
    assert fastgan('sample', '--run', run, '--n', '16', '--out', tmp_path/'g.png').returncode == 0
    assert Image.open(tmp_path/'g.png').size == (2 + 4*30, 2 + 4*30)

def test_sample_errors(trained, tmp_path):
    r = fastgan('sample', '--run', tmp_path/'none', '--out', tmp_path/'x.npy')
    assert r.returncode == 2 and '--run' in r.stderr and r.stderr.count('\n') == 1
    r = fastgan('sample', '--run', trained[0], '--out', tmp_path/'x.jpg')
    assert r.returncode == 2 and 'expected a .png or .npy' in r.stderr
    (tmp_path/'keep.npy').write_bytes(b'mine')
    r = fastgan('sample', '--run', trained[0], '--out', tmp_path/'keep.npy')
    assert r.returncode == 2 and 'already exists' in r.stderr and (tmp_path/'keep.npy').read_bytes() == b'mine'

def test_image_folder_rgb_run(tmp_path):
    "A folder of class subfolders, resized to 32 px RGB, trains and samples (n, H, W, C)"
    from fastgan.data import load_mnist5k
    m = load_mnist5k()
    for i in range(0, 5000, 40):  # the embedded digits are sorted by class
        d = tmp_path/'imgs'/f'class{int(m.y[i]) % 2}'; d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(m.x[i, 0].numpy()).convert('RGB').save(d/f'{i}.png')
    r = fastgan('train', '--data', tmp_path/'imgs', '--size', '32', '--channels', '3', '--epochs', '1', '--width', '8', '--bs', '32', '--out', tmp_path/'run')
    assert r.returncode == 0, r.stderr
    cfg = json.loads((tmp_path/'run'/'config.json').read_text())
    assert (cfg['size'], cfg['channels'], cfg['classes']) == (32, 3, ['class0', 'class1'])
    assert fastgan('sample', '--run', tmp_path/'run', '--n', '5', '--out', tmp_path/'s.npy').returncode == 0
    assert np.load(tmp_path/'s.npy').shape == (5, 32, 32, 3)

@pytest.mark.parametrize('arch,loss', [('mlp', 'minimax'), ('dcgan', 'lsgan'), ('dcgan', 'hinge')])
def test_other_archs_and_losses_train(tmp_path, arch, loss):
    r = fastgan('train', '--arch', arch, '--loss', loss, '--epochs', '1', '--n-images', '256', '--width', '8', '--out', tmp_path/'run')
    assert r.returncode == 0, r.stderr
    cfg = json.loads((tmp_path/'run'/'config.json').read_text())
    assert cfg['generator']['class'] == {'mlp': 'MLPGenerator', 'dcgan': 'DCGANGenerator'}[arch] and cfg['train']['loss'] == loss
    assert all(math.isfinite(float(v)) for k, v in metrics(tmp_path/'run')[0].items() if k not in ('epoch', 'time'))

def test_image_folder_from_the_command_line(tmp_path):
    "A colour folder trains, mirrored by default; a second run loads it from the cache; a corrupt file is refused by name (or skipped); an empty folder is one line"
    from PIL import Image
    folder, cache = tmp_path/'icons', tmp_path/'cache'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(64): Image.fromarray(rng.integers(0, 256, (40, 36, 3), dtype=np.uint8)).save(folder/f'{i:02d}.png')
    env = {**os.environ, 'FASTGAN_CACHE': str(cache)}
    train = lambda *a: subprocess.run([FASTGAN, 'train', '--data', folder, '--size', '32', '--epochs', '1', '--bs', '16', '--width', '8', *map(str, a)],
                                      capture_output=True, text=True, env=env, timeout=600)
    r = train('--out', tmp_path/'a')
    assert r.returncode == 0 and '64 images 3x32x32' in r.stdout and ', mirrored)' in r.stdout, r.stdout + r.stderr   # --mirror auto: colour
    cached = list(cache.rglob('*.npy'))
    assert len(cached) == 1
    r = train('--no-mirror', '--out', tmp_path/'b')
    assert r.returncode == 0 and list(cache.rglob('*.npy')) == cached and 'mirrored' not in r.stdout, r.stderr
    assert (json.loads((tmp_path/'a'/'config.json').read_text())['train']['mirror'], json.loads((tmp_path/'b'/'config.json').read_text())['train']['mirror']) == ('auto', False)
    (folder/'broken.png').write_bytes(b'not a png at all')
    r = train('--out', tmp_path/'c')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'broken.png' in r.stderr and '--bad-images skip' in r.stderr, r.stderr
    assert not (tmp_path/'c').exists()
    r = train('--bad-images', 'skip', '--out', tmp_path/'d')
    assert r.returncode == 0 and '64 images' in r.stdout and 'broken.png' in r.stderr, r.stderr
    (tmp_path/'empty').mkdir()
    r = subprocess.run([FASTGAN, 'train', '--data', tmp_path/'empty', '--out', tmp_path/'e'], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'no image files found' in r.stderr and not (tmp_path/'e').exists(), r.stderr
