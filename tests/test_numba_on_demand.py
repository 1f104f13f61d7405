"""whisper imports numba; WhisperScope never runs it, so in our own processes its LLVM
(115 MB) is loaded only if something calls what numba decorated. Importing whisperscope
as a library changes nothing. Each check runs in a fresh interpreter."""

import subprocess
import sys

INSTALL = "import whisperscope.numba_on_demand as on_demand; on_demand.install()\n"


def run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    return out.stdout.strip().splitlines()


def test_the_engine_imports_whisper_without_loading_numba():
    lines = run("import sys\n"
                "import whisperscope.numba_on_demand as n; n.install()\n"
                "import whisperscope.engine.analyzer, whisperscope.engine.models\n"
                "import whisper.timing\n"
                "print('llvmlite' in sys.modules, type(sys.modules['numba']).__name__)\n")
    assert lines == ["False _StandIn"]


def test_whispers_own_dtw_still_runs_and_gives_what_it_gives_without_the_stand_in():
    code = ("import sys, numpy as np\n"
            "{first}"
            "import whisper.timing as timing\n"
            "x = np.random.default_rng(3).random((7, 23)).astype(np.float32)\n"
            "print(timing.dtw_cpu(x).tolist())\n"
            "print(type(timing.dtw_cpu).__name__, type(timing.backtrace).__name__,\n"
            "      sys.modules['numba'] is timing.numba)\n")
    deferred = run(code.format(first=INSTALL))
    plain = run(code.format(first=""))
    assert deferred == plain
    assert deferred[1] == "CPUDispatcher CPUDispatcher True"


def test_numba_used_directly_is_the_real_numba():
    lines = run("import sys, numpy as np\n"
                f"{INSTALL}"
                "from numba import njit\n"
                "@njit\n"
                "def total(a):\n"
                "    s = 0.0\n"
                "    for v in a:\n"
                "        s += v\n"
                "    return s\n"
                "print('llvmlite' in sys.modules)\n"
                "print(total(np.arange(5.0)), type(total).__name__)\n"
                "import numba.core.config as config\n"
                "print(config is sys.modules['numba.core.config'], sys.modules['numba'].prange)\n")
    assert lines[0] == "False"  # nothing compiled yet
    assert lines[1] == "10.0 CPUDispatcher"
    assert lines[2].startswith("True <class 'numba")


def test_a_numba_submodule_first_imports_the_real_package_once():
    lines = run("import sys\n"
                f"{INSTALL}"
                "import numba.core.config\n"
                "print(numba.core.config is sys.modules['numba.core.config'],\n"
                "      type(sys.modules['numba']).__name__,\n"
                "      numba.core.config.__spec__.origin.endswith('config.py'))\n")
    assert lines == ["True module True"]


def test_importing_whisperscope_changes_nothing_in_the_process():
    lines = run("import sys\n"
                "hooks = list(sys.meta_path)\n"
                "import whisperscope, whisperscope.api, whisperscope.cli\n"
                "import whisperscope.engine.analyzer\n"
                "whisperscope.transcribe, whisperscope.load_model  # the API, loaded by name\n"
                "numba = sys.modules['numba']  # whisper imported the real one\n"
                "print(sys.meta_path == hooks, type(numba).__name__, numba.__file__ != None)\n")
    assert lines == ["True module True"]
    first = run("import sys, numba\n"
                "import whisperscope, whisperscope.engine.analyzer\n"
                "print(sys.modules['numba'] is numba)\n")
    assert first == ["True"]


def test_the_command_line_is_our_process_and_defers_numba():
    lines = run("import sys\n"
                "from whisperscope import cli\n"
                "sys.argv = ['whisperscope', 'align', '--help']\n"
                "try:\n"
                "    cli.run()\n"
                "except SystemExit:\n"
                "    pass\n"
                "import whisper\n"
                "print(type(sys.modules['numba']).__name__, 'llvmlite' in sys.modules)\n")
    assert lines[-1] == "_StandIn False"
