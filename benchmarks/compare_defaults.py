"""Compare training recipes side by side for equal wall time on the embedded digits: the presets and the default candidates.

Each candidate is a set of `fastgan train` options (a preset plus overrides), built by the same `gan_learner` the CLI uses,
trained in this one process, one after the other, on the same 5,000 digits with the same seed. Equal time: one epoch of
each candidate is timed first, and the candidate then trains for as many epochs as fit in the budget (with its own
schedule over them). 1,000 samples of each are scored by a small CNN digit classifier ("judge") trained here on 4,500 of
the digits (its accuracy on the other 500 is printed). Reported: epochs, wall time, the judge's mean confidence, the share
of samples it calls with confidence > 0.9, how many classes hold >= 2% of the samples, diversity (per class the judge
sees, the mean pixel distance between samples relative to real digits': near 1 is as varied as real data, low means
copies of a few digits), and the confident share as a ratio
to the foundation's default (issue 2). Grids go to benchmarks/out/.
Run: python benchmarks/compare_defaults.py [BUDGET_SECONDS] [NAME_FILTER]  (default 120 s each: about 25 minutes on a 2-core CPU)."""
import sys, time, warnings
from pathlib import Path
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
warnings.filterwarnings('ignore', category=FutureWarning)
from fastgan.data import load_mnist5k, to_float, save_grid
from fastgan.cli import TRAIN_DEFAULTS, PRESETS, gan_learner, fit_recipe

FOUNDATION = dict(preset='fastgan', ema=0., augment=None)  # the default of issue 2: no EMA, no augmentation
CANDIDATES = [  # name, options over the defaults
    ('foundation default (w32, bs32, one-cycle 1e-3)', FOUNDATION),
    ('preset dcgan', dict(preset='dcgan')),
    ('preset wgan-gp', dict(preset='wgan-gp')),
    ('preset sngan-hinge', dict(preset='sngan-hinge')),
    ('preset seed-mlp', dict(preset='seed-mlp')),
    ('foundation + EMA 0.999', {**FOUNDATION, 'ema': 0.999}),
    ('foundation + EMA + DiffAugment t,c', {**FOUNDATION, 'ema': 0.999, 'augment': 'translation,cutout'}),
    ('foundation + EMA + DiffAugment c,t,c', {**FOUNDATION, 'ema': 0.999, 'augment': 'color,translation,cutout'}),
    ('SN + hinge, w32 bs32 one-cycle, EMA + DiffAugment t,c', {**FOUNDATION, 'loss': 'hinge', 'sn': True, 'norm': 'none', 'ema': 0.999, 'augment': 'translation,cutout'}),
    ('foundation + EMA + DiffAugment t,c, conditional', {**FOUNDATION, 'ema': 0.999, 'augment': 'translation,cutout', 'conditional': True}),
    ('foundation + EMA, conditional', {**FOUNDATION, 'ema': 0.999, 'conditional': True}),
    ('foundation + EMA + DiffAugment c,t,c, conditional', {**FOUNDATION, 'ema': 0.999, 'augment': 'color,translation,cutout', 'conditional': True}),
]

def options(over):
    "Full training options: the defaults, the preset's recipe, then the overrides (as `fastgan train` resolves them)"
    return {**TRAIN_DEFAULTS, **PRESETS[over.get('preset', 'fastgan')], **over, 'device': 'cpu'}

def fit(learn, opts, epochs):
    with learn.no_bar(), learn.no_logging(): fit_recipe(learn, epochs, opts['schedule'])

def train_judge(images, seed=0, epochs=8):
    "A small CNN digit classifier: trained on 4,500 digits, accuracy on the other 500"
    torch.manual_seed(seed)
    x, y = to_float(images.x), images.y
    perm = torch.randperm(len(x)); tr, va = perm[:4500], perm[4500:]
    net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64*49, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(epochs):
        net.train()
        for i in torch.randperm(len(tr)).split(64):
            xb = torch.roll(x[tr[i]], shifts=tuple(torch.randint(-2, 3, (2,)).tolist()), dims=(2, 3))
            loss = F.cross_entropy(net(xb), y[tr[i]]); opt.zero_grad(); loss.backward(); opt.step()
    net.eval()
    with torch.no_grad(): acc = (net(x[va]).argmax(1) == y[va]).float().mean().item()
    return net, acc

def judge_scores(net, x):
    with torch.no_grad(): conf, cls = net(x).softmax(1).max(1)
    hist = np.bincount(cls.numpy(), minlength=10)
    return conf.mean().item(), (conf > 0.9).float().mean().item(), int((hist >= 0.02*len(x)).sum())

def class_spread(net, x):
    "Per class the judge sees (>= 10 samples), the mean pixel distance between two of its samples: low means copies of one digit"
    with torch.no_grad(): cls = net(x).argmax(1)
    return {c: torch.pdist(x[cls == c].flatten(1)).mean().item() for c in range(10) if (cls == c).sum() >= 10}

def diversity(net, x, real_spread):
    "Mean over classes of the samples' spread relative to real digits' (1.0: as varied as real digits of the same class)"
    s = class_spread(net, x)
    return np.mean([s[c] / real_spread[c] for c in s]) if s else float('nan')

if __name__ == '__main__':
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 120.
    which = sys.argv[2] if len(sys.argv) > 2 else ''
    out = Path(__file__).parent/'out'; out.mkdir(exist_ok=True)
    images = load_mnist5k()
    judge, acc = train_judge(images)
    print(f'judge: held-out accuracy {acc:.3f}; on 1,000 real digits:', 'conf %.3f, confident %.3f, classes %d' % judge_scores(judge, to_float(images.x[torch.randperm(5000)[:1000]])))
    real_spread = class_spread(judge, to_float(images.x[torch.randperm(5000)[:1000]]))
    print(f'budget: {budget:.0f} s of training per candidate, torch threads {torch.get_num_threads()}')
    base = None
    print(f"| candidate | epochs | time | conf | conf > 0.9 | classes | diversity | vs foundation |\n|---|---|---|---|---|---|---|---|")
    for name, over in CANDIDATES:
        if which not in name: continue
        opts = options(over)
        t = time.time(); fit(gan_learner(images, {**opts, 'epochs': 1}), opts, 1); t1 = time.time() - t
        epochs = max(1, round(budget / t1))
        learn = gan_learner(images, {**opts, 'epochs': epochs})
        t = time.time(); fit(learn, opts, epochs); secs = time.time() - t
        x = learn.sample(1000, seed=0)
        save_grid(x[:64], out/f"{name.replace(' + ', '_').replace(', ', '_').replace(' ', '_').replace('(', '').replace(')', '')}.png")
        conf, confident, classes = judge_scores(judge, x)
        base = base or confident
        print(f'| {name} | {epochs} | {secs:.0f} s | {conf:.3f} | {confident:.3f} | {classes} | {diversity(judge, x, real_spread):.2f} | {confident/base:.2f}x |', flush=True)
