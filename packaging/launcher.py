"""Entry point of the frozen app: the bundle's `whisperscope` executable runs
`whisperscope.cli:main`, exactly like the pip-installed console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch/numba may spawn helpers from the frozen binary
    from whisperscope.cli import main

    sys.exit(main())
