"""Equal-time comparison of training recipes, scored with fastgan eval's metrics: the embedded digits without labels, with labels,
and (with --data FOLDER --features JUDGE_DIR) a folder of your own images.

Three tables (CANDIDATES): 'unlabelled' (the embedded digits with their labels ignored, as `--no-conditional`: what any folder
without class subfolders gets), 'labelled' (--labels) and 'folder' (--data). Each candidate is a set of `fastgan train` options over the defaults, built by the same `gan_learner` the CLI uses and trained in this
one process, one after the other, on the same images with the same seed. Equal time: one epoch of each candidate is timed first and the
candidate then trains for as many epochs as fit in the budget (its own schedule over them); a candidate that names its epochs trains
for that many. 5,000 samples of each are scored by
`fastgan.metrics.Evaluator` (what `fastgan eval` prints) against the real images; the first row is the real-vs-real floor.
Run: python benchmarks/own_images.py [--budget SECONDS] [--labels|--no-labels] [--only 'NAME_PART|NAME_PART'] [--data PATH --features JUDGE_DIR --size PX]"""
import argparse, json, time, warnings
from pathlib import Path
import torch
warnings.filterwarnings('ignore', category=FutureWarning)
from fastgan.data import get_images, save_grid
from fastgan.metrics import Evaluator, get_judge
from fastgan.cli import TRAIN_DEFAULTS, PRESETS, gan_learner, fit_recipe

U = dict(clusters=0)  # unconditional: what every unlabelled folder got before --clusters
CANDIDATES = {  # per table: name, options over the defaults (the defaults' own row is the one with no options)
    'unlabelled': [
        ('dcgan w32, unconditional (the old default)', U),
        ('dcgan w32 + ADA, unconditional', dict(U, augment='ada')),
        ('resnet w16, unconditional', dict(U, arch='resnet', width=16)),
        ('dcgan w32 + 10 clusters', dict(clusters=10)),
        ('dcgan w32 + 30 clusters', dict(clusters=30)),
        ('dcgan w32 + 50 clusters (default)', {}),
        ('dcgan w32 + 100 clusters', dict(clusters=100)),
        ('dcgan w32 + 50 clusters + ADA', dict(augment='ada')),
        ('dcgan w64 + 50 clusters', dict(width=64)),
        ('dcgan w32 + 50 clusters, SN critic + R1 0.1', dict(sn=True, norm='none', r1=0.1, r1_every=4)),
        ('resnet w16 + 50 clusters', dict(arch='resnet', width=16)),
        ('dcgan w32 + 50 clusters (default), 80 epochs', dict(epochs=80)),
    ],
    'labelled': [
        ('dcgan w32 (default)', {}),
        ('dcgan w32 + ADA', dict(augment='ada')),
        ('dcgan w32 + DiffAugment t,c', dict(augment='translation,cutout')),
        ('dcgan w64', dict(width=64)),
        ('dcgan w32, SN critic + hinge', dict(sn=True, norm='none', loss='hinge')),
        ('dcgan w32, lr 5e-4', dict(lr=5e-4)),
        ('resnet w16', dict(arch='resnet', width=16)),
        ('dcgan w32 (default), 80 epochs', dict(epochs=80)),
    ],
    'folder': [  # colour: --clusters auto trains these unconditionally, --mirror auto mirrors them
        ('dcgan w32, 1 epoch', dict(epochs=1)),
        ('dcgan w32, unconditional, no mirror (the old colour default)', dict(mirror=False)),
        ('dcgan w32 + 50 clusters', dict(clusters=50, mirror=False)),
        ('dcgan w32 + 50 clusters + mirror', dict(clusters=50)),
        ('dcgan w32 + mirror (the colour default)', {}),
        ('dcgan w32 + ADA', dict(augment='ada', mirror=False)),
        ('dcgan w64', dict(width=64, mirror=False)),
        ('resnet w16', dict(arch='resnet', width=16, mirror=False)),
    ],
}
METRICS = ('fid', 'is', 'precision', 'recall', 'coverage', 'classes')

def options(over, conditional, data, size):
    return {**TRAIN_DEFAULTS, **PRESETS['fastgan'], 'conditional': conditional, 'data': data, 'size': size, **over, 'device': 'cpu'}  # no labels: --no-conditional

def fit(learn, opts, epochs):
    with learn.no_bar(), learn.no_logging(): fit_recipe(learn, epochs, opts['schedule'])

def row(name, res, epochs='', secs=''):
    show = lambda v: '-' if v is None else f'{v:.3g}' if isinstance(v, float) else str(v)
    return f"| {name} | {epochs} | {secs} | " + ' | '.join(show(res.get(k)) for k in METRICS) + ' |'

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--budget', type=float, default=150.)
    p.add_argument('--labels', action=argparse.BooleanOptionalAction, default=False)
    p.add_argument('--only', default='')
    p.add_argument('--data', default='mnist5k'); p.add_argument('--features', default='mnist'); p.add_argument('--size', type=int, default=28)
    a = p.parse_args()
    out = Path(__file__).parent/'out'/'own_images'; out.mkdir(parents=True, exist_ok=True)
    images = get_images(a.data, a.size)
    ev = Evaluator(images, get_judge(a.features))
    print(f"{a.data} ({len(images.x)} images, {'with' if a.labels else 'without'} labels), {a.budget:.0f} s of training each, torch threads {torch.get_num_threads()}")
    print('| candidate | epochs | time | ' + ' | '.join(METRICS) + ' |\n|' + '---|' * (len(METRICS) + 3))
    print(row('real vs real (floor)', ev(ev.held, floor=True)['floor']), flush=True)
    table = 'labelled' if a.labels else 'unlabelled' if a.data == 'mnist5k' else 'folder'
    for name, over in CANDIDATES[table]:
        if not any(part in name for part in a.only.split('|')): continue
        opts = options(over, a.labels or False, a.data, a.size)
        if 'epochs' in over: epochs = over['epochs']
        else:
            one = gan_learner(images, {**opts, 'epochs': 1})  # built (and its images clustered) outside the timing
            t = time.time(); fit(one, opts, 1); t1 = time.time() - t
            epochs = max(1, round(a.budget / t1))
        learn = gan_learner(images, {**opts, 'epochs': epochs})
        t = time.time(); fit(learn, opts, epochs); secs = time.time() - t
        x = learn.sample(5000, seed=0)
        save_grid(x[:64], out/f"{a.data.replace('/', '_')}_{'lab' if a.labels else 'unl'}_{name.replace(' ', '_').replace(',', '')}.png")
        res = ev(x, floor=False)
        print(row(name, res, epochs, f'{secs:.0f} s'), flush=True)
        with open(out/'results.jsonl', 'a') as f: f.write(json.dumps(dict(name=name, data=a.data, labels=a.labels, budget=a.budget, epochs=epochs, secs=secs, **{k: res[k] for k in METRICS})) + '\n')
