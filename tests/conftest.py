"""Shared test setup: headless Qt, few torch threads (CI has 2 cores)."""

import os
import signal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# a test run started in the background (`./.ci/run &`) inherits SIGINT ignored, and so would
# every child the Ctrl+C tests signal: Python's own handler here is reset to the default in
# them, so they take Ctrl+C as a user's terminal would send it
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# set before torch is imported anywhere, so every test (and subprocess) uses 2 threads
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")
