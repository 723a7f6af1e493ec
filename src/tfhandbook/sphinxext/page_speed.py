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
from sphinx.util import logging

TEMPLATES = Path(__file__).parent / "templates" / "page_speed"
logger = logging.getLogger(__name__)
#: Bundle file name → the stylesheets it concatenates, in order.
_BUNDLES: dict[str, list[str]] = {}

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
    """The stylesheet that stands for `run` in the page. Its file is written when the build
    finishes: some extensions copy their stylesheets only then."""
    members = [str(css.filename) for css in run]
    digest = hashlib.sha256("\n".join(members).encode()).hexdigest()[:12]
    name = f"_static/bundle-{digest}.css"
    _BUNDLES[name] = members
    first = run[0]
    return type(first)(name, priority=first.priority, rel="stylesheet", type="text/css")


def _write_bundles(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder.format != "html":
        return
    # The same runs for every page, also when pages were written in parallel processes.
    _bundled(app, list(getattr(app.builder, "_css_files", [])))
    outdir = Path(app.outdir)
    for name, members in _BUNDLES.items():
        parts = []
        for member in members:
            if not (outdir / member).exists():
                logger.warning("page_speed: %s is missing; %s lacks its rules", member, name)
                continue
            parts.append(f"/* {member} */\n" + (outdir / member).read_text(encoding="utf-8"))
        (outdir / name).write_text("\n".join(parts), encoding="utf-8")


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
    # After the extensions that copy their stylesheets when the build finishes.
    app.connect("build-finished", _write_bundles, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
