"""A real colour image folder for `fastgan.data`: the Papirus icon theme rendered to 64 px PNGs, and how fast it loads.

Needs `apt-get install -y papirus-icon-theme librsvg2-bin`. Renders with `rsvg-convert -w 64 -h 64 -b white` every regular
`*.svg` file (not the symlinks, which repeat them) of `/usr/share/icons/Papirus/64x64/apps` into one flat folder
(`benchmarks/out/icons64/`, 3,614 icons), in parallel, skipping icons already rendered; each PNG is written to a temporary
name and renamed, so an interrupted run leaves no half-written icon behind. `--classes` also renders the theme's folders
(apps, categories, devices, mimetypes, places) into class subfolders (`benchmarks/out/icons64_classes/<folder>/`), for
training a judge; a folder that is a link to one already rendered (in 64x64, categories -> apps) is left out and said so.
`--bench` then times, in this one process, `load_image_folder` on the flat folder at `--size`: the first load with an empty
cache (a temporary FASTGAN_CACHE) and the second (a cache hit), then `decode_images` serially, with threads and with
processes, `--repeats` times each (the table gives the median and the range). `--photos N` also writes N photo-sized images
(icons upscaled to 1024x768 with noise, JPEG, `benchmarks/out/photos1024/`) and times the three decoders on them too: tiny
icons and big photos favour different decoders.
Run: python benchmarks/icons.py [--classes] [--bench] [--photos 300] [--size 64] [--repeats 3] [--workers N]"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

THEME = Path('/usr/share/icons/Papirus/64x64')
FOLDERS = ['apps', 'categories', 'devices', 'mimetypes', 'places']
OUT = Path(__file__).parent/'out'

def svgs(folder:Path): return sorted(p for p in folder.glob('*.svg') if p.is_file() and not p.is_symlink())

def render(svg:Path, png:Path, px:int=64):
    "One icon as a `px` x `px` PNG on white, written atomically; False if it was already there"
    if png.exists(): return False
    tmp = png.with_name(f'.{png.name}.tmp')
    subprocess.run(['rsvg-convert', '-w', str(px), '-h', str(px), '-b', 'white', '-o', str(tmp), str(svg)], check=True, capture_output=True)
    os.replace(tmp, png)
    return True

def render_folder(src:Path, dst:Path, workers:int):
    "Render every regular svg in `src` into `dst`; returns (icons in `dst`, newly rendered)"
    dst.mkdir(parents=True, exist_ok=True)
    todo = svgs(src)
    with ThreadPoolExecutor(workers) as ex: new = sum(ex.map(lambda s: render(s, dst/f'{s.stem}.png'), todo))
    return len(todo), new

def render_classes(workers:int):
    seen = {}
    for name in FOLDERS:
        src = (THEME/name).resolve()
        if src in seen: print(f'{name}: a link to {seen[src]}, left out'); continue
        seen[src] = name
        n, new = render_folder(src, OUT/'icons64_classes'/name, workers)
        print(f'{name}: {n} icons ({new} rendered now) in {OUT/"icons64_classes"/name}')

def write_photos(icons:Path, dst:Path, n:int):
    "`n` icons upscaled to 1024x768 with noise, as JPEGs: the cost of decoding a user's photos"
    import numpy as np
    from PIL import Image
    dst.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, f in enumerate(sorted(icons.glob('*.png'))[:n]):
        if (dst/f'{i:04d}.jpg').exists(): continue
        a = np.asarray(Image.open(f).convert('RGB').resize((1024, 768), Image.BICUBIC)).astype(np.int16) + rng.integers(-20, 20, (768, 1024, 3))
        Image.fromarray(a.clip(0, 255).astype(np.uint8)).save(dst/f'{i:04d}.jpg', quality=90)
    return dst

def timed(f):
    t = time.perf_counter(); r = f()
    return time.perf_counter() - t, r

def bench(folder:Path, size:int, repeats:int, workers:int):
    from fastgan.data import load_image_folder
    cache = Path(tempfile.mkdtemp(prefix='fastgan-bench-cache-'))
    os.environ['FASTGAN_CACHE'] = str(cache)
    try:
        cold, a = timed(lambda: load_image_folder(folder, size))
        warm, b = timed(lambda: load_image_folder(folder, size))
        assert (a.x == b.x).all()
        more = statistics.median(timed(lambda: load_image_folder(folder, size))[0] for _ in range(repeats))
        print(f'load_image_folder({folder}, {size}): {a}; first load (empty cache) {cold:.2f} s, '
              f'second (cache hit) {warm:.3f} s ({cold/warm:.0f}x), later hits {more:.3f} s (median of {repeats})')
    finally: shutil.rmtree(cache)
    decoders(folder, size, repeats, workers)

def decoders(folder:Path, size:int, repeats:int, workers:int):
    from fastgan.data import decode_images, get_image_files
    files = sorted(get_image_files(folder))
    ways = {'serial': dict(n_workers=0), f'threads ({workers})': dict(n_workers=workers, threadpool=True),
            f'processes ({workers})': dict(n_workers=workers, threadpool=False)}
    times = {k: [] for k in ways}
    for _ in range(repeats):  # interleaved: this machine's speed drifts
        for k, kw in ways.items(): times[k].append(timed(lambda: decode_images(files, size, 3, progress=False, **kw))[0])
    base = statistics.median(times['serial'])
    print(f'decode_images of {len(files)} files of {folder} at {size} px, {repeats} runs each:')
    for k, ts in times.items():
        m = statistics.median(ts)
        print(f'  {k:<14} median {m:.2f} s (range {min(ts):.2f}-{max(ts):.2f}), {len(files)/m:,.0f} images/s, {base/m:.2f}x serial')

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', type=Path, default=OUT/'icons64', help='the flat folder of apps icons')
    p.add_argument('--classes', action='store_true', help='also render the five folders into class subfolders')
    p.add_argument('--bench', action='store_true', help='time loading the flat folder: cold vs cached, serial vs threads vs processes')
    p.add_argument('--photos', type=int, default=0, help='with --bench: also time the decoders on this many photo-sized JPEGs')
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--workers', type=int, default=os.cpu_count())
    a = p.parse_args()
    if not shutil.which('rsvg-convert') or not (THEME/'apps').is_dir():
        sys.exit('needs the Papirus icons and rsvg-convert: apt-get install -y papirus-icon-theme librsvg2-bin')
    n, new = render_folder(THEME/'apps', a.out, a.workers)
    print(f'{n} icons ({new} rendered now) in {a.out}')
    if a.classes: render_classes(a.workers)
    if a.bench: bench(a.out, a.size, a.repeats, a.workers)
    if a.bench and a.photos: decoders(write_photos(a.out, OUT/'photos1024', a.photos), a.size, a.repeats, a.workers)

if __name__ == '__main__': main()
