"""Distributed scaling side by side: images per second of the same recipe on 1, 2, ... processes (`torchrun --standalone`, DDP).

Every run trains fastgan's default recipe (`fastgan train`'s: the fastgan preset's dcgan pair, EMA, conditional on the digits'
labels) on the same images with the same global batch (`--bs`, split evenly among the processes), through `GANDistributed` as
`fastgan train` does under torchrun, without writing a run directory. Images per second = images per epoch / the median time of the
epochs after the first (which warms up). Scaling efficiency = (images/s on k processes) / (k x images/s on 1 process).
On the CPU the cores are shared: each of k processes gets cores/k threads, so the ideal speed-up there is 1.00 (the same cores
do the same work) and what falls short of it is the cost of the collectives; on a machine with k GPUs each process
has its own GPU and the table is the scaling table. Each configuration runs --repeats times, interleaved; medians are shown.
Run: python benchmarks/scaling.py [--procs 1 2] [--device cpu|cuda] [--n-images 2048] [--epochs 3] [--bs 64] [--width 32] [--repeats 2]"""
import argparse, json, os, statistics, subprocess, sys, time

def worker(a):
    "One process of a run (started by torchrun): train, and on rank 0 print the epoch times as JSON"
    import torch
    from fastai.callback.core import Callback
    from fastgan.all import load_mnist5k, gan_learner, fit_recipe, PRESETS
    from fastgan.distributed import GANDistributed, init_distributed, rank_world
    dev = init_distributed(a.device) or a.device
    rank, world = rank_world()
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // world) if dev == 'cpu' else 1)
    class EpochClock(Callback):
        order = 100
        def before_fit(self): self.seconds = []
        def before_epoch(self): self.t = time.perf_counter()
        def after_epoch(self):
            if str(dev).startswith('cuda'): torch.cuda.synchronize()
            self.seconds.append(time.perf_counter() - self.t)
    images = load_mnist5k()
    images = images.subset(torch.arange(a.n_images)) if a.n_images < len(images.x) else images
    opts = {**PRESETS['fastgan'], 'conditional': True, 'bs': a.bs, 'width': a.width, 'schedule': 'constant', 'seed': 0, 'device': dev, 'amp': False}
    learn = gan_learner(images, opts, cbs=[clock := EpochClock(), GANDistributed()])
    with learn.no_bar(), learn.no_logging(): fit_recipe(learn, a.epochs, 'constant')
    if rank == 0: print('RESULT ' + json.dumps(dict(times=clock.seconds, images=len(learn.dls.train) * a.bs, threads=torch.get_num_threads())), flush=True)
    if world > 1: torch.distributed.destroy_process_group()

def run(a, k):
    "Images per second of one run on k processes"
    args = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(k), __file__, '--worker',
            '--device', a.device, '--n-images', str(a.n_images), '--epochs', str(a.epochs), '--bs', str(a.bs), '--width', str(a.width)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=1800, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    if r.returncode: sys.exit(f"{k} processes failed:\n{r.stderr[-3000:]}")
    res = json.loads(next(l for l in r.stdout.splitlines() if l.startswith('RESULT '))[7:])
    return res['images'] / statistics.median(res['times'][1:]), res['threads']

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--procs', type=int, nargs='+', default=[1, 2])
    p.add_argument('--device', default='cpu')
    p.add_argument('--n-images', type=int, default=2048)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--width', type=int, default=32)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker: return worker(a)
    if a.epochs < 2: sys.exit('--epochs: at least 2 (the first warms up)')
    res = {k: [] for k in a.procs}
    for _ in range(a.repeats):
        for k in a.procs: res[k].append(run(a, k))
    ips = {k: statistics.median(v[0] for v in res[k]) for k in a.procs}
    base = ips[a.procs[0]] / a.procs[0]
    print(f"fastgan preset (dcgan width {a.width}), {a.n_images} images, global batch {a.bs}, {a.device}, {os.cpu_count()} cores, median of {a.repeats} runs")
    print(f"{'processes':>9} {'threads/proc':>12} {'images/s':>9} {'per process':>11} {'speed-up':>8} {'efficiency':>10}")
    for k in a.procs:
        print(f"{k:>9} {res[k][0][1]:>12} {ips[k]:>9.0f} {ips[k]/k:>11.0f} {ips[k]/ips[a.procs[0]]:>8.2f} {ips[k]/(k*base):>10.2f}")

if __name__ == '__main__': main()
