"""The record of the last test run that the handbook's status page shows.

The pytest plugin keeps, for each chapter and snippet module, how many examples ran, how
many failed and how long they took, and merges them into a JSON file when the run ends
(``.tfhandbook/test-status.json``, or ``$TFHANDBOOK_STATUS``). Running one chapter updates
that chapter's row only. A checkout that cannot be written to (read-only CI) is reported,
not fatal. The ``{test-status}`` directive renders the file.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tfhandbook.settings import describe_machine

if TYPE_CHECKING:  # the docs build reads the record without pytest installed
    import pytest

FORMAT = "tfhandbook-test-status/1"


def status_path(root: Path) -> Path:
    return Path(os.environ.get("TFHANDBOOK_STATUS") or root / ".tfhandbook" / "test-status.json")


def read_status(path: Path) -> dict[str, Any]:
    """The recorded status, or an empty record if there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"format": FORMAT, "files": {}}
    return data if data.get("format") == FORMAT else {"format": FORMAT, "files": {}}


class StatusRecorder:
    """A pytest plugin (registered in the controlling process) that records the run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"examples": 0, "failed": 0, "seconds": 0.0}
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = report.nodeid.split("::")[0]
        if not path.startswith(("docs/", "snippets/")):
            return
        entry = self.files[path]
        entry["seconds"] += report.duration
        if report.when == "call":
            properties = dict(report.user_properties)
            entry["examples"] += int(properties.get("examples", 1))
        if report.failed:
            entry["failed"] += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.files:
            return
        path = status_path(self.root)
        status = read_status(path)
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        for name, entry in self.files.items():
            status["files"][name] = {**entry, "seconds": round(entry["seconds"], 2), "run": now}
        status.update(machine=describe_machine(), updated=now)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8"
            ) as temporary:
                json.dump(status, temporary, indent=1, sort_keys=True)
            os.replace(temporary.name, path)  # atomic: never a half-written status
        except OSError as error:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter:
                reporter.write_line(f"tfhandbook: test status not recorded ({error})")
