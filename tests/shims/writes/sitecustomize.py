"""Records what the process that imports this (put this folder on PYTHONPATH) writes under FASTGAN_TEST_WATCH: every file opened for
writing, renamed, removed or made, as Python's audit events report them; at exit the list goes to FASTGAN_TEST_WATCH_LOG/rank{RANK}.txt (in the processes torchrun starts)."""
import atexit, os, sys
_watch, _log = os.environ.get('FASTGAN_TEST_WATCH'), os.environ.get('FASTGAN_TEST_WATCH_LOG')
_seen = []
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

def _hook(event, args):
    if event == 'open':
        path, mode, flags = args
        if not ((mode and any(c in mode for c in 'wax+')) or (flags or 0) & _WRITE): return
        paths = [path]
    elif event in ('os.rename', 'os.remove', 'os.mkdir', 'os.rmdir', 'shutil.rmtree'): paths = args[:2] if event == 'os.rename' else args[:1]
    else: return
    for p in paths:
        if isinstance(p, (str, bytes, os.PathLike)) and os.path.abspath(os.fsdecode(p)).startswith(_watch): _seen.append(f"{event} {os.fsdecode(p)}")

def _save():
    with open(os.path.join(_log, f"rank{os.environ['RANK']}.txt"), 'w') as f: f.write('\n'.join(_seen) + '\n')

if _watch and _log and 'RANK' in os.environ:  # the processes torchrun starts, not torchrun itself
    _watch = os.path.abspath(_watch)
    sys.addaudithook(_hook)
    atexit.register(_save)
