"""How fast the handbook is checked and built on this machine: ``nox -s bench``.

Prints, and writes as JSON (``.tfhandbook/bench.json`` or ``--json PATH``):

- per test file (each chapter, snippet module and tooling test module), its test time and
  number of examples, from a serial run of the whole suite;
- the whole suite's wall time run serially and in parallel (one worker per core, as the
  README's test command runs it), and the limit a parallel run cannot beat on this machine:
  one TensorFlow import per worker plus the longest file, or the sum of all files' times
  divided by the workers, whichever is larger;
- the HTML build's wall time cold, rebuilt with nothing changed, and after touching one
  chapter;
- the chapters executed the way a Jupyter Book build executes them (each converted to a
  notebook and run in a kernel of its own, one after the other), against the same chapters
  run by the test suite in parallel.

Every figure is measured here, on this machine; nothing is asserted. Tests of the tooling
never time anything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tfhandbook.book.chapters import chapter_pages
from tfhandbook.book.site_speed import build_command
from tfhandbook.settings import (
    CHECKOUT,
    QUIET_RUN,
    describe_machine,
    pytest_command,
)

#: The chapter whose edit the incremental build times: the first chapter of the book.
TOUCHED_CHAPTER = Path("docs/custom-models/functional-and-sequential-apis.md")


@dataclass
class FileTiming:
    """One test file's share of a serial run."""

    path: str
    seconds: float
    tests: int
    examples: int = 0


@dataclass
class Report:
    machine: str
    workers: int
    tensorflow_import_seconds: float = 0.0
    files: list[FileTiming] = field(default_factory=list)
    suite_serial_seconds: float | None = None
    suite_parallel_seconds: float | None = None
    limit_seconds: float | None = None
    build_seconds: dict[str, float] = field(default_factory=dict)
    chapters_parallel_seconds: float | None = None
    notebooks_seconds: float | None = None
    notebook_chapters: dict[str, float] = field(default_factory=dict)


def parallel_limit(files: Sequence[FileTiming], workers: int, import_seconds: float) -> float:
    """The shortest wall time a run over `workers` processes can reach: the worker with the
    longest file pays one TensorFlow import and that file (a file never splits across
    workers), and the work divides at best evenly.
    """
    longest = max((file.seconds for file in files), default=0.0)
    total = sum(file.seconds for file in files)
    return max(import_seconds + longest, total / workers)


def file_timings(junit_xml: Path, status_json: Path | None = None) -> list[FileTiming]:
    """Per-file test time and test count from pytest's JUnit XML report, with the example
    counts the handbook's status record keeps for chapters and snippets. Slowest first."""
    seconds: dict[str, float] = defaultdict(float)
    tests: dict[str, int] = defaultdict(int)
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        path = case.get("file", "")  # the xunit1 format records each test's file
        seconds[path] += float(case.get("time", 0.0))
        tests[path] += 1
    examples: dict[str, int] = {}
    if status_json and status_json.exists():
        recorded = json.loads(status_json.read_text(encoding="utf-8")).get("files", {})
        examples = {name: entry.get("examples", 0) for name, entry in recorded.items()}
    timings = [
        FileTiming(path, round(seconds[path], 2), tests[path], examples.get(path, tests[path]))
        for path in seconds
    ]
    return sorted(timings, key=lambda timing: -timing.seconds)


def timed(command: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Run `command` from the checkout's root, with `env` added to the environment; return
    its wall time. Failure is fatal: a benchmark of a failing suite measures nothing."""
    start = time.perf_counter()
    subprocess.run(
        command, cwd=CHECKOUT, check=True, env={**os.environ, **QUIET_RUN, **(env or {})}
    )
    return round(time.perf_counter() - start, 2)


def tensorflow_import_seconds() -> float:
    """What one worker pays before its first example: Python, TensorFlow and Keras start."""
    code = "import time; t = time.perf_counter(); import keras, tensorflow; "
    code += "print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, **QUIET_RUN},
            ).stdout
        )
        for _ in range(3)
    ]
    return round(sorted(runs)[1], 2)  # the median of three, as the first run warms caches


def measure_suite(report: Report, scratch: Path, paths: Sequence[str]) -> None:
    junit, status = scratch / "serial.xml", scratch / "serial-status.json"
    env = {"TFHANDBOOK_STATUS": str(status)}
    serial = pytest_command(
        f"--junitxml={junit}", "-o", "junit_family=xunit1", *paths, workers=None
    )
    report.suite_serial_seconds = timed(serial, env)
    report.files = file_timings(junit, status)
    report.suite_parallel_seconds = timed(
        pytest_command(*paths, workers=report.workers),
        env={"TFHANDBOOK_STATUS": str(scratch / "parallel.json")},
    )
    report.limit_seconds = round(
        parallel_limit(report.files, report.workers, report.tensorflow_import_seconds), 2
    )


def measure_build(report: Report, scratch: Path) -> None:
    out, doctrees = scratch / "html", scratch / "doctrees"
    # The whole build, the site optimisation included, as `nox -s docs` runs it.
    command = [*build_command(Path("docs"), out), "-q", "-d", str(doctrees)]
    report.build_seconds["cold"] = timed(command)
    report.build_seconds["no change"] = timed(command)
    chapter = CHECKOUT / TOUCHED_CHAPTER
    os.utime(chapter)  # what saving the file in an editor does to Sphinx's view of it
    report.build_seconds[f"touched {TOUCHED_CHAPTER.name}"] = timed(command)


def chapters() -> list[Path]:
    """The book's chapters: every page under a part's folder except the part overview."""
    return chapter_pages(CHECKOUT / "docs")


def measure_notebooks(report: Report, scratch: Path) -> None:
    """Execute each chapter as a notebook in a fresh kernel, one after the other, as a
    Jupyter Book build with ``execute_notebooks: force`` does."""
    import nbformat
    from nbclient import NotebookClient

    from tfhandbook.book.notebooks import chapter_notebook

    pages = chapters()
    report.chapters_parallel_seconds = timed(
        pytest_command(
            *(str(page.relative_to(CHECKOUT)) for page in pages), workers=report.workers
        ),
        env={"TFHANDBOOK_STATUS": str(scratch / "chapters.json")},
    )
    total = 0.0
    for page in pages:
        # Read as a file would be: cell sources become strings, as nbclient expects.
        notebook = nbformat.reads(json.dumps(chapter_notebook(page)), as_version=4)
        folder = Path(tempfile.mkdtemp(dir=scratch))
        start = time.perf_counter()
        NotebookClient(
            notebook, timeout=600, resources={"metadata": {"path": str(folder)}}
        ).execute()
        elapsed = round(time.perf_counter() - start, 2)
        report.notebook_chapters[str(page.relative_to(CHECKOUT))] = elapsed
        total += elapsed
    report.notebooks_seconds = round(total, 2)


def print_report(report: Report) -> None:
    print(f"\n{report.machine}; {report.workers} workers")
    print(f"TensorFlow + Keras import: {report.tensorflow_import_seconds:.1f} s per worker")
    if report.files:
        print(f"\n{'test file':<62} {'seconds':>8} {'examples':>9}")
        for file in report.files:
            print(f"{file.path:<62} {file.seconds:>8.1f} {file.examples:>9}")
    if report.suite_serial_seconds is not None:
        print(f"\nwhole suite, serial:          {report.suite_serial_seconds:8.1f} s")
        print(
            f"whole suite, {report.workers} workers:       {report.suite_parallel_seconds:8.1f} s"
        )
        ratio = report.suite_parallel_seconds / report.limit_seconds
        print(
            f"limit on this machine:        {report.limit_seconds:8.1f} s  (parallel run is "
            f"{ratio:.2f}x the limit)"
        )
    for name, seconds in report.build_seconds.items():
        print(f"HTML build, {name + ':':<18}{seconds:8.1f} s")
    if report.notebooks_seconds is not None:
        print(f"chapters as notebooks, one kernel each: {report.notebooks_seconds:8.1f} s")
        print(f"the same chapters, test suite:          {report.chapters_parallel_seconds:8.1f} s")
        ratio = report.notebooks_seconds / report.chapters_parallel_seconds
        print(f"the test suite is {ratio:.2f}x faster")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfhandbook.tools.bench", description=__doc__)
    parser.add_argument("--json", type=Path, default=CHECKOUT / ".tfhandbook" / "bench.json")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["suite", "build", "notebooks"],
        help="leave out a measurement",
    )
    parser.add_argument("paths", nargs="*", help="test paths for the suite runs (default: all)")
    args = parser.parse_args(argv)
    report = Report(machine=describe_machine(), workers=os.cpu_count() or 1)
    report.tensorflow_import_seconds = tensorflow_import_seconds()
    with tempfile.TemporaryDirectory(prefix="tfhandbook-bench-") as name:
        scratch = Path(name)
        if "suite" not in args.skip:
            measure_suite(report, scratch, args.paths)
        if "build" not in args.skip:
            measure_build(report, scratch)
        if "notebooks" not in args.skip:
            measure_notebooks(report, scratch)
        shutil.rmtree(scratch, ignore_errors=True)
    print_report(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
