"""`python -m fastgan`: the `fastgan` command, which `torchrun ... -m fastgan train` runs in each process.

Written by hand, the one file of the package that is not exported: nbdev exports one module per notebook (see nbs/10_cli.ipynb)."""
import sys
from .cli import main

if __name__ == '__main__': sys.exit(main())
