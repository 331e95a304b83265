"Evaluation from the command line: `fastgan eval` ranks runs as their grids do, `fastgan judge`, and `fastgan train --eval-every`"
import csv, json, math, os
import numpy as np, pytest
from PIL import Image
from conftest import SMALL, fastgan, files
from fastgan.metrics import METRICS

def eval_json(*args, **kw):
    r = fastgan('eval', *args, '--json', **kw)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)

def test_eval_ranks_a_one_epoch_run_below_the_default_run(tmp_path, default_run):
    "The README's main job against the same recipe stopped after one epoch, 5,000 samples each"
    assert fastgan('train', '--epochs', '1', '--out', tmp_path/'one').returncode == 0
    one, best = eval_json('--run', tmp_path/'one'), eval_json('--run', default_run)
    for res in (one, best):
        assert set(res) == set(METRICS) | {'floor', 'n', 'features', 'real'} and set(res['floor']) == set(METRICS), res
        assert res['n'] == 5000 and res['real'] == 'mnist5k'
    print('1 epoch:', one, '\ndefault:', best)
    assert one['fid'] > 5*best['fid'] and one['fid_matched'] > 5*best['fid_matched'], (one['fid'], best['fid'])
    assert one['kid'] > 5*best['kid'], (one['kid'], best['kid'])
    assert one['precision'] < best['precision'] - 0.3 and one['coverage'] < best['coverage'] - 0.3, (one, best)
    # the default run is close to real digits: within reach of the real-vs-real floor, not memorising
    assert best['precision'] > 0.8 and best['coverage'] > 0.6 and best['classes'] == 10, best
    assert best['fid_matched'] < 3*best['floor']['fid'] and best['memorisation'] < 0.2, best

def digit_folder(path, n=400, step=1):
    "The first `n` embedded digits (every `step`-th), as PNG files in one subfolder per class"
    from fastgan.data import load_mnist5k
    m = load_mnist5k()
    for i in range(0, n*step, step):
        d = path/f'digit{int(m.y[i])}'; d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(m.x[i, 0].numpy()).save(d/f'{i}.png')
    return path

def test_judge_command_then_eval_with_its_features(tmp_path):
    data = digit_folder(tmp_path/'digits', n=600, step=8)
    r = fastgan('judge', '--data', data, '--out', tmp_path/'judge', '--epochs', '20')
    assert r.returncode == 0, r.stderr
    meta = json.loads((tmp_path/'judge'/'judge.json').read_text())
    assert meta['data'] == str(data) and meta['classes'] == [f'digit{i}' for i in range(10)] and meta['valid'] == 120
    assert meta['held_out_accuracy'] > 0.8 and f"{meta['held_out_accuracy']:.3f}" in r.stdout, (meta, r.stdout)
    before = files(tmp_path/'judge')
    r = fastgan('judge', '--data', data, '--out', tmp_path/'judge')  # a second time: refused, the judge kept
    assert r.returncode == 2 and 'not empty' in r.stderr and r.stderr.count('\n') == 1, r.stderr
    assert files(tmp_path/'judge') == before
    # samples from anywhere (here: real digits of that folder, as .npy) scored with that judge against its data
    x = np.stack([np.array(Image.open(f)) for f in sorted(data.rglob('*.png'))[::2]])
    np.save(tmp_path/'x.npy', x)
    res = eval_json('--data', tmp_path/'x.npy', '--features', tmp_path/'judge')
    assert res['n'] == 300 and res['real'] == str(data) and res['classes'] == 10, res
    assert res['precision'] > 0.5 and res['memorisation'] > 0.7, res  # 80% of them are its training images: flagged as copies

def test_judge_and_eval_errors(tmp_path, trained):
    unlabelled = tmp_path/'flat'; unlabelled.mkdir()
    for i in range(20): Image.fromarray(np.full((28, 28), 10*i, np.uint8)).save(unlabelled/f'{i}.png')
    r = fastgan('judge', '--data', unlabelled, '--out', tmp_path/'j')
    assert r.returncode == 2 and 'no labels' in r.stderr and not (tmp_path/'j').exists(), r.stderr
    r = fastgan('eval', '--run', trained[0], '--data', tmp_path/'x.npy')
    assert r.returncode == 2 and 'give either --run DIR' in r.stderr
    np.save(tmp_path/'f.npy', np.zeros((10, 28, 28), np.float32))
    r = fastgan('eval', '--data', tmp_path/'f.npy')
    assert r.returncode == 2 and 'expected a uint8 array' in r.stderr
    np.save(tmp_path/'big.npy', np.zeros((10, 32, 32), np.uint8))
    r = fastgan('eval', '--data', tmp_path/'big.npy')
    assert r.returncode == 2 and 'scores 1x28x28 images' in r.stderr
    # Inception features with no weights on the machine and no network: one clear line, exit 2
    env = {**os.environ, 'TORCH_HOME': str(tmp_path/'hub'), 'https_proxy': 'http://127.0.0.1:9', 'HTTPS_PROXY': 'http://127.0.0.1:9'}
    import subprocess
    from conftest import FASTGAN
    r = subprocess.run([FASTGAN, 'eval', '--run', trained[0], '--n', '100', '--features', 'inception'], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith('fastgan eval: error: inception features'), r.stderr  # (torch.hub may say it tried to download first)

def test_train_eval_every_logs_metrics(tmp_path):
    "--eval-every 2 over 3 epochs: metric columns in metrics.csv, NaN on epoch 1, values on epochs 2 and 3 (the last)"
    r = fastgan('train', '--eval-every', '2', '--epochs', '3', *SMALL, '--out', tmp_path/'run')
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(tmp_path/'run'/'metrics.csv')))
    assert len(rows) == 3 and {'fid', 'kid', 'precision', 'recall', 'coverage'} <= set(rows[0]), rows[0]
    assert math.isnan(float(rows[0]['fid'])) and all(math.isfinite(float(rows[i][k])) for i in (1, 2) for k in ('fid', 'kid', 'precision'))
    assert 'fid' in r.stdout.splitlines()[1], r.stdout  # the epoch table's header
    cfg = json.loads((tmp_path/'run'/'config.json').read_text())
    assert cfg['train']['eval_every'] == 2
