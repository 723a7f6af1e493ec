"""The build's environment has the docs group only: its extensions must not need the test
tools (the README's build command failed once because one imported pytest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).parents[1] / "docs"
TEST_ONLY = ["pytest", "sybil", "playwright", "xdist"]


def book_extensions() -> list[str]:
    namespace: dict = {"__file__": str(DOCS / "conf.py")}
    exec((DOCS / "conf.py").read_text(encoding="utf-8"), namespace)
    return [name for name in namespace["extensions"] if name.startswith("tfhandbook.")]


def test_the_books_extensions_import_without_the_test_tools() -> None:
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in TEST_ONLY)
    imports = "; ".join(f"importlib.import_module({name!r})" for name in book_extensions())
    code = f"import importlib, sys; {blocked}; {imports}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_check_catches_an_extension_that_needs_pytest() -> None:
    code = "import sys; sys.modules['pytest'] = None; import tfhandbook.harness.pytest_plugin"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "pytest" in result.stderr
