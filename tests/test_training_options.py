"The training toolbox from the command line: presets, penalties, norms, EMA, DiffAugment, conditioning, AMP, TTUR"
import json, math
from pathlib import Path
import numpy as np, pytest, torch
from safetensors.torch import load_file
from conftest import SMALL, fastgan, files
from fastgan.cli import PRESETS, TRAIN_DEFAULTS

def config(run): return json.loads((Path(run)/'config.json').read_text())

@pytest.mark.parametrize('preset', list(PRESETS))
def test_every_preset_trains_with_its_recipe(tmp_path, preset):
    r = fastgan('train', '--preset', preset, '--epochs', '1', '--n-images', '256', '--width', '8', '--out', tmp_path/'run')
    assert r.returncode == 0, r.stderr
    opts = config(tmp_path/'run')['train']
    assert opts == {**TRAIN_DEFAULTS, **PRESETS[preset], 'preset': preset, 'epochs': 1, 'n_images': 256, 'width': 8}
    assert (tmp_path/'run'/'generator_raw.safetensors').exists() == bool(PRESETS[preset]['ema'])

def test_explicit_options_override_the_preset(tmp_path):
    r = fastgan('train', '--preset', 'wgan-gp', '--n-crit', '2', '--gp', '5', '--epochs', '1', *SMALL, '--out', tmp_path/'run')
    assert r.returncode == 0, r.stderr
    opts = config(tmp_path/'run')['train']
    assert (opts['loss'], opts['n_crit'], opts['gp'], opts['betas'], opts['norm'], opts['bs']) == ('wgan-gp', 2, 5.0, [0., 0.9], 'layer', 64)
    assert 'penalty' in (tmp_path/'run'/'metrics.csv').read_text().splitlines()[0]

def test_penalties_with_batch_norm_are_refused_before_anything_is_touched(run_copy):
    before = files(run_copy)
    for args, named in [(['--loss', 'wgan-gp'], '--loss wgan-gp'), (['--r1', '1'], '--r1'), (['--gp', '10'], '--gp')]:
        r = fastgan('train', *args, '--norm', 'batch', '--epochs', '1', *SMALL, '--out', run_copy, '--overwrite')
        assert r.returncode == 2 and r.stderr.count('\n') == 1, r.stderr
        assert f'--norm batch: gradient penalties ({named}) need a critic without batch norm' in r.stderr, r.stderr
    assert files(run_copy) == before

def test_conditional_needs_labels(tmp_path):
    from PIL import Image
    (tmp_path/'imgs').mkdir()
    for i in range(40): Image.fromarray(np.full((28, 28), i*5, np.uint8)).save(tmp_path/'imgs'/f'{i}.png')
    r = fastgan('train', '--data', tmp_path/'imgs', '--conditional', '--epochs', '1', '--bs', '8', '--width', '8', '--out', tmp_path/'run')
    assert r.returncode == 2 and '--conditional' in r.stderr and 'has no labels' in r.stderr, r.stderr
    assert not (tmp_path/'run').exists()
    r = fastgan('train', '--data', tmp_path/'imgs', '--epochs', '1', '--bs', '8', '--width', '8', '--out', tmp_path/'run')  # default: conditional when labelled
    assert r.returncode == 0, r.stderr
    assert config(tmp_path/'run')['n_classes'] == 0 and config(tmp_path/'run')['train']['conditional'] == 'auto'

def test_every_option_trains_and_resumes_exactly(tmp_path):
    "A run with the whole toolbox on, stopped after 1 epoch and resumed to 2, ends bit-identical to 2 epochs straight"
    args = ['--loss', 'hinge', '--sn', '--norm', 'instance', '--r1', '1', '--r1-every', '2', '--ema', '0.99', '--augment', 'color,translation,cutout',
            '--n-crit', '2', '--lr-d', '4e-4', '--betas', '0.0', '0.99', '--conditional', '--amp', 'bf16', '--schedule', 'constant', *SMALL]
    run, straight = tmp_path/'run', tmp_path/'straight'
    assert fastgan('train', *args, '--epochs', '1', '--out', run).returncode == 0
    r = fastgan('train', '--resume', '--epochs', '2', '--out', run)
    assert r.returncode == 0, r.stderr
    r = fastgan('train', *args, '--epochs', '2', '--out', straight)
    assert r.returncode == 0, r.stderr
    for name in ('generator.safetensors', 'generator_raw.safetensors', 'critic.safetensors'):
        a, b = load_file(run/name), load_file(straight/name)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name
    opts = config(run)['train']
    assert (opts['sn'], opts['norm'], opts['conditional'], opts['amp'], opts['lr_d'], opts['augment']) == (True, 'instance', True, 'bf16', 4e-4, 'color,translation,cutout')
    assert config(run)['critic']['sn'] and config(run)['n_classes'] == 10

def test_sample_label_and_no_ema(tmp_path):
    run = tmp_path/'run'
    assert fastgan('train', '--conditional', '--ema', '0.9', '--epochs', '1', *SMALL, '--out', run).returncode == 0
    for args, name in [(['--label', '7'], 'a.npy'), (['--label', '7'], 'b.npy'), (['--label', '3'], 'c.npy'), (['--label', '7', '--no-ema'], 'd.npy'), ([], 'e.npy')]:
        r = fastgan('sample', '--run', run, '--n', '20', *args, '--out', tmp_path/name)
        assert r.returncode == 0, r.stderr
    a, b, c, d, e = (np.load(tmp_path/f'{n}.npy') for n in 'abcde')
    assert (a == b).all() and not (a == c).all() and not (a == d).all() and not (a == e).all()
    for label, msg in [('10', '--label 10: expected a class from 0 to 9 or a class name (0, 1, 2'), ('seven', '--label seven: expected a class')]:
        r = fastgan('sample', '--run', run, '--label', label, '--out', tmp_path/'x.npy')
        assert r.returncode == 2 and msg in r.stderr and not (tmp_path/'x.npy').exists(), r.stderr

def test_label_on_an_unconditional_run_is_an_error(tmp_path):
    assert fastgan('train', '--no-conditional', '--clusters', '0', '--epochs', '1', *SMALL, '--out', tmp_path/'run').returncode == 0
    r = fastgan('sample', '--run', tmp_path/'run', '--label', '7', '--out', tmp_path/'x.npy')
    assert r.returncode == 2 and 'is unconditional (train with --conditional' in r.stderr, r.stderr
    assert not (tmp_path/'x.npy').exists()

def test_conditional_run_draws_the_asked_digit(tmp_path, default_run, digit_judge):
    "The default run (conditional on the digits' labels), then `fastgan sample --label 7 --n 500`: an independent classifier calls >= 90% of them sevens"
    run = default_run
    for label in (7, 2):
        assert fastgan('sample', '--run', run, '--label', label, '--n', 500, '--out', tmp_path/f'{label}.npy').returncode == 0
        x = torch.from_numpy(np.load(tmp_path/f'{label}.npy')).float().div(127.5).sub(1).unsqueeze(1)
        with torch.no_grad(): share = (digit_judge(x).argmax(1) == label).float().mean().item()
        print(f'label {label}: {share:.1%} classified as {label}')
        assert share >= 0.9, share

def test_resnet_with_ada_and_mirror_trains_samples_and_resumes_exactly(tmp_path):
    "--arch resnet --ada --mirror from the command line: p logged per epoch, a sample from the run, and a resume bit-identical to a straight run"
    args = ['--arch', 'resnet', '--ada', '--ada-kimg', '2', '--mirror', '--no-conditional', '--schedule', 'constant', '--n-images', '256', '--width', '8', '--bs', '32']
    run, straight = tmp_path/'run', tmp_path/'straight'
    assert fastgan('train', *args, '--epochs', '1', '--out', run).returncode == 0
    r = fastgan('train', '--resume', '--epochs', '2', '--out', run)
    assert r.returncode == 0, r.stderr
    assert fastgan('train', *args, '--epochs', '2', '--out', straight).returncode == 0
    for name in ('generator.safetensors', 'critic.safetensors'):
        a, b = load_file(run/name), load_file(straight/name)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name
    a, b = (load_file(o/'checkpoint.safetensors') for o in (run, straight))
    assert all(torch.equal(a[k], b[k]) for k in a if k.startswith('model.') or k.startswith('opt.'))  # networks, ADA's p and signal, Adam
    assert 0 < a['model.ada.p'] <= 1, a['model.ada.p']   # p moved from 0
    cfg = config(run)
    assert (cfg['arch'], cfg['critic']['class'], cfg['train']['augment'], cfg['train']['mirror']) == ('ResNetGenerator', 'ResNetCritic', 'ada', True)
    assert cfg['n_classes'] == 5 and cfg['classes'][:2] == ['cluster 0', 'cluster 1']  # without labels: conditional on k-means clusters, one per 50 images
    rows = (run/'metrics.csv').read_text().splitlines()
    p = [float(row.split(',')[rows[0].split(',').index('ada_p')]) for row in rows[1:]]
    assert len(p) == 2 and all(0 <= v <= 1 for v in p)
    r = fastgan('sample', '--run', run, '--n', '16', '--out', tmp_path/'s.npy')
    assert r.returncode == 0 and np.load(tmp_path/'s.npy').shape == (16, 28, 28), r.stderr

def test_unlabelled_runs_condition_on_clusters(tmp_path):
    "--no-conditional: k-means clusters of the images become the classes (at most one per 50 images); samples follow their sizes; --label picks one"
    run = tmp_path/'run'
    r = fastgan('train', '--no-conditional', '--clusters', '4', '--epochs', '1', *SMALL, '--out', run)
    assert r.returncode == 0 and 'conditional on 4 k-means clusters' in r.stdout, r.stderr
    cfg = config(run)
    freq = cfg['generator']['class_freq']
    assert cfg['n_classes'] == 4 and cfg['classes'] == [f'cluster {i}' for i in range(4)] and sum(freq) == 512 and min(freq) > 0, freq
    assert fastgan('sample', '--run', run, '--label', 'cluster 2', '--n', '8', '--out', tmp_path/'c2.npy').returncode == 0
    r = fastgan('train', '--no-conditional', '--clusters', '-1', '--epochs', '1', *SMALL, '--out', tmp_path/'bad')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and '--clusters -1: expected a number of clusters >= 0 (0: unconditional) or auto' in r.stderr, r.stderr
    assert not (tmp_path/'bad').exists()

def test_bad_ada_and_arch_options_are_one_line_each(tmp_path):
    for args, msg in [(['--ada-target', '1.5'], '--ada-target 1.5: expected a value in [0, 1]'), (['--ada-kimg', '-1'], '--ada-kimg -1.0: expected a positive'),
                      (['--augment', 'ada,color'], "--augment ada,color: 'ada' is not one of"), (['--arch', 'resnet', '--size', '30'], '--size 30: expected')]:
        r = fastgan('train', *args, '--epochs', '1', *SMALL, '--out', tmp_path/'run')
        assert r.returncode == 2 and r.stderr.count('\n') == 1 and msg in r.stderr, (args, r.stderr)
        assert not (tmp_path/'run').exists()

def test_keep_best_and_early_stop(tmp_path):
    "--keep-best fid keeps the lowest-fid epoch of metrics.csv in best/; --early-stop 2 stops after two evaluations without a better fid; resume keeps the best so far; sample/eval --best use it"
    import csv
    run, args = tmp_path/'run', ['--eval-every', '1', '--keep-best', 'fid', '--width', '8', '--bs', '64', '--n-images', '512', '--lr', '5e-3', '--schedule', 'constant']
    r = fastgan('train', '--epochs', '3', *args, '--out', run)
    assert r.returncode == 0, r.stderr
    r = fastgan('train', '--epochs', '12', '--resume', '--early-stop', '2', *args, '--out', run)
    assert r.returncode == 2 and '--early-stop 2 differs' in r.stderr, r.stderr   # what to train may not change on resume
    r = fastgan('train', '--epochs', '12', '--resume', *args, '--out', run)
    assert r.returncode == 0, r.stderr
    fids = [float(row['fid']) for row in csv.DictReader(open(run/'metrics.csv'))]
    best = config(run/'best')['best']
    assert len(fids) == 12 and best['monitor'] == 'fid' and best['epoch'] == int(np.argmin(fids)) + 1 and math.isclose(best['score'], min(fids))
    assert config(run/'best')['epochs_done'] == best['epoch'] and config(run)['epochs_done'] == 12
    assert fastgan('sample', '--run', run, '--best', '--n', '8', '--out', tmp_path/'best.npy').returncode == 0
    assert fastgan('sample', '--run', run, '--n', '8', '--out', tmp_path/'last.npy').returncode == 0
    assert (np.load(tmp_path/'best.npy') != np.load(tmp_path/'last.npy')).any() or best['epoch'] == 12
    r = fastgan('eval', '--run', run, '--best', '--n', '200', '--json')
    assert r.returncode == 0 and json.loads(r.stdout)['n'] == 200, r.stderr
    stop, tb = tmp_path/'stop', tmp_path/'tb'
    r = fastgan('train', '--epochs', '30', '--early-stop', '2', '--tensorboard', tb, *args, '--out', stop)
    assert r.returncode == 0, r.stderr
    fids = [float(row['fid']) for row in csv.DictReader(open(stop/'metrics.csv'))]
    i = next((k for k in range(2, len(fids)) if min(fids[k-1:k+1]) >= min(fids[:k-1])), None)   # the first epoch ending 2 evaluations without improvement
    assert i is not None and len(fids) == i + 1 and config(stop)['epochs_done'] == i + 1, fids
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ea = EventAccumulator(str(tb), size_guidance={'scalars': 0, 'images': 0}); ea.Reload()
    assert [e.step for e in ea.Images('samples')] == list(range(1, i + 2))                    # one grid per epoch trained
    assert np.allclose([e.value for e in ea.Scalars('epoch/fid')], fids, rtol=1e-5)          # the scores of metrics.csv
    assert len(ea.Scalars('batch/gen_loss')) == (i + 1) * 512 // 64 and ea.Tags()['graph']
    for bad, msg in [(['--keep-best', 'fid'], '--keep-best fid: needs --eval-every N'), (['--eval-every', '1', '--keep-best', 'is'], '--keep-best is: expected one of fid, kid'),
                     (['--early-stop', '2'], '--early-stop 2: needs --keep-best METRIC')]:
        r = fastgan('train', '--epochs', '1', *bad, '--out', tmp_path/'bad')
        assert r.returncode == 2 and msg in r.stderr and not (tmp_path/'bad').exists(), r.stderr
    r = fastgan('sample', '--run', tmp_path/'stop', '--best', '--out', tmp_path/'x.png')
    assert r.returncode == 0


def test_export_onnx(tmp_path):
    "fastgan export --onnx writes a generator that onnxruntime runs to the images fastgan sample writes; bad input gets one line and writes nothing"
    pytest.importorskip('onnxruntime')
    from fastgan.models import load_generator, sample_noise, sample_labels
    from fastgan.tracking import onnx_generate
    from fastgan.data import to_uint8
    run = tmp_path/'run'
    assert fastgan('train', '--epochs', '1', '--width', '8', '--n-images', '512', '--ema', '0.9', '--out', run).returncode == 0
    for extra, name in [([], 'ema'), (['--no-ema'], 'raw')]:
        r = fastgan('export', '--run', run, '--onnx', tmp_path/f'{name}.onnx', *extra)
        assert r.returncode == 0 and 'onnxruntime matches PyTorch' in r.stdout, r.stderr
        assert fastgan('sample', '--run', run, '--n', '16', '--out', tmp_path/f'{name}.npy', *extra).returncode == 0
        g = load_generator(run, ema=not extra)
        x = onnx_generate(tmp_path/f'{name}.onnx', sample_noise(16, g.nz, seed=0), sample_labels(g, 16, seed=0))
        assert (to_uint8(x)[:, 0].numpy().astype(int) - np.load(tmp_path/f'{name}.npy')).__abs__().max() <= 1   # the same images, to rounding
    assert (np.load(tmp_path/'ema.npy') != np.load(tmp_path/'raw.npy')).any()
    before = (tmp_path/'ema.onnx').read_bytes()
    for args, msg in [(['--run', run, '--onnx', tmp_path/'ema.onnx'], 'already exists'), (['--run', tmp_path/'nope', '--onnx', tmp_path/'x.onnx'], 'not a directory'),
                      (['--run', run, '--onnx', tmp_path/'x.pt'], 'ending in .onnx'), (['--run', run, '--best', '--onnx', tmp_path/'x.onnx'], 'kept no best generator')]:
        r = fastgan('export', *args)
        assert r.returncode == 2 and msg in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    assert (tmp_path/'ema.onnx').read_bytes() == before and not list(tmp_path.glob('x.*')) and not list(tmp_path.glob('tmp*'))
