"""Figures are drawn again when their code or the modules they import change, and only
then; the key follows imports through the book's own packages."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tfhandbook.book.sphinxext.figure_cache import figure_key, imported_modules


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs.txt"
    monkeypatch.setenv("FIGURE_RUNS", str(path))
    yield path
    sys.modules.pop("figuredata", None)


def drawings(runs: Path) -> int:
    return len(runs.read_text(encoding="utf-8").splitlines()) if runs.exists() else 0


def later(path: Path) -> None:
    """Give `path` a modification time clearly after the last build's."""
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))


@pytest.mark.sphinx("html", testroot="figure-cache")
def test_editing_the_page_reuses_the_figure_but_editing_its_module_redraws_it(
    app, make_app, runs: Path
) -> None:
    app.build()
    assert drawings(runs) == 1
    later(app.srcdir / "index.md")
    make_app("html", srcdir=app.srcdir).build()
    assert drawings(runs) == 1, "a page edit that leaves the figure alone redrew it"

    module = app.srcdir / "figuredata.py"
    module.write_text(module.read_text().replace("first version", "second"), encoding="utf-8")
    later(module)
    rebuilt = make_app("html", srcdir=app.srcdir)
    rebuilt.build()
    assert drawings(runs) == 2, "the module the figure imports changed, but it was not redrawn"
    # (A second app in one process warns that Sphinx's own nodes are registered again.)
    assert "index.md" not in rebuilt.warning.getvalue()
    assert list((rebuilt.outdir / "_images").glob("*.png"))


def test_the_key_follows_imports_of_the_books_packages_only() -> None:
    code = "import numpy\nfrom snippets.data import load_digits\nimport snippets.part1.losses\n"
    assert imported_modules(code, ["snippets"]) == [
        "snippets.data",
        "snippets.data.load_digits",
        "snippets.part1.losses",
    ]


def test_the_key_changes_with_the_code_and_not_otherwise() -> None:
    code = "from snippets.data import load_digits\nload_digits()\n"
    assert figure_key(code, ["snippets"]) == figure_key(code, ["snippets"])
    assert figure_key(code, ["snippets"]) != figure_key(code + "# edited\n", ["snippets"])
