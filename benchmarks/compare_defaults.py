"""Compare `fastgan train` candidates side by side for about equal wall time on the embedded digits.

Each candidate trains in this one process, one after the other, on the same 5,000 digits with the same seed; then
1,000 samples are scored by a small CNN digit classifier ("judge") trained here on 4,500 of the digits (its accuracy on
the other 500 is printed). Reported per candidate: wall time, the judge's mean confidence, the share of samples it
calls with confidence > 0.9, how many classes hold >= 2% of the samples, and the confident share as a ratio to the
baseline (the DCGAN paper's settings). Grids go to benchmarks/out/. Run: python benchmarks/compare_defaults.py
(about 12 minutes on a 2-core CPU)."""
import time, warnings
from pathlib import Path
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
warnings.filterwarnings('ignore', category=FutureWarning)
from fastgan.data import load_mnist5k, gan_dls, to_float, save_grid
from fastgan.models import gan_models
from fastgan.learner import GANLearner

CANDIDATES = [  # name, arch, width, bs, lr, schedule, epochs (sized for ~2 minutes each here)
    ('baseline: DCGAN paper (w64, bs64, 2e-4 constant)', 'dcgan', 64, 64, 2e-4, 'constant', 20),
    ('default: w32, bs32, one-cycle 1e-3', 'dcgan', 32, 32, 1e-3, 'one-cycle', 35),
    ('w32, bs32, 2e-4 constant', 'dcgan', 32, 32, 2e-4, 'constant', 37),
    ('w32, bs64, 2e-4 constant', 'dcgan', 32, 64, 2e-4, 'constant', 50),
    ('seed MLP (bs64, 2e-4 constant)', 'mlp', 0, 64, 2e-4, 'constant', 55),
]

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

if __name__ == '__main__':
    out = Path(__file__).parent/'out'; out.mkdir(exist_ok=True)
    images = load_mnist5k()
    judge, acc = train_judge(images)
    print(f'judge: held-out accuracy {acc:.3f}; on 1,000 real digits:', 'conf %.3f, confident %.3f, classes %d' % judge_scores(judge, to_float(images.x[torch.randperm(5000)[:1000]])))
    base = None
    print(f"{'candidate':52} {'time':>6} {'conf':>6} {'conf>0.9':>8} {'classes':>7} {'vs base':>7}")
    for name, arch, width, bs, lr, sched, epochs in CANDIDATES:
        torch.manual_seed(0)
        learn = GANLearner(gan_dls(images, bs=bs, seed=0, device='cpu'), *gan_models(arch, width=width or 64), lr=lr, n_fixed=0)
        t = time.time()
        with learn.no_bar(), learn.no_logging():
            if sched == 'one-cycle': learn.fit_one_cycle(epochs, lr)
            else: learn.fit(epochs)
        secs = time.time() - t
        x = learn.sample(1000, seed=0)
        save_grid(x[:64], out/f"{name.split(':')[0].split(' (')[0].replace(', ', '_').replace(' ', '_')}.png")
        conf, confident, classes = judge_scores(judge, x)
        base = base or confident
        print(f'{name:52} {secs:5.0f}s {conf:6.3f} {confident:8.3f} {classes:7d} {confident/base:6.2f}x', flush=True)
