"""Shared test setup: headless Qt, few torch threads (CI has 2 cores)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# set before torch is imported anywhere, so every test (and subprocess) uses 2 threads
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")
