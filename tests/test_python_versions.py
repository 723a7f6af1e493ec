"""The Python versions the project claims are the ones it is tested on."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import pytest

PYPROJECT = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))


def lowest_claimed() -> tuple[int, int]:
    claim = PYPROJECT["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)", claim)
    assert match, f"requires-python {claim!r}: this test knows only '>=X.Y'"
    return int(match.group(1)), int(match.group(2))


def test_this_interpreter_is_one_the_project_claims() -> None:
    assert sys.version_info[:2] >= lowest_claimed()


def test_ci_runs_the_lowest_claimed_version() -> None:
    """CI (`.ci/run`, the Pages workflow) proves the claim's floor: if the tests pass only
    on newer Pythons, raise requires-python instead."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI is bound to the lowest version; any claimed one may run here")
    assert sys.version_info[:2] == lowest_claimed(), (
        f"CI runs Python {sys.version_info.major}.{sys.version_info.minor}, but the project "
        f"claims {PYPROJECT['project']['requires-python']}: run CI on the lowest claimed version"
    )
