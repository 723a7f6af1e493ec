"""How the handbook's processes are run, defined once: the quiet TensorFlow environment, the
thread and worker flags, the HTML build's flags, where Chromium is, and the line that names
the machine a measurement ran on.

The noxfile, the benchmark, the flake check, the tests, the notebooks' runtime and the
grader read these from here. Standard library only, so the noxfile can load this file with
``runpy`` before anything is installed.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import shutil
import sys
from pathlib import Path

#: The checkout this tooling runs from (src/tfhandbook/settings.py is two folders down).
CHECKOUT = Path(__file__).resolve().parents[2]

#: TensorFlow's C++ start-up logging goes to stderr before Python can intervene, and
#: Matplotlib must not look for a screen: set both before TensorFlow is imported.
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
#: The same for a run that is timed or that reads a read-only checkout: no bytecode written.
QUIET_RUN = {**QUIET_TF, "PYTHONDONTWRITEBYTECODE": "1"}

#: Pixels per inch of the book's figures: the build writes its PNGs at this resolution
#: (``docs/conf.py``), and the harness's phone-legibility check assumes it.
FIGURE_DPI = 144

#: What sizes TensorFlow's thread pools (read when it creates them) and OpenMP's and BLAS's.
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")


def thread_settings(threads: int) -> dict[str, str]:
    """The environment that gives each of a process's thread pools `threads` threads."""
    return dict.fromkeys(THREAD_VARIABLES, str(threads))


def parallel_flags(workers: int | str = "auto") -> list[str]:
    """pytest-xdist's flags for the suite: `workers` processes ("auto": one per core),
    each test file kept in one worker because a chapter's examples share a namespace, and
    files handed out in collection order so the long-running ones start first. 0 runs the
    suite in this process."""
    if workers in (0, "0"):
        return ["-n", "0"]
    return ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"]


def pytest_command(*args: str, workers: int | None) -> list[str]:
    """pytest on `args` with `workers` processes (None: in this one), as the README's test
    command runs it, without the cache a read-only checkout cannot write."""
    spread = parallel_flags(workers or 0)
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *spread, *args]


#: sphinx-build's flags for the book: every cross-reference must resolve (-n), warnings are
#: errors so a stale {src} reference fails the build (-W), all reported at once.
HTML_BUILD_FLAGS = ["-n", "-W", "--keep-going", "-b", "html"]


def find_chromium() -> str | None:
    """The Chromium to drive: $CHROMIUM if set, else the first on PATH."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


#: What to tell someone who has no Chromium.
NO_CHROMIUM = "install Chromium (apt-get install chromium) or set CHROMIUM to its path"


def describe_machine() -> str:
    """One line naming where a measurement ran: cores, platform, versions and date."""
    versions = ", ".join(
        f"{title} {importlib.metadata.version(name)}"
        for name, title in (("tensorflow", "TensorFlow"), ("keras", "Keras"))
    )
    return (
        f"{os.cpu_count()} CPU cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {versions}, {datetime.date.today():%Y-%m-%d}"
    )
