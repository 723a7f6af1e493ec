"""Collect the book's examples under pytest; loaded with ``-p tfhandbook.pytest_plugin``.

A plugin rather than a root ``conftest.py`` so that the collection rules live with the rest
of the tooling, are unit-tested there, and apply wherever pytest is started.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tfhandbook.harness import book_sybils
from tfhandbook.isolation import OwnProcessChapter, runs_here
from tfhandbook.pins import WrongVersions, check_versions
from tfhandbook.runtime import import_tensorflow_quietly
from tfhandbook.settings import THREAD_VARIABLES, thread_settings
from tfhandbook.status_record import StatusRecorder


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


def _tolerant_traceback_filter() -> None:
    """Sybil 9 cuts a failure's traceback at its second entry and crashes pytest with an
    INTERNALERROR (hiding the failure) when there is only one, as for a ResourceWarning
    turned into an error by ``filterwarnings = error``. Fall back to the whole traceback."""
    from sybil.integration.pytest import SybilItem

    original = SybilItem._traceback_filter

    def traceback_filter(self: SybilItem, excinfo: pytest.ExceptionInfo[BaseException]):
        try:
            return original(self, excinfo)
        except IndexError:
            return excinfo.traceback

    SybilItem._traceback_filter = traceback_filter


_tolerant_traceback_filter()
