"""Converting a MyST chapter into a notebook that runs what the tests run."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from tfhandbook.book.chapters import UnknownDirective
from tfhandbook.book.notebooks import (
    BOOK_VERSION,
    chapter_notebook,
    doctest_sources,
    install_cells,
    plain_roles,
)

CHAPTER = """\
    ---
    own-process: a reason
    ---
    # A chapter

    Prose with {src}`~keras.src.layers.layer.Layer.__call__` and {doc}`a link <other>`.

    <!-- invisible-code-block: python
    import numpy as np
    -->

    ```python
    >>> def twice(x):
    ...     return 2 * x
    ...
    >>> twice(2)
    4
    >>> 1 / 0
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    ```

    ```{literalinclude} helper.py
    :pyobject: helper
    ```

    ```{not-executed} Keras 2 only
    import keras.layers.merge
    ```

    ````{exercise}
    :label: ex-one
    Write it.
    ````

    ````{solution} ex-one
    :class: dropdown
    ```python
    >>> twice(3)
    6
    ```
    ````

    ```{plot}
    import matplotlib.pyplot as plt
    plt.plot([1, 2])
    ```
    """


def test_a_chapter_becomes_cells_in_reading_order(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("import os\n\n\ndef helper():\n    return 1\n")
    chapter = tmp_path / "chapter.md"
    chapter.write_text(textwrap.dedent(CHAPTER))
    notebook = nbformat.reads(json.dumps(chapter_notebook(chapter)), as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.metadata["tags"] for cell in code[:2]] == [["install"], ["setup"]]
    assert [cell.source for cell in code[2:]] == [
        "import numpy as np",
        "def twice(x):\n    return 2 * x",
        "twice(2)",
        "1 / 0",
        "twice(3)",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2])",
    ]
    assert code[5].metadata["tags"] == ["raises-exception"]
    assert code[6].metadata == {"jupyter": {"source_hidden": True}, "tags": ["solution"]}
    assert all("solution" not in cell.metadata.get("tags", []) for cell in code[:6] + code[7:])
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "Prose with `__call__` and a link." in markdown
    assert "def helper():\n    return 1" in markdown and "import os" not in markdown
    assert "**Not executed:** Keras 2 only" in markdown
    assert "own-process" not in markdown


def test_doctest_continuations_and_outputs_are_told_apart_as_doctest_does() -> None:
    block = ">>> x = [\n... 1]\n>>> x\n[1]\n...\n>>> 1 / 0\nTraceback (most recent call last):\n"
    assert doctest_sources(block) == [("x = [\n1]", False), ("x", False), ("1 / 0", True)]


def test_roles_become_plain_markdown() -> None:
    assert plain_roles("{src}`keras.Model <keras.src.models.model.Model>`") == "`keras.Model`"
    assert plain_roles("{term}`tape`") == "tape"


def test_a_directive_the_export_does_not_know_is_an_error_naming_file_and_line(
    tmp_path: Path,
) -> None:
    chapter = tmp_path / "chapter.md"
    chapter.write_text("# A chapter\n\nText.\n\n```{mermaid}\ngraph LR; a-->b\n```\n")
    with pytest.raises(
        UnknownDirective, match=r"chapter.md:5: no rule for the \{mermaid\} directive"
    ):
        chapter_notebook(chapter)


def test_every_page_of_the_book_has_a_rule_for_each_of_its_directives() -> None:
    for page in sorted((Path(__file__).parents[1] / "docs").rglob("*.md")):
        if "_build" not in page.parts:
            chapter_notebook(page)


def test_the_install_cell_installs_the_books_version_only_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    explanation, cell = install_cells("tfhandbook==9.9")
    assert f"tfhandbook` {BOOK_VERSION}" in explanation and "`tfhandbook==9.9`" in explanation
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda command, check: calls.append(command))
    exec(cell, {})  # this environment has the book's version: nothing to do
    assert calls == []

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    exec(cell, {})
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", "tfhandbook==9.9"]]
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1")
    exec(cell, {})  # another version is replaced by the book's
    assert len(calls) == 2
