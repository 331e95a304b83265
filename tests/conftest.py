"Shared helpers: run the real `fastgan` command in subprocesses, and one short trained run reused by read-only tests"
import os, shutil, subprocess, sys, tempfile
from pathlib import Path
import pytest

os.environ.setdefault('FASTGAN_CACHE', tempfile.mkdtemp(prefix='fastgan-cache-'))  # decoded image folders: never the user's ~/.cache, inherited by the subprocesses
FASTGAN = str(Path(sys.executable).parent/'fastgan')
SMALL = ['--n-images', '512', '--width', '8', '--bs', '64']  # a run of a few seconds on a CPU

def fastgan(*args, cwd=None, timeout=600):
    "Run the installed `fastgan` console script; returns the CompletedProcess"
    return subprocess.run([FASTGAN, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)

def files(path):
    "Every file under `path` with its bytes, to check that nothing changed; not the run directory's `.lock`, which names the last process that owned it"
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(Path(path).rglob('*')) if p.is_file() and p.name != '.lock'}

@pytest.fixture(scope='session')
def trained(tmp_path_factory):
    "A two-epoch run on 512 embedded digits, made once by the real command"
    out = tmp_path_factory.mktemp('trained')/'run'
    r = fastgan('train', '--epochs', '2', *SMALL, '--out', out)
    assert r.returncode == 0, r.stderr
    return out, r

@pytest.fixture
def run_copy(trained, tmp_path):
    "A private copy of the trained run that a test may change"
    dst = tmp_path/'run'
    shutil.copytree(trained[0], dst)
    return dst

@pytest.fixture(scope='session')
def default_run(tmp_path_factory):
    "The main job, exactly as the README runs it: `fastgan train` with no options (about two minutes on a 2-core CPU)"
    out = tmp_path_factory.mktemp('default')
    r = fastgan('train', cwd=out, timeout=1800)  # two minutes alone; allow for a busy machine
    assert r.returncode == 0, r.stderr
    return out/'fastgan-run'

@pytest.fixture(scope='session')
def digit_judge():
    "An independent digit classifier: the judge shipped with fastgan, trained on real digits only (98% on held-out ones)"
    from fastgan.metrics import load_judge
    return load_judge()
