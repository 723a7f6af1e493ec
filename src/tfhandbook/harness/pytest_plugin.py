"""Collect the book's examples under pytest; loaded with ``-p tfhandbook.harness.pytest_plugin``.

A plugin rather than a root ``conftest.py`` so that the collection rules live with the rest
of the tooling, are unit-tested there, and apply wherever pytest is started.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

from tfhandbook.harness.isolation import OwnProcessChapter, runs_here
from tfhandbook.harness.status_record import StatusRecorder
from tfhandbook.harness.sybils import book_sybils
from tfhandbook.pins import WrongVersions, check_versions
from tfhandbook.runtime import import_tensorflow_quietly
from tfhandbook.settings import THREAD_VARIABLES, thread_settings


def pytest_configure(config: pytest.Config) -> None:
    # Before TensorFlow starts: examples checked against another release prove nothing.
    try:
        check_versions(fix="nox -s tests")
    except WrongVersions as error:
        raise pytest.UsageError(str(error)) from None
    config.addinivalue_line(
        "markers",
        "long_running: a test file that takes several chapters' time (it builds the whole "
        "site, or grades every bank); run before the rest",
    )
    if hasattr(config, "workerinput"):
        share_the_cores(config.workerinput["workercount"])
    import_tensorflow_quietly()
    collectors = [sybil.pytest() for sybil in book_sybils(Path(config.rootpath))]
    config.stash[_COLLECTORS] = collectors
    if not hasattr(config, "workerinput"):  # the controller sees every worker's reports
        config.pluginmanager.register(StatusRecorder(Path(config.rootpath)), "tfhandbook-status")


_COLLECTORS = pytest.StashKey[list]()


def share_the_cores(workers: int) -> None:
    """Give each of `workers` parallel workers its share of the cores, unless the caller
    chose thread counts. Left alone, every worker's TensorFlow sizes its pools to the
    whole machine, and the workers' threads take turns on the same cores."""
    if any(name in os.environ for name in THREAD_VARIABLES):
        return
    os.environ.update(thread_settings(max(1, (os.cpu_count() or 1) // workers)))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long-running files first, the rest in their order. xdist hands files to workers in
    this order (the test command turns off its own reordering, which puts files with more
    tests first), so no worker starts a long file when the others are nearly done."""
    items.sort(key=lambda item: item.get_closest_marker("long_running") is None)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md" and not runs_here(file_path):
        return OwnProcessChapter.from_parent(parent, path=file_path)
    for collect in parent.config.stash[_COLLECTORS]:
        collected = collect(file_path, parent)
        if collected is not None:
            return collected
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report a failure whose traceback sybil cannot shorten as a plain failure.

    Sybil (up to 10.1 at least) cuts a failure's traceback at its second entry and raises
    IndexError when there is only one, as for a ResourceWarning that ``filterwarnings =
    error`` turns into an error; pytest would show an INTERNALERROR and hide the failure.
    """
    from sybil.integration.pytest import SybilItem

    try:
        return (yield)
    except IndexError:
        if call.excinfo is None or not isinstance(item, SybilItem):
            raise
        return pytest.TestReport(
            nodeid=item.nodeid,
            location=item.location,
            keywords=dict.fromkeys(item.keywords, 1),
            outcome="failed",
            longrepr=call.excinfo.getrepr(style="short"),
            when=call.when,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
        )
