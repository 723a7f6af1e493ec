"""Pages that paint fast on a slow phone: less to fetch before the first paint.

Sphinx and the theme put their scripts in ``<head>`` without ``defer``, so the browser
stops parsing the page until each has downloaded and run. The extensions' scripts (copy
buttons, toggles, tabs, the theme's, the quiz) and Sphinx's ``doctools.js`` and
``sphinx_highlight.js`` only act on the parsed page, so they are deferred: they still run in
order, after parsing. ``documentation_options.js`` is not: inline scripts in the page use
what it defines. The theme loads the search scripts and the whole search index on every
page for search-as-you-type; with that off they serve only the search page, so the other
pages leave them out (``layout.html`` beside this module).

Each stylesheet blocks the first paint until it arrives, so:

- stylesheets the pages list side by side are served as one file, their relative URLs
  rebased onto the bundle's folder;
- the theme's ``theme.css``, whose only rule imports Sphinx's ``basic.css``, holds that
  file's rules itself, so the browser does not discover a second file only after the first;
- the theme's stylesheet keeps the Font Awesome icon rules of the icons the book shows (a
  few dozen of about 2,000; a third of the file), and the icon fonts keep only the glyphs
  that some stylesheet can still ask for (240 KB of fonts become 8 KB). The icon font is
  fetched at the highest priority as soon as the header's menu icon is laid out.

Figures load lazily. The theme's ``fontawesome.js`` (1.5 MB, only needed for custom SVG
icons) is left out: its CSS draws the icons with the web font.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Any

from fontTools import subset
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging as sphinx_logging

TEMPLATES = Path(__file__).parent / "templates" / "page_speed"
logger = sphinx_logging.getLogger(__name__)
#: Bundle file name → the stylesheets it concatenates, in order.
_BUNDLES: dict[str, list[str]] = {}

#: Scripts that inline code in the page relies on: never deferred.
INLINE_DEPENDENCIES = {"documentation_options.js"}
#: Scripts the search page's own (not deferred) search scripts use while they load.
SEARCH_PAGE_DEPENDENCIES = {
    "doctools.js",
    "sphinx_highlight.js",
    "searchtools.js",
    "language_data.js",
    "searchindex.js",
}
#: A Font Awesome icon rule, as the theme's stylesheet writes it: ``.fa-a,.fa-b{--fa:"…"}``.
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+,)*\.fa-[a-z0-9-]+)\{--fa:("(?:[^"\\]|\\.)*")\}')
_ICON_NAME = re.compile(r"fa-[a-z0-9-]+")
_CSS_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")
#: A URL that is not relative to its stylesheet: another scheme (``data:``, ``https:``), the
#: site's root, or a fragment.
_NOT_RELATIVE = re.compile(r"^([a-z]+:|/|#)", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']([^"')]+)["']\s*\)?\s*;""")


def _deferrable(script: Any, pagename: str) -> bool:
    name = str(script.filename or "").rsplit("/", 1)[-1].split("?")[0]
    kept = INLINE_DEPENDENCIES | (SEARCH_PAGE_DEPENDENCIES if pagename == "search" else set())
    return bool(name) and name not in kept and not {"defer", "async"} & set(script.attributes)


def _bundleable(css: Any) -> bool:
    """A plain stylesheet under ``_static/``: concatenated with its neighbours it keeps its
    place in the cascade (its relative URLs are rebased when the bundle is written)."""
    name = str(css.filename)
    plain = set(css.attributes) <= {"rel", "type"} and css.attributes.get("rel") == "stylesheet"
    return plain and name.startswith("_static/") and name.endswith(".css")


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
            text = (outdir / member).read_text(encoding="utf-8")
            parts.append(
                f"/* {member} */\n" + rebased(text, Path(member).parent, Path(name).parent)
            )
        (outdir / name).write_text("\n".join(parts), encoding="utf-8")


def rebased(css: str, source: Path, target: Path) -> str:
    """`css` written for folder `source`, its relative URLs made to work from `target`."""

    def rebase(match: re.Match[str]) -> str:
        quote, url = match.groups()
        if _NOT_RELATIVE.match(url):
            return match.group(0)
        moved = os.path.relpath(os.path.normpath(source / url), target)
        return f"url({quote}{Path(moved).as_posix()}{quote})"

    return _CSS_URL.sub(rebase, css) if source != target else css


def inline_imports(stylesheet: Path) -> None:
    """Replace each ``@import`` of a local file in `stylesheet` by that file's rules."""
    css = stylesheet.read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        imported = stylesheet.parent / match.group(1)
        if _NOT_RELATIVE.match(match.group(1)) or not imported.is_file():
            return match.group(0)
        rules = imported.read_text(encoding="utf-8")
        return rebased(rules, Path(match.group(1)).parent, Path("."))

    stylesheet.write_text(_CSS_IMPORT.sub(inline, css), encoding="utf-8")


def trim_icons(stylesheet: Path, used: set[str]) -> None:
    """Keep only the Font Awesome icon rules of icons named in `used`."""

    def keep(match: re.Match[str]) -> str:
        selectors = [selector for selector in match.group(1).split(",") if selector[1:] in used]
        return f"{','.join(selectors)}{{--fa:{match.group(2)}}}" if selectors else ""

    css = stylesheet.read_text(encoding="utf-8")
    stylesheet.write_text(_ICON_RULE.sub(keep, css), encoding="utf-8")


def icons_in_use(outdir: Path) -> set[str]:
    """Every ``fa-*`` name in the built pages and in the scripts that may add icons."""
    names: set[str] = set()
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        names |= set(_ICON_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def characters_in_strings(css: str) -> set[int]:
    """The code points of every character in `css`'s quoted strings, escapes decoded: any
    glyph a ``content`` or ``--fa`` value can show."""
    found: set[int] = set()
    for double, single in _CSS_STRING.findall(css):
        text = _CSS_ESCAPE.sub(
            lambda match: chr(int(match.group(1), 16)) if match.group(1) else match.group(2),
            double or single,
        )
        found |= {ord(character) for character in text}
    return found


def subset_font(font_file: Path, code_points: set[int]) -> None:
    """Rewrite `font_file` (WOFF2) with only the glyphs of `code_points`."""
    logging.getLogger("fontTools").setLevel("WARNING")  # not a line per table it prunes
    options = subset.Options()
    options.flavor = "woff2"
    options.ignore_missing_unicodes = True
    with subset.load_font(str(font_file), options) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=code_points)
        subsetter.subset(font)
        subset.save_font(font, str(font_file), options)


def _lighten_theme(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder.format != "html":
        return
    styles = Path(app.outdir, "_static", "styles")
    if (styles / "theme.css").is_file():
        inline_imports(styles / "theme.css")
    used = icons_in_use(Path(app.outdir))
    for stylesheet in styles.glob("*.css"):
        trim_icons(stylesheet, used)
    static = Path(app.outdir, "_static")
    glyphs = set().union(
        *(characters_in_strings(css.read_text("utf-8")) for css in static.rglob("*.css"))
    )
    for font_file in (static / "vendor" / "fontawesome" / "webfonts").glob("*.woff2"):
        subset_font(font_file, glyphs)


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
        if _deferrable(script, pagename)
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
    app.connect("build-finished", _lighten_theme, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
