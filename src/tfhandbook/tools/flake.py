"""Run the suite several times under different conditions and compare the outcomes:
``nox -s flake``.

Each run changes what a flaky example would depend on by accident: Python's hash seed
(set and dict order of strings), TensorFlow's intra- and inter-op thread pools, and the
number of pytest workers (which chapters share a process, and in which order). A reliable
book passes every run with the same outcome for every test. With ``--sealed`` each run also
has no network but the loopback interface and a read-only checkout, as a locked-down CI
would give it (Linux, as root: it uses ``unshare``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tfhandbook.settings import CHECKOUT, QUIET_RUN, pytest_command, thread_settings


@dataclass(frozen=True)
class Conditions:
    """What one run varies."""

    hash_seed: int
    threads: int
    workers: int

    def environment(self) -> dict[str, str]:
        return {"PYTHONHASHSEED": str(self.hash_seed), **thread_settings(self.threads)}

    def __str__(self) -> str:
        return f"hash seed {self.hash_seed}, {self.threads} threads, {self.workers} workers"


def plan(runs: int, cores: int) -> list[Conditions]:
    """`runs` different conditions: hash seeds differ every run; threads and workers
    alternate between one and all cores, out of step so that every pairing occurs."""
    conditions = []
    for run in range(runs):
        threads = cores if run % 2 == 0 else 1
        workers = 1 if run % 4 in (1, 2) else cores
        conditions.append(Conditions(hash_seed=run, threads=threads, workers=workers))
    return conditions


def outcomes(junit_xml: Path) -> dict[str, str]:
    """Each test's outcome in a JUnit XML report: passed, failed, error or skipped."""
    result = {}
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        result[test] = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(
            min(kinds, default=""), "passed"
        )
    return result


def differences(runs: Sequence[dict[str, str]]) -> dict[str, list[str]]:
    """Tests whose outcome is not the same in every run, with their outcome in each run
    (``absent`` where a run did not report the test)."""
    tests = sorted(set().union(*runs))
    table = {test: [run.get(test, "absent") for run in runs] for test in tests}
    return {test: seen for test, seen in table.items() if len(set(seen)) > 1}


def sealed(command: Sequence[str]) -> list[str]:
    """`command` run with no network but loopback and the checkout mounted read-only."""
    root = shlex.quote(str(CHECKOUT))
    script = (
        "ip link set lo up"
        f" && mount --bind {root} {root} && mount -o remount,bind,ro {root}"
        f" && exec {shlex.join(command)}"
    )
    return ["unshare", "--net", "--mount", "sh", "-c", script]


def run_once(
    conditions: Conditions, paths: Sequence[str], scratch: Path, *, seal: bool
) -> tuple[dict[str, str], float, int]:
    junit = scratch / f"run-{conditions.hash_seed}.xml"
    command = pytest_command(
        f"--junitxml={junit}", "-o", "junit_family=xunit1", *paths, workers=conditions.workers
    )
    environment = {
        **os.environ,
        **conditions.environment(),
        **QUIET_RUN,
        # The status record lives in the checkout, which a sealed run cannot write.
        "TFHANDBOOK_STATUS": str(scratch / "status.json"),
    }
    start = time.perf_counter()
    finished = subprocess.run(
        sealed(command) if seal else command, cwd=CHECKOUT, env=environment, check=False
    )
    elapsed = time.perf_counter() - start
    seen = outcomes(junit) if junit.exists() else {}
    return seen, elapsed, finished.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfhandbook.tools.flake", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sealed", action="store_true", help="no network, read-only checkout")
    parser.add_argument("paths", nargs="*", help="test paths (default: the whole suite)")
    args = parser.parse_args(argv)
    runs: list[dict[str, str]] = []
    lines = []
    with tempfile.TemporaryDirectory(prefix="tfhandbook-flake-") as name:
        for conditions in plan(args.runs, os.cpu_count() or 1):
            seen, elapsed, code = run_once(conditions, args.paths, Path(name), seal=args.sealed)
            runs.append(seen)
            counts = {
                kind: list(seen.values()).count(kind) for kind in ("passed", "failed", "error")
            }
            lines.append(
                f"{conditions}: {counts['passed']} passed, {counts['failed']} failed, "
                f"{counts['error']} errors, exit {code}, {elapsed:.0f} s"
            )
            print(lines[-1], flush=True)
    unstable = differences(runs)
    bad = [line for line in lines if "exit 0" not in line]
    print(f"\n{len(runs)} runs{' (sealed)' if args.sealed else ''}:")
    print("\n".join(lines))
    for test, seen in unstable.items():
        print(f"differs: {test}: {', '.join(seen)}")
    print("same outcome in every run" if not unstable else f"{len(unstable)} tests differ")
    return 1 if unstable or bad else 0


if __name__ == "__main__":
    sys.exit(main())
