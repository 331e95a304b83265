"""One process of a distributed test run (torchrun starts it; tests/test_distributed.py compares what it writes), or, started
without torchrun, the one-process run it is compared with. Trains a real GANLearner on the embedded digits, with `GANDistributed`,
and writes this rank's networks, ADA probability, random states and logged epoch statistics to OUT/rank{R}.safetensors."""
import json, random, sys
import torch
from safetensors.torch import save_file
from fastgan.all import *
from fastgan.distributed import GANDistributed, init_distributed, rank_world

cfg = dict(arch='mlp', loss='ns', width=8, nz=16, norm=None, sn=None, bs=64, n=512, epochs=2, ema=0.999, n_crit=1, lr=2e-4,
           augment=None, ada_target=0.6, ada_kimg=100., amp=False, mirror=False, float64=False, per_rank_noise=False, schedule='one-cycle')
cfg.update(json.loads(sys.argv[1]))
out = Path(sys.argv[2])
torch.set_num_threads(1)
if cfg['float64']: torch.set_default_dtype(torch.float64)
init_distributed('cpu')
rank, world = rank_world()

torch.manual_seed(0)
dls = gan_dls(load_mnist5k().subset(torch.arange(cfg['n'])), bs=cfg['bs'], seed=0, device='cpu')
G, D = gan_models(cfg['arch'], 28, 1, cfg['nz'], cfg['width'], cfg['norm'], cfg['sn'])
learn = GANLearner(dls, G, D, loss=cfg['loss'], lr=cfg['lr'], n_crit=cfg['n_crit'], ema=cfg['ema'] or None, augment=ADA(cfg['ada_target'], cfg['ada_kimg']) if cfg['augment'] == 'ada' else cfg['augment'],
                   amp=cfg['amp'], mirror=cfg['mirror'], n_fixed=0, cbs=[GANDistributed()])
if cfg['per_rank_noise']:  # the negative control: each process draws its own batch's noise from the shared stream (the same noise everywhere)
    learn.gan_trainer.noise = lambda n, device: torch.randn(n, G.nz, device=device)
with learn.no_bar(): fit_recipe(learn, cfg['epochs'], cfg['schedule'])

t = {f'model.{k}': v.detach().contiguous() for k, v in learn.model.state_dict().items()}
t['rng.torch'] = torch.get_rng_state()
meta = dict(world=str(world), python_rng=json.dumps(random.getstate()), dl_rng=json.dumps(dls.train.rng.getstate()),
            values=json.dumps([list(map(float, v)) for v in learn.recorder.values]), names=json.dumps(list(learn.recorder.metric_names)))
out.mkdir(parents=True, exist_ok=True)
save_file(t, out/f'rank{rank}.safetensors', metadata=meta)
if world > 1: torch.distributed.destroy_process_group()
