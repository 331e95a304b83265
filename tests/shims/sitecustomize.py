"""A full disk for the process that imports this (put this folder on PYTHONPATH): once FASTGAN_TEST_DISK_BYTES bytes have gone
into temporary files (every fastgan write goes through one, then a rename), every further write fails with ENOSPC, as on a full disk."""
import errno, os, tempfile
_budget = [int(os.environ.get('FASTGAN_TEST_DISK_BYTES', '0'))]
_ntf = tempfile.NamedTemporaryFile

class _Full:
    def __init__(self, f): self._f = f
    def write(self, b):
        if len(b) > _budget[0]:
            _budget[0] = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._f.name)
        _budget[0] -= len(b)
        return self._f.write(b)
    def __getattr__(self, k): return getattr(self._f, k)
    def __enter__(self): self._f.__enter__(); return self
    def __exit__(self, *a): return self._f.__exit__(*a)

def NamedTemporaryFile(*args, **kwargs): return _Full(_ntf(*args, **kwargs))
tempfile.NamedTemporaryFile = NamedTemporaryFile
