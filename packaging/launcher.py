"""Entry point of the frozen app: the bundle's `whisperscope` executable runs
`whisperscope.cli:run`, exactly like the pip-installed console script."""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch/numba may spawn helpers from the frozen binary
    from whisperscope.cli import run

    run()
