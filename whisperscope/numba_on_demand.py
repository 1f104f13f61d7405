"""numba on demand: whisper imports it at import time, WhisperScope never runs it.

`whisper.timing` imports numba and decorates its own DTW with it (`dtw_cpu`, `backtrace`),
which only `whisper.transcribe(word_timestamps=True)` calls; WhisperScope times words with
its own DTW (`engine/timing/dtw.py`, numpy). Importing numba loads LLVM: 115 MB resident in
every process that imports whisper (`import numba` after torch: RSS 266 -> 380 MB, most of
it libllvmlite's pages), about an eighth of `align`'s peak on 10 min with base.

So once `install()` has run, an `import numba` gets a stand-in. Its `jit`/`njit` decorators
only record what they decorate. The first call to a decorated function, or reading anything
else from the module, imports the real numba, compiles every recorded function as its
decorator asked (rebinding it in its module, so jitted callers find jitted callees) and
goes on as whisper would have. Where numba is already imported, nothing changes.

It changes how `import numba` works in the whole process, so only WhisperScope's own
processes install it, at their entry points, before anything imports whisper: the
`whisperscope` command (`cli.run`, which also opens the window), the window's engine
process (`engine.process`) and the corpus worker processes (`corpus.local`). Importing
`whisperscope` as a library installs nothing.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
import types

_DECORATORS = ("jit", "njit")
_lock = threading.RLock()
_recorded: list[_Deferred] = []
_real: types.ModuleType | None = None


class _Deferred:
    """A function numba was asked to compile, not yet compiled."""

    def __init__(self, decorator: str, fn, args: tuple, kwargs: dict) -> None:
        self.decorator, self.fn, self.args, self.kwargs = decorator, fn, args, kwargs
        self.compiled = None
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, *args, **kwargs):
        if self.compiled is None:
            real_numba()
        return self.compiled(*args, **kwargs)


def _decorator(name: str):
    def decorate(*args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]):  # @numba.jit
            return _record(name, args[0], (), {})
        return lambda fn: _record(name, fn, args, kwargs)  # @numba.jit(nopython=True)
    return decorate


def _record(decorator: str, fn, args: tuple, kwargs: dict):
    with _lock:
        if _real is not None:
            return getattr(_real, decorator)(*args, **kwargs)(fn)
        deferred = _Deferred(decorator, fn, args, kwargs)
        _recorded.append(deferred)
        return deferred


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str):
        if name in _DECORATORS:
            return _decorator(name)
        if name.startswith("__"):  # the import system probing
            raise AttributeError(name)
        return getattr(real_numba(), name)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "numba":
            return importlib.machinery.ModuleSpec("numba", self, is_package=True)
        if name.startswith("numba."):
            return importlib.machinery.ModuleSpec(name, _RealSubmodule())
        return None

    def create_module(self, spec):
        return _StandIn("numba")

    def exec_module(self, module) -> None:
        pass


class _RealSubmodule(importlib.abc.Loader):
    """A numba submodule asked for before the real numba: the real one, imported whole
    (importing the real package imports many of its submodules, which must not be made
    twice), keeping its own spec."""

    def create_module(self, spec):
        real_numba()
        module = importlib.import_module(spec.name)
        self._spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self._spec  # the import system set the stand-in's


def install() -> None:
    """Make `import numba` give the stand-in from now on, unless numba is imported."""
    with _lock:
        if "numba" in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
            return
        sys.meta_path.insert(0, _Finder())


def real_numba() -> types.ModuleType:
    """The real numba, imported now if need be, with every recorded function compiled."""
    global _real
    with _lock:
        if _real is not None:
            return _real
        sys.modules.pop("numba", None)
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]
        real = importlib.import_module("numba")
        for deferred in _recorded:
            deferred.compiled = getattr(real, deferred.decorator)(
                *deferred.args, **deferred.kwargs)(deferred.fn)
            names = deferred.fn.__globals__
            if names.get(deferred.fn.__name__) is deferred:
                names[deferred.fn.__name__] = deferred.compiled
            if isinstance(names.get("numba"), _StandIn):
                names["numba"] = real
        _recorded.clear()
        _real = real
        return real
