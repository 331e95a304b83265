"""Equal-time comparison of training recipes, scored with fastgan eval's metrics: the embedded digits without labels, with labels,
and (with --data FOLDER --features JUDGE_DIR) a folder of your own images.

Each candidate is a set of `fastgan train` options over the defaults, built by the same `gan_learner` the CLI uses and trained in this
one process, one after the other, on the same images with the same seed. Equal time: one epoch of each candidate is timed first and the
candidate then trains for as many epochs as fit in the budget (its own schedule over them). 5,000 samples of each are scored by
`fastgan.metrics.Evaluator` (what `fastgan eval` prints) against the real images; the first row is the real-vs-real floor.
Run: python benchmarks/own_images.py [--budget SECONDS] [--labels|--no-labels] [--only NAME_PART] [--data PATH --features JUDGE_DIR --size PX]"""
import argparse, json, time, warnings
from pathlib import Path
import torch
warnings.filterwarnings('ignore', category=FutureWarning)
from fastgan.data import get_images, save_grid
from fastgan.metrics import Evaluator, get_judge
from fastgan.cli import TRAIN_DEFAULTS, PRESETS, gan_learner, fit_recipe

CANDIDATES = [  # name, options over the defaults
    ('default (dcgan w32)', {}),
    ('dcgan w32 + ADA', dict(augment='ada')),
    ('dcgan w32 + DiffAugment t,c', dict(augment='translation,cutout')),
    ('dcgan w64', dict(width=64)),
    ('dcgan w32, SN critic + hinge', dict(sn=True, norm='none', loss='hinge')),
    ('dcgan w32, SN critic + R1 0.1', dict(sn=True, norm='none', r1=0.1, r1_every=4)),
    ('dcgan w32, lr 5e-4', dict(lr=5e-4)),
    ('dcgan w32, lr 2e-3', dict(lr=2e-3)),
    ('resnet w16', dict(arch='resnet', width=16)),
    ('resnet w16 + ADA', dict(arch='resnet', width=16, augment='ada')),
    ('resnet w32', dict(arch='resnet', width=32)),
]
METRICS = ('fid', 'is', 'precision', 'recall', 'coverage', 'classes')

def options(over, conditional, data, size):
    return {**TRAIN_DEFAULTS, **PRESETS['fastgan'], 'conditional': conditional, 'data': data, 'size': size, **over, 'device': 'cpu'}

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
    for name, over in CANDIDATES:
        if a.only not in name: continue
        opts = options(over, a.labels or False, a.data, a.size)
        t = time.time(); fit(gan_learner(images, {**opts, 'epochs': 1}), opts, 1); t1 = time.time() - t
        epochs = max(1, round(a.budget / t1))
        learn = gan_learner(images, {**opts, 'epochs': epochs})
        t = time.time(); fit(learn, opts, epochs); secs = time.time() - t
        x = learn.sample(5000, seed=0)
        save_grid(x[:64], out/f"{a.data.replace('/', '_')}_{'lab' if a.labels else 'unl'}_{name.replace(' ', '_').replace(',', '')}.png")
        res = ev(x, floor=False)
        print(row(name, res, epochs, f'{secs:.0f} s'), flush=True)
        with open(out/'results.jsonl', 'a') as f: f.write(json.dumps(dict(name=name, data=a.data, labels=a.labels, budget=a.budget, epochs=epochs, secs=secs, **{k: res[k] for k in METRICS})) + '\n')
