"""Fixtures for the tooling's tests: Sphinx's test apps over tests/roots, pytester, and a
headless Chromium with a local web server for the browser tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tfhandbook.book.site_speed import build_command
from tfhandbook.settings import NO_CHROMIUM, find_chromium
from tfhandbook.tools.serving import served

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytest_plugins = ("pytester", "sphinx.testing.fixtures")

ROOT = Path(__file__).parents[1]


@pytest.fixture(autouse=True)
def _own_status_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that runs the harness records into its own folder, never into the record of
    the run around it, which `nox -s bench` and `nox -s flake` name in $TFHANDBOOK_STATUS."""
    monkeypatch.delenv("TFHANDBOOK_STATUS", raising=False)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where Sphinx's `@pytest.mark.sphinx(testroot=...)` finds its tiny projects."""
    return Path(__file__).parent / "roots"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """The system Chromium, headless, driven by Playwright (which downloads no browser)."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if not executable:
        pytest.fail(f"the browser tests need Chromium: {NO_CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def serve() -> Callable[[Path], contextlib.AbstractContextManager[str]]:
    """``with serve(folder) as url:`` serves a built site on localhost."""
    return served


@pytest.fixture(scope="session")
def handbook_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole handbook, built as the README's build command builds it (warnings are
    errors), into a temporary folder; or the build in ``$TFHANDBOOK_SITE`` if set."""
    if site := os.environ.get("TFHANDBOOK_SITE"):
        return Path(site)
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [*build_command(ROOT / "docs", out), "-q", "-d", str(out / ".doctrees")],
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode:
        pytest.fail(f"the handbook does not build:\n{build.stderr[-5000:]}")
    return out
