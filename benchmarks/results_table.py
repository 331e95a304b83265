"""Every preset trained for the same wall time on the embedded digits, scored with every metric of `fastgan.metrics`.

Each preset is built by the same `gan_learner` that `fastgan train` uses and trained in this one process, one after the other,
on the same 5,000 digits with the same seed. Equal time: one epoch of each preset is timed first, and the preset then trains
for as many epochs as fit in the budget (with its own schedule over them). 5,000 samples of each (seed 0) are scored by
`fastgan.metrics.Evaluator` with the shipped digit judge, next to the real-vs-real floor. Writes the table and 64-sample grids
into the docs (the "Results" section of nbs/07_metrics.ipynb, nbs/images/results_*.png: fixed-noise grids) and benchmarks/out/results.json.
Run: python benchmarks/results_table.py [BUDGET_SECONDS]  (default 120 s each: about 12 minutes on a 2-core CPU)."""
import datetime, json, os, platform, sys, time, warnings
from pathlib import Path
import torch
warnings.filterwarnings('ignore', category=FutureWarning)
from fastgan.data import load_mnist5k, save_grid
from fastgan.cli import PRESETS, gan_learner
from fastgan.metrics import Evaluator
from compare_defaults import options, fit

ROOT = Path(__file__).parents[1]
SHOWN = ('fid', 'fid_matched', 'kid', 'is', 'precision', 'recall', 'density', 'coverage', 'classes', 'kl', 'memorisation')

def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def fmt(v): return '–' if v is None else f'{v}' if isinstance(v, int) else f'{v:.3g}'

def table(rows, floor, budget):
    head = f"| preset | epochs | time | {' | '.join(SHOWN)} |\n|---|---|---|{'---|'*len(SHOWN)}\n"
    body = ''.join(f"| `{r['preset']}` | {r['epochs']} | {r['secs']:.0f} s | {' | '.join(fmt(r[k]) for k in SHOWN)} |\n" for r in rows)
    return head + body + f"| real held-out digits (floor) | | | {' | '.join(fmt(floor[k]) for k in SHOWN)} |\n"

def write_docs(md):
    "Replace the markdown cell of nbs/07_metrics.ipynb that starts with '## Results'"
    fn = ROOT/'nbs'/'07_metrics.ipynb'
    nb = json.loads(fn.read_text())
    cell = next(c for c in nb['cells'] if c['cell_type'] == 'markdown' and ''.join(c['source']).startswith('## Results'))
    cell['source'] = md.splitlines(True)
    fn.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

if __name__ == '__main__':
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 120.
    images = load_mnist5k()
    ev = Evaluator(images)
    machine = f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads"
    print(f'{machine}; budget {budget:.0f} s of training per preset', flush=True)
    rows, floor = [], None
    for preset in PRESETS:
        opts = options(dict(preset=preset))
        t = time.time(); fit(gan_learner(images, {**opts, 'epochs': 1}), opts, 1); t1 = time.time() - t
        epochs = max(1, round(budget / t1))
        learn = gan_learner(images, {**opts, 'epochs': epochs})
        t = time.time(); fit(learn, opts, epochs); secs = time.time() - t
        t = time.time(); res = ev(learn.sample(5000, seed=0)); t_eval = time.time() - t
        floor = res.pop('floor')
        tr = learn.gan_trainer
        save_grid(learn.sample(tr.n_fixed, seed=0, labels=tr.fixed_labels(tr.n_fixed)), ROOT/'nbs'/'images'/f'results_{preset}.png', nrow=tr.grid_cols())
        rows.append(dict(preset=preset, epochs=epochs, secs=secs, eval_secs=t_eval, **{k: res[k] for k in SHOWN}))
        print(f"{preset}: {epochs} epochs in {secs:.0f} s; scored in {t_eval:.1f} s: " + ', '.join(f'{k} {fmt(res[k])}' for k in SHOWN), flush=True)
    out = ROOT/'benchmarks'/'out'; out.mkdir(exist_ok=True)
    (out/'results.json').write_text(json.dumps(dict(machine=machine, budget=budget, rows=rows, floor=floor), indent=1))
    grids = ' '.join(f'![`{r["preset"]}`](images/results_{r["preset"]}.png){{width=19%}}' for r in rows)
    md = (f"## Results: every preset for {budget:.0f} s\n\n"
          f"`python benchmarks/results_table.py {budget:.0f}` trained every preset for {budget:.0f} s of wall time on the embedded digits "
          f"(equal time: epochs sized from a timed first epoch) and scored 5,000 samples of each with the shipped judge, "
          f"on {machine}, {datetime.date.today()}. The last row is the real-vs-real floor. "
          f"Scoring 5,000 samples took {min(r['eval_secs'] for r in rows):.0f}–{max(r['eval_secs'] for r in rows):.0f} s.\n\n"
          + table(rows, floor, budget) + f"\nGrids (the fixed-noise grid of each run, seed 0; conditional presets one class per column), in the table's order:\n\n{grids}\n")
    write_docs(md)
    print(md)
