"Shared helpers: run the real `fastgan` command in subprocesses, and one short trained run reused by read-only tests"
import shutil, subprocess, sys
from pathlib import Path
import pytest

FASTGAN = str(Path(sys.executable).parent/'fastgan')
SMALL = ['--n-images', '512', '--width', '8', '--bs', '64']  # a run of a few seconds on a CPU

def fastgan(*args, cwd=None, timeout=600):
    "Run the installed `fastgan` console script; returns the CompletedProcess"
    return subprocess.run([FASTGAN, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)

def files(path):
    "Every file under `path` with its bytes, to check that nothing changed"
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(Path(path).rglob('*')) if p.is_file()}

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
def digit_judge():
    "An independent digit classifier: a small CNN trained on the embedded digits (not on anything a GAN made)"
    sys.path.insert(0, str(Path(__file__).parents[1]/'benchmarks'))
    from compare_defaults import train_judge
    from fastgan.data import load_mnist5k
    net, acc = train_judge(load_mnist5k())
    assert acc > 0.95, acc
    return net
