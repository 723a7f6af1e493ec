"""Pages that paint fast on a slow phone: scripts deferred, images loaded lazily.

Sphinx and the theme put their scripts in ``<head>`` without ``defer``, so the browser
stops parsing the page until each has downloaded and run. The extensions' scripts (copy
buttons, toggles, tabs, the theme's, the quiz) only act on the parsed page, so they are
deferred: they still run in order, after parsing. So are the search scripts and the search
index that the theme loads on every page (``layout.html`` beside this module). Sphinx's
other scripts stay as they are, because inline scripts in the page use what they define.
Each stylesheet blocks the first paint until it arrives, so the small ones that the
extensions add side by side are served as one file. Figures load lazily. The theme's
``fontawesome.js`` (1.5 MB, only needed for custom SVG icons) is left out: its CSS draws the
icons with the web font.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).parent / "templates" / "page_speed"

#: Scripts that inline code in the page relies on: never deferred.
SPHINX_CORE = {
    "documentation_options.js",
    "doctools.js",
    "sphinx_highlight.js",
    "searchtools.js",
    "language_data.js",
    "searchindex.js",
}


def _deferrable(script: Any) -> bool:
    name = str(script.filename or "").rsplit("/", 1)[-1].split("?")[0]
    return (
        bool(name) and name not in SPHINX_CORE and not {"defer", "async"} & set(script.attributes)
    )


def _bundleable(css: Any) -> bool:
    """A plain stylesheet straight in ``_static/``: concatenating it with its neighbours
    keeps its relative URLs and its place in the cascade."""
    name = str(css.filename)
    plain = set(css.attributes) <= {"rel", "type"} and css.attributes.get("rel") == "stylesheet"
    return plain and name.startswith("_static/") and name.count("/") == 1 and name.endswith(".css")


def _bundle(app: Sphinx, run: list[Any]) -> Any:
    """One stylesheet with the contents of `run`, written once per build."""
    static = Path(app.outdir)
    parts = [f"/* {css.filename} */\n" + (static / css.filename).read_text("utf-8") for css in run]
    text = "\n".join(parts)
    name = f"_static/bundle-{hashlib.sha256(text.encode()).hexdigest()[:12]}.css"
    if not (static / name).exists():
        (static / name).write_text(text, encoding="utf-8")
    first = run[0]
    return type(first)(name, priority=first.priority, rel="stylesheet", type="text/css")


def _bundled(app: Sphinx, stylesheets: list[Any]) -> list[Any]:
    """`stylesheets` in the order Sphinx writes them, runs of two or more neighbours that
    can be concatenated replaced by one bundle each."""
    result: list[Any] = []
    run: list[Any] = []
    for css in [*sorted(stylesheets, key=lambda css: css.priority), None]:
        if css is not None and _bundleable(css):
            run.append(css)
            continue
        result += [_bundle(app, run)] if len(run) > 1 else run
        run = []
        if css is not None:
            result.append(css)
    return result


def _speed_up(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "css_files" in context:
        context["css_files"] = _bundled(app, context["css_files"])
    scripts = context.get("script_files", [])
    context["script_files"] = [
        type(script)(script.filename, priority=script.priority, **script.attributes, defer="defer")
        if _deferrable(script)
        else script
        for script in scripts
    ]
    if "body" in context:
        context["body"] = context["body"].replace("<img ", '<img loading="lazy" ')


def _add_templates(app: Sphinx, config: Config) -> None:
    config.templates_path.insert(0, str(TEMPLATES))  # before the theme's own


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _add_templates)
    app.connect("html-page-context", _speed_up, priority=900)  # after every other handler
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
