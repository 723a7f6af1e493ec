"""Fixtures for the tooling's tests: Sphinx's test apps over tests/roots, and pytester."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("pytester", "sphinx.testing.fixtures")


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where Sphinx's `@pytest.mark.sphinx(testroot=...)` finds its tiny projects."""
    return Path(__file__).parent / "roots"
