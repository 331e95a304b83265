"""Training speed side by side, in one process: a plain PyTorch loop, fastgan's `GANLearner`, fastai's stock `GANLearner`.

Same data (the embedded digits, the same images), same models (`gan_models`, unconditional), same batch size, same number of
critic+generator iterations, NS-BCE loss and Adam(2e-4, betas 0.5, 0.999) for all three:
1. plain: the pytorch/examples DCGAN step: the critic on a real batch and on the detached fake, the generator on the same fake;
   batches sliced from a shuffled uint8 tensor;
2. fastgan: `GANLearner` as a user runs it (no progress bar, no fixed-noise grid), batches from `gan_dls`;
3. fastai: `fastai.vision.gan.GANLearner` with `FixedGANSwitcher(1, 1)`, fed by a stock `DataBlock` of (noise, image) items;
   it trains the critic on one batch and the generator on the next, so two of its batches count as one iteration.
Each configuration runs `--repeats` times, interleaved; the table gives the median images per second (iterations x batch
size / fit wall time), the ratios fastgan/plain and fastgan/fastai of the medians with their range over the runs (run i of
each against run i of the other: this machine's speed drifts by 10-20 % between runs), and the peak resident memory so far
(CPU; it only grows) or the peak CUDA memory of each run. fastgan runs with its defaults (channels-last for conv networks;
on CUDA the data on the GPU). A second table shows what each of fastgan's other configurations buys against its default
(`--configs`; by default on CUDA: without channels-last, bf16 autocast, torch.compile, bf16 + compile; on the CPU: the first two).
Run: python benchmarks/speed.py [--archs mlp dcgan] [--iters 70] [--bs 64] [--repeats 5] [--device cpu] [--configs NAME ...]"""
import argparse, resource, statistics, time, warnings
from functools import partial
import torch, torch.nn as nn, torch.nn.functional as F
warnings.filterwarnings('ignore')
from fastai.basics import DataBlock, TransformBlock, IndexSplitter, Adam, noop
from fastai.vision import gan as fgan
from fastgan.data import load_mnist5k, gan_dls, to_float, get_device
from fastgan.models import gan_models
from fastgan.learner import GANLearner

WIDTH = 64  # DCGAN feature maps (the paper's); the MLP pair has fixed sizes

def models(arch, dev):
    torch.manual_seed(0)
    G, D = gan_models(arch, width=WIDTH)
    return G.to(dev), D.to(dev)

def plain(images, arch, bs, iters, dev):
    "The pytorch/examples DCGAN training step, looped over shuffled batches"
    G, D = models(arch, dev)
    optG, optD = (torch.optim.Adam(m.parameters(), 2e-4, betas=(0.5, 0.999)) for m in (G, D))
    x, n, nz = images.x.to(dev), len(images.x), G.nz
    ones, zeros = torch.ones(bs, device=dev), torch.zeros(bs, device=dev)
    sync(dev); t = time.perf_counter()
    for idx in torch.randperm(n, device=dev)[:iters*bs].view(iters, bs):
        real = to_float(x[idx])
        fake = G(torch.randn(bs, nz, device=dev))
        lossD = F.binary_cross_entropy_with_logits(D(real).view(-1), ones) + F.binary_cross_entropy_with_logits(D(fake.detach()).view(-1), zeros)
        optD.zero_grad(); lossD.backward(); optD.step()
        lossG = F.binary_cross_entropy_with_logits(D(fake).view(-1), ones)
        optG.zero_grad(); lossG.backward(); optG.step()
    sync(dev)
    return time.perf_counter() - t

def fastgan(images, arch, bs, iters, dev, **options): # `options`: GANLearner's speed options (amp, channels_last, compile)
    learn = GANLearner(gan_dls(images, bs=bs, seed=0, device=dev), *models(arch, dev), loss='ns', lr=2e-4, n_fixed=0, **options)
    return timed_fit(learn, 1, dev)

def fastai_stock(images, arch, bs, iters, dev):
    "fastai's own GAN learner on a stock DataBlock: (noise, real image) items, collated per item"
    x = to_float(images.x)
    dblock = DataBlock(blocks=(TransformBlock, TransformBlock), get_x=partial(fgan.generate_noise, size=100), get_y=lambda i: x[i],
                       splitter=IndexSplitter([]))
    dls = dblock.dataloaders(list(range(len(x))), bs=bs, device=dev, num_workers=0)
    bce = nn.BCEWithLogitsLoss()
    gen_loss = lambda fake_pred, output, target: bce(fake_pred.view(-1), torch.ones_like(fake_pred.view(-1)))
    crit_loss = lambda real_pred, fake_pred: bce(real_pred.view(-1), torch.ones_like(real_pred.view(-1))) + bce(fake_pred.view(-1), torch.zeros_like(fake_pred.view(-1)))
    learn = fgan.GANLearner(dls, *models(arch, dev), gen_loss, crit_loss, switcher=fgan.FixedGANSwitcher(1, 1), show_img=False,
                            opt_func=partial(Adam, mom=0.5, sqr_mom=0.999, eps=1e-8, wd=0.), lr=2e-4)  # no weight decay, as the others
    return timed_fit(learn, 2, dev)  # two of its batches per critic+generator iteration

def timed_fit(learn, epochs, dev):
    learn.logger = noop
    with learn.no_bar():
        sync(dev); t = time.perf_counter()
        learn.fit(epochs, learn.lr)
        sync(dev)
    return time.perf_counter() - t

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def peak_mb(dev):
    if dev.type == 'cuda': return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

RUNNERS = {'plain': plain, 'fastgan': fastgan, 'fastai': fastai_stock}
CONFIGS = {'without channels-last': dict(channels_last=False),  # fastgan's default has it for conv networks
           'bf16': dict(amp='bf16'), 'compile': dict(compile=True), 'bf16 + compile': dict(amp='bf16', compile=True)}
CPU_CONFIGS = ['without channels-last', 'bf16']  # compiling takes longer than these runs on a small CPU, and bought nothing here

def spread(a, b): # the ratio of the medians of run times `b` / `a`, and the range of the run-by-run ratios (run i against run i)
    r = [y / x for x, y in zip(a, b)]
    return f'{statistics.median(b) / statistics.median(a):.2f} ({min(r):.2f}-{max(r):.2f})'

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--archs', nargs='+', default=['mlp', 'dcgan'])
    p.add_argument('--iters', type=int, default=70, help='critic+generator iterations per run')
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--device', default='cpu')
    p.add_argument('--configs', nargs='*', choices=list(CONFIGS), help="fastgan's other configurations to time (default: all on CUDA, "
                   f"{', '.join(CPU_CONFIGS)} on the CPU)")
    a = p.parse_args()
    dev = get_device(a.device)
    configs = a.configs if a.configs is not None else list(CONFIGS) if dev.type == 'cuda' else CPU_CONFIGS
    images = load_mnist5k().subset(torch.arange(a.iters * a.bs) % 5000)  # exactly `iters` batches: one epoch
    print(f'{a.iters} iterations of batch {a.bs} on {dev} ({torch.get_num_threads()} threads), median of {a.repeats} runs, interleaved')
    print('| model | plain img/s | fastgan img/s | fastai img/s | fastgan/plain (range) | fastgan/fastai (range) | peak MB (plain, fastgan, fastai) |\n|---|---|---|---|---|---|---|')
    runners = {**RUNNERS, **{k: partial(fastgan, **CONFIGS[k]) for k in configs}}
    config_rows = []
    for arch in a.archs:
        times, peaks = {k: [] for k in runners}, {k: 0. for k in runners}
        for name, run in runners.items(): run(images, arch, a.bs, min(a.iters, 5), dev)  # warm-up (and compilation)
        for _ in range(a.repeats):
            for name, run in runners.items():
                if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats()
                times[name].append(run(images, arch, a.bs, a.iters, dev))
                peaks[name] = max(peaks[name], peak_mb(dev))
        ips = {k: a.iters * a.bs / statistics.median(v) for k, v in times.items()}
        print(f"| {arch} | {ips['plain']:.0f} | {ips['fastgan']:.0f} | {ips['fastai']:.0f} | {spread(times['fastgan'], times['plain'])} | "
              f"{spread(times['fastgan'], times['fastai'])} | {peaks['plain']:.0f}, {peaks['fastgan']:.0f}, {peaks['fastai']:.0f} |", flush=True)
        config_rows += [f"| {arch} | fastgan {k} | {ips[k]:.0f} | {spread(times[k], times['fastgan'])} | {peaks[k]:.0f} |" for k in configs]
    if config_rows: print('\n| model | configuration | img/s | vs fastgan default (range) | peak MB |\n|---|---|---|---|---|\n' + '\n'.join(config_rows))
