"""The whole book for offline reading: a PDF and an EPUB, built by ``nox -s ebook``
(:mod:`tfhandbook.book.ebook`), offered in the download menu of every page.

Two jobs:

- Sphinx looks up how a builder writes a node by the builder's *name* first and falls back
  to its *format* only when no extension registered anything under that name. One
  extension registering a ``singlehtml`` or ``epub`` visitor therefore hides every ``html``
  visitor (sphinx-design's cards, among others) from those builders. At ``builder-inited``
  the ``html`` visitors are copied to the builder's name where it has none of its own.
- ``tfhandbook_ebooks`` (``conf.py`` reads ``$HANDBOOK_EBOOKS``, which the Pages workflow
  sets after ``nox -s ebook``) names the folder holding ``tfhandbook.pdf`` and
  ``tfhandbook.epub``. With it set, both are copied to the site's root and the theme's
  download menu lists them on every page; unset, no link is drawn (never a broken one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

#: The files ``nox -s ebook`` writes, and how the download menu names them.
EBOOKS = {"tfhandbook.pdf": ("Whole book (.pdf)", "fas fa-book"),
          "tfhandbook.epub": ("Whole book (.epub)", "fas fa-book-open")}  # fmt: skip


def _html_visitors_for_every_html_builder(app: Sphinx) -> None:
    if app.builder.format != "html" or app.builder.name == "html":
        return
    handlers = app.registry.translation_handlers
    own = handlers.setdefault(app.builder.name, {})
    for node, visitors in handlers.get("html", {}).items():
        own.setdefault(node, visitors)


def _configure(app: Sphinx, config: Config) -> None:
    folder = config.tfhandbook_ebooks.strip()
    if not folder:
        return
    path = Path(app.confdir, folder).resolve()
    missing = [name for name in EBOOKS if not (path / name).is_file()]
    if missing:
        raise ConfigError(
            f"tfhandbook_ebooks: {path} has no {', '.join(missing)}; "
            "build them first with `nox -s ebook -- FOLDER`"
        )
    config.html_extra_path = [*config.html_extra_path, str(path)]


def _add_to_download_menu(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    if app.builder.name != "html" or not app.config.tfhandbook_ebooks.strip():
        return
    group = next(
        (b for b in context.get("header_buttons", []) if b.get("label") == "download-buttons"),
        None,
    )
    if group is None:
        return
    for name, (text, icon) in EBOOKS.items():
        group["buttons"].append(
            {"type": "link", "url": context["pathto"](name, 1), "text": text, "icon": icon,
             "tooltip": "Download the whole book", "label": f"download-{name.replace('.', '-')}"}
        )  # fmt: skip


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("tfhandbook_ebooks", "", "env", str)
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _html_visitors_for_every_html_builder)
    # After sphinx-book-theme's add_header_buttons (priority 501) has made the menu.
    app.connect("html-page-context", _add_to_download_menu, priority=502)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
