"""Offer every chapter as a Jupyter notebook, generated from its MyST source at build time.

The notebook (see :mod:`tfhandbook.book.notebooks`) is written beside the copied sources, and the
theme's download menu lists it, next to the ``.md`` source, on every page that has code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from tfhandbook.book.notebooks import PREAMBLE_CODE_CELLS, chapter_notebook
from tfhandbook.book.sphinxext.repository_links import install_requirement


def _add_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.name != "html" or doctree is None or context.get("page_source_suffix") != ".md":
        return
    source = Path(app.env.doc2path(pagename))
    notebook = chapter_notebook(source, requirement=install_requirement(app.config))
    if sum(cell["cell_type"] == "code" for cell in notebook["cells"]) <= PREAMBLE_CODE_CELLS:
        return  # the install and seed cells alone: a page without code
    destination = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    # sphinx-book-theme's download menu links `_sources/<ipynb_source>` when this is set.
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict[str, Any]:
    # Its settings say where a notebook's install cell takes the package from.
    app.setup_extension("tfhandbook.book.sphinxext.repository_links")
    app.connect("html-page-context", _add_notebook, priority=400)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
