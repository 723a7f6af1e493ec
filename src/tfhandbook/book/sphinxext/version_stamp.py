"""Stamp every page with the TensorFlow and Keras versions its examples were tested with.

The versions are read from the installed packages when the book is built, the same
installation the test suite runs, so the stamp cannot drift from what was tested. The
theme shows the ``tested-with.html`` template wherever ``conf.py`` places it.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).parent / "templates"
STAMPED = ("tensorflow", "keras")


def installed_versions() -> dict[str, str]:
    """The installed version of each stamped distribution."""
    return {name: importlib.metadata.version(name) for name in STAMPED}


def _add_templates(app: Sphinx, config: Config) -> None:
    config.templates_path.append(str(TEMPLATES))


def _add_versions(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    context["tested_with"] = installed_versions()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _add_templates)
    app.connect("html-page-context", _add_versions)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
