"""Chapters that must start TensorFlow themselves run in a process of their own.

Some settings only apply before TensorFlow initialises its runtime, for example splitting
the CPU into logical devices for a distribution strategy. A test worker has long since
initialised it for the chapters before, so such a chapter says so in its front matter:

```markdown
---
own-process: it splits the CPU into two logical devices before TensorFlow starts
---
```

The suite then runs that chapter in a fresh Python process (``pytest`` on that one file) and
reports the child's result, with the child's file-and-line report when an example fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

#: Front-matter key whose value, the reason, moves a chapter into its own process.
OWN_PROCESS_KEY = "own-process"
#: Set in the child process to the chapter it runs, so the child collects it normally.
CHILD_ENV = "TFHANDBOOK_OWN_PROCESS_CHAPTER"

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def own_process_reason(path: Path) -> str | None:
    """The reason a chapter gives for running in its own process, or None."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        return None
    try:
        front_matter = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise pytest.UsageError(f"{path}: front matter is not valid YAML: {error}") from error
    reason = front_matter.get(OWN_PROCESS_KEY) if isinstance(front_matter, dict) else None
    if reason is not None and not (isinstance(reason, str) and reason.strip()):
        raise pytest.UsageError(f"{path}: '{OWN_PROCESS_KEY}' needs a reason, as a sentence")
    return reason


def runs_here(path: Path) -> bool:
    """Whether this process is the one that runs the chapter's examples."""
    return os.environ.get(CHILD_ENV) == str(path) or own_process_reason(path) is None


class OwnProcessChapter(pytest.File):
    """A chapter collected as one test that runs it in a child pytest process."""

    def collect(self) -> Iterator[pytest.Item]:
        yield OwnProcessRun.from_parent(self, name="own-process")


class OwnProcessRun(pytest.Item):
    def runtest(self) -> None:
        root = self.config.rootpath
        environment = {**os.environ, CHILD_ENV: str(self.path)}
        # The plugin is named here as well as in pyproject.toml's addopts, so that the child
        # collects chapters wherever pytest was configured from.
        command = [sys.executable, "-m", "pytest", "-p", "tfhandbook.harness.pytest_plugin"]
        command += ["-p", "no:doctest", "-p", "no:xdist", "-p", "no:cacheprovider"]
        command += ["-q", "--rootdir", str(root), str(self.path)]
        child = subprocess.run(
            command, cwd=root, env=environment, capture_output=True, text=True, check=False
        )
        self.add_report_section("call", "child pytest", child.stdout + child.stderr)
        if child.returncode != 0:
            raise OwnProcessFailure(child.stdout + child.stderr)
        # The status page counts the child's examples, not this one item.
        passed = re.search(r"(\d+) passed", child.stdout)
        self.user_properties.append(("examples", int(passed.group(1)) if passed else 1))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, OwnProcessFailure):
            return f"{self.path} ran in its own process and failed:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name} (own process)"


class OwnProcessFailure(Exception):
    """The child process reported failures; its output is the message."""
