"""Pages that paint fast on a slow phone: the built HTML folder, lightened after Sphinx.

``python -m tfhandbook.book.site_speed HTML_DIR`` rewrites a built site in place;
``python -m tfhandbook.book.site_speed build SOURCE HTML_DIR [SPHINX_OPTION ...]`` is the
book's whole HTML build, ``sphinx-build`` with :data:`tfhandbook.settings.HTML_BUILD_FLAGS`
and then this step and the search index (:mod:`tfhandbook.book.search_index`), and every
HTML build (``nox -s docs``, ``nox -s audit``, the browser tests' site, the benchmark) runs
it that way.

Sphinx and the theme put their scripts in ``<head>`` without ``defer``, so the browser
stops parsing the page until each has downloaded and run. The extensions' scripts (copy
buttons, toggles, tabs, the theme's, the quiz) and Sphinx's ``doctools.js`` and
``sphinx_highlight.js`` only act on the parsed page, so they are deferred: they still run in
order, after parsing. ``documentation_options.js`` is not: inline scripts in the page use
what it defines. The theme loads the search scripts and the whole search index on every
page for search-as-you-type; with that off they serve only the search page, so the other
pages leave them out (with it on, they are deferred). The search page's own search scripts
stay as they are, with the scripts they use while they load.

Each stylesheet blocks the first paint until it arrives, so:

- stylesheets a page lists side by side are served as one file, in the same order, their
  relative URLs rebased onto the bundle's folder;
- the theme's ``theme.css``, whose only rule imports Sphinx's ``basic.css``, holds that
  file's rules itself, so the browser does not discover a second file only after the first;
- the theme's stylesheets keep the Font Awesome icon rules of the icons the book shows (a
  few dozen of about 2,000; a third of the file), and the icon fonts keep only the glyphs
  that some stylesheet can still ask for (240 KB of fonts become 8 KB).

Figures in the page's article load lazily. The theme's ``fontawesome.js`` (1.5 MB, only
needed for custom SVG icons) is left out: its CSS draws the icons with the web font. The
theme's two scripts are not preloaded: a preload fetches them at high priority, sharing the
connection with the stylesheets the first paint waits for, while they only run after
parsing.

This module is the only one that knows the theme's files and formats (where its
stylesheets, scripts and fonts are, how it writes an icon rule, where a page's article is),
so it runs only on the theme releases it was written for (:data:`KNOWN_THEMES`) and stops
with a message naming the difference on any other. Every step is idempotent: running it
again, or after an incremental build rewrote only some pages, gives the same site. A record
of what it wrote (:data:`RECORD`) lets it skip the pages and fonts it has already lightened
and nobody has changed since, so a rebuild after editing one chapter parses one page, not
all of them.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import logging
import os
import posixpath
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from tfhandbook.book.search_index import SearchIndexError, index_site

#: How to run this module (``__name__`` is ``__main__`` under ``python -m``).
MODULE = "tfhandbook.book.site_speed"
#: The theme releases whose files and formats this module knows (sphinx-book-theme's too:
#: its script is deferred and its stylesheet bundled as checked against its 1.4.0 output).
#: Upgrading one means checking each rule below against its output, then its version here.
KNOWN_THEMES = {"pydata-sphinx-theme": "0.20.0", "sphinx-book-theme": "1.4.0"}

# -- The theme's files, as site paths (relative to the HTML folder) ------------------------
STYLES = "_static/styles"
#: Its only rule is ``@import "../basic.css"``.
THEME_CSS = f"{STYLES}/theme.css"
ICON_FONTS = "_static/vendor/fontawesome/webfonts"
#: Draws custom SVG icons, which the book has none of: left out.
LEFT_OUT = {"_static/scripts/fontawesome.js"}
#: The theme's deferred scripts, which it also preloads: not preloaded.
NOT_PRELOADED = {"_static/scripts/bootstrap.js", "_static/scripts/pydata-sphinx-theme.js"}
#: The class of the ``<article>`` that holds the page's own content (the rest is the
#: theme's header, sidebars and footer).
ARTICLE_CLASS = "bd-article"

# -- Sphinx's files -------------------------------------------------------------------------
SEARCH_PAGE = "search.html"
SEARCH_SCRIPTS = {"_static/searchtools.js", "_static/language_data.js", "searchindex.js"}
#: Scripts that inline code in every page relies on: never deferred.
INLINE_DEPENDENCIES = {"_static/documentation_options.js"}
#: Scripts the search page's own (not deferred) search scripts use while they load.
SEARCH_PAGE_DEPENDENCIES = {"_static/doctools.js", "_static/sphinx_highlight.js"}
#: The theme's inline script that says whether the search box searches as you type.
_SEARCH_AS_YOU_TYPE = re.compile(r"search_as_you_type\s*=\s*true")

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
#: What the last run wrote, beside Sphinx's own ``.buildinfo``: each page's and font's digest,
#: the bundles' digests and this module's, so the next run can tell what is still as it left it.
RECORD = ".site-speed.json"
#: The first line of a bundle: the stylesheets it concatenates, so a later run (after an
#: incremental build rewrote only some pages) can write it again from its members.
_BUNDLE_HEADER = re.compile(r"\A/\* bundle: (\[.*?\]) \*/\n")


class SiteSpeedError(RuntimeError):
    """The step cannot run: the message says why."""


class ThemeVersionError(SiteSpeedError):
    """The installed theme is not a release this module was written for."""


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None if it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_theme_versions() -> None:
    """Raise :class:`ThemeVersionError` unless every theme in :data:`KNOWN_THEMES` is
    installed at the version this module knows."""
    wrong = [
        f"{name} {installed_version(name) or '(not installed)'} is installed, this module "
        f"knows {known}"
        for name, known in KNOWN_THEMES.items()
        if installed_version(name) != known
    ]
    if wrong:
        raise ThemeVersionError(
            "the site optimisation knows the theme's files only for the release it was "
            f"written for: {'; '.join(wrong)}. Check each rule in {MODULE} against the "
            "new release's output, then update KNOWN_THEMES."
        )


# -- Stylesheets ----------------------------------------------------------------------------
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


def icons_in_use(site: Path) -> set[str]:
    """Every ``fa-*`` name in the built pages and in the scripts that may add icons."""
    names: set[str] = set()
    for path in [*site.rglob("*.html"), *(site / "_static").rglob("*.js")]:
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
    from fontTools import subset

    logging.getLogger("fontTools").setLevel("WARNING")  # not a line per table it prunes
    options = subset.Options()
    options.flavor = "woff2"
    options.ignore_missing_unicodes = True
    with subset.load_font(str(font_file), options) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=code_points)
        subsetter.subset(font)
        subset.save_font(font, str(font_file), options)


class Bundles:
    """The bundle files of one site: each concatenates a run of stylesheets in order,
    written once per run however many pages list that run."""

    def __init__(self, site: Path) -> None:
        self.site = site
        #: Members → (bundle's site path, a digest of its text for the URL's query).
        self.written: dict[tuple[str, ...], tuple[str, str]] = {}

    def bundleable(self, path: str) -> bool:
        """A local stylesheet under ``_static/`` whose rules keep their meaning anywhere in
        a longer file (an ``@import`` is ignored after the first rule)."""
        file = self.site / path
        return (
            path.startswith("_static/")
            and path.endswith(".css")
            and file.is_file()
            and not _CSS_IMPORT.search(file.read_text(encoding="utf-8"))
        )

    def bundle(self, members: Sequence[str]) -> tuple[str, str]:
        """The site path of the bundle of `members` and its text's digest; written now."""
        key = tuple(members)
        if key not in self.written:
            digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:12]
            name = f"_static/bundle-{digest}.css"
            parts = [
                f"/* {member} */\n"
                + rebased(
                    (self.site / member).read_text(encoding="utf-8"),
                    Path(member).parent,
                    Path(name).parent,
                )
                for member in key
            ]
            text = f"/* bundle: {json.dumps(list(key))} */\n" + "\n".join(parts)
            (self.site / name).write_text(text, encoding="utf-8")
            self.written[key] = (name, hashlib.sha256(text.encode()).hexdigest()[:8])
        return self.written[key]

    def rewrite_existing(self) -> dict[str, str]:
        """Write every bundle already in the site again from its members' current text, so
        pages an incremental build left alone still get current rules; return each
        bundle's site path → its new digest."""
        digests = {}
        for file in sorted((self.site / "_static").glob("bundle-*.css")):
            header = _BUNDLE_HEADER.match(file.read_text(encoding="utf-8"))
            members = json.loads(header.group(1)) if header else []
            if members and all((self.site / member).is_file() for member in members):
                name, digest = self.bundle(members)
                digests[name] = digest
        return digests


# -- Pages ----------------------------------------------------------------------------------
class Page:
    """Where a page is, to read its URLs as site paths and write site paths as its URLs.

    `root` is how the page writes the site's root: relative (``../``) for the site's pages,
    absolute (``/en/latest/``) for the 404 page, which any folder serves."""

    def __init__(self, path: str, root: str = "") -> None:
        folder = posixpath.dirname(path)
        if root.startswith("/"):
            self.root = root if root.endswith("/") else root + "/"
            self.url_folder = posixpath.join(self.root, folder)
        else:
            self.root = "/"
            self.url_folder = "/" + folder
        self.path = path

    def site_path(self, url: str | None) -> str | None:
        """The file `url` names, relative to the site's root; None if it is elsewhere."""
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:
            return None
        absolute = posixpath.normpath(posixpath.join(self.url_folder, parts.path))
        if not absolute.startswith(self.root):
            return None
        return absolute[len(self.root) :]

    def url(self, site_path: str) -> str:
        """The URL of `site_path` as this page writes it."""
        if self.root != "/":
            return self.root + site_path
        return posixpath.relpath("/" + site_path, self.url_folder)


@dataclass
class Element:
    """A tag the step may change: its name, attributes and where its text is in the page
    (a script from ``<script`` to the end of ``</script>``, any other tag its start tag)."""

    name: str
    attrs: dict[str, str | None]
    start: int
    end: int
    text: str = ""  # an inline script's code


class _Scan(HTMLParser):
    """One pass of the standard library's HTML parser over a page: the elements of its
    ``<head>`` in order, and the images in its article."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", html))]
        self.head: list[Element] = []
        self.images: list[Element] = []
        self.root_attrs: dict[str, str | None] = {}
        self._in_head = False
        self._article_depth = 0  # > 0 inside the page's article
        self._script: Element | None = None
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        element = Element(tag, dict(attrs), start, start + len(self.get_starttag_text() or ""))
        if tag == "html":
            self.root_attrs = element.attrs
        elif tag == "head":
            self._in_head = True
        elif self._in_head:
            self.head.append(element)
            if tag == "script":
                self._script = element
        if tag == "article" and (
            self._article_depth or ARTICLE_CLASS in str(element.attrs.get("class", "")).split()
        ):
            self._article_depth += 1
        elif tag == "img" and self._article_depth:
            self.images.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # ``<link ... />``: nothing to close

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag == "script" and self._script is not None:
            self._script.end = self.html.index(">", self._offset()) + 1
            self._script = None
        elif tag == "article" and self._article_depth:
            self._article_depth -= 1

    def handle_comment(self, data: str) -> None:
        pass  # between stylesheets a comment changes nothing


def _is_plain_stylesheet(element: Element) -> bool:
    return (
        element.name == "link"
        and set(element.attrs) <= {"rel", "type", "href"}
        and element.attrs.get("rel") == "stylesheet"
        and element.attrs.get("type", "text/css") == "text/css"
    )


def _stylesheet_runs(head: list[Element]) -> list[list[Element]]:
    """The runs of plain stylesheets a page's head lists side by side (white space and
    comments between them change nothing)."""
    runs: list[list[Element]] = [[]]
    for element in head:
        if _is_plain_stylesheet(element):
            runs[-1].append(element)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _page_root(scan: _Scan) -> str:
    """How the page writes the site's root, read from its link to the theme's
    stylesheet, which every page has (Sphinx's ``data-content_root`` says ``./`` on the 404
    page, whose URLs are absolute)."""
    for element in scan.head:
        path = urlsplit(element.attrs.get("href") or "").path
        if element.name == "link" and (path == THEME_CSS or path.endswith("/" + THEME_CSS)):
            return path[: -len(THEME_CSS)]
    return str(scan.root_attrs.get("data-content_root") or "")


def _with_attribute(html: str, element: Element, attribute: str) -> str:
    """`element`'s start tag with `attribute` added after the tag's name."""
    tag = html[element.start : element.end]
    cut = 1 + len(element.name)
    return f"{tag[:cut]} {attribute}{tag[cut:]}"


def lighten_page(
    html: str,
    path: str,
    bundleable: Callable[[str], bool],
    bundle: Callable[[Sequence[str]], tuple[str, str]],
    bundle_digests: dict[str, str] | None = None,
) -> str:
    """`html`, the page at site path `path`, with its stylesheets bundled, its scripts
    deferred or left out and its article's images loaded lazily. Only the tags that change
    are rewritten; the rest of the page is left byte for byte."""
    scan = _Scan(html)
    page = Page(path, _page_root(scan))
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)

    search_as_you_type = any(
        _SEARCH_AS_YOU_TYPE.search(element.text)
        for element in scan.head
        if element.name == "script" and "src" not in element.attrs
    )
    kept = INLINE_DEPENDENCIES
    if path == SEARCH_PAGE:
        kept = kept | SEARCH_PAGE_DEPENDENCIES | SEARCH_SCRIPTS
    for element in scan.head:
        target = page.site_path(element.attrs.get("src") or element.attrs.get("href"))
        if element.name == "link" and element.attrs.get("rel") == "preload":
            if target in NOT_PRELOADED:
                edits.append((element.start, element.end, ""))
        elif element.name != "script" or "src" not in element.attrs:
            continue
        elif target in LEFT_OUT or (
            target in SEARCH_SCRIPTS and path != SEARCH_PAGE and not search_as_you_type
        ):
            edits.append((element.start, element.end, ""))
        elif not (
            target in kept
            or {"defer", "async"} & set(element.attrs)
            or element.attrs.get("type") == "module"
        ):
            edits.append((element.start, element.end, _with_attribute(html, element, "defer")))

    digests = bundle_digests or {}
    for run in _stylesheet_runs(scan.head):
        members = [page.site_path(link.attrs.get("href")) for link in run]
        if len(run) > 1 and all(member and bundleable(member) for member in members):
            name, digest = bundle(members)  # type: ignore[arg-type]
        elif len(run) == 1 and members[0] in digests:
            # A page an earlier run bundled: the bundle's text may have changed since.
            name, digest = members[0], digests[members[0]]  # type: ignore[index]
        else:
            continue
        link = f'<link rel="stylesheet" href="{escape(page.url(name))}?v={digest}" />'
        edits.append((run[0].start, run[0].end, link))
        edits += [(other.start, other.end, "") for other in run[1:]]

    for image in scan.images:
        if "loading" not in image.attrs:
            edits.append((image.start, image.end, _with_attribute(html, image, 'loading="lazy"')))

    for start, end, replacement in sorted(edits, reverse=True):
        html = html[:start] + replacement + html[end:]
    return html


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Record:
    """What a run left in the site, read back by the next one (see :data:`RECORD`)."""

    rules: str = ""  # this module's digest: new rules make every earlier result stale
    bundles: dict[str, str] | None = None
    pages: dict[str, str] | None = None
    fonts: dict[str, str] | None = None

    @classmethod
    def read(cls, site: Path) -> Record:
        """The record in `site`, or an empty one if there is none or it is unreadable."""
        try:
            fields = json.loads((site / RECORD).read_text(encoding="utf-8"))
            return cls(**{name: fields[name] for name in ("rules", "bundles", "pages", "fonts")})
        except (OSError, ValueError, TypeError, KeyError):
            return cls()

    def write(self, site: Path) -> None:
        text = json.dumps(self.__dict__, indent=1, sort_keys=True)
        (site / RECORD).write_text(text + "\n", encoding="utf-8")


def _font_digest(font_file: Path, glyphs: set[int]) -> str:
    return _digest(font_file.read_bytes() + repr(sorted(glyphs)).encode())


def _rules() -> str:
    return _digest(Path(__file__).read_bytes())


def html_pages(site: Path) -> list[Path]:
    """The site's pages (not the HTML files the extensions keep in ``_static``)."""
    return sorted(path for path in site.rglob("*.html") if "_static" not in path.parts)


def lighten_site(site: Path) -> str:
    """Rewrite the built site in folder `site` in place (see the module's docstring);
    return a line that says what changed."""
    check_theme_versions()
    styles = site / STYLES
    if not styles.is_dir():
        raise SiteSpeedError(f"{site} has no {STYLES}: not a site the theme built")
    if (site / THEME_CSS).is_file():
        inline_imports(site / THEME_CSS)
    used = icons_in_use(site)
    for stylesheet in styles.glob("*.css"):
        trim_icons(stylesheet, used)

    bundles = Bundles(site)
    digests = bundles.rewrite_existing()
    last = Record.read(site)
    # A page the last run wrote is still lightened if nobody has changed it since and the
    # bundles its links name have the same digests (their URLs carry them).
    done = last.pages if last.rules == _rules() and last.bundles == digests else None
    record = Record(rules=_rules(), pages={}, fonts={})
    rewritten = 0
    for file in html_pages(site):
        path = file.relative_to(site).as_posix()
        html = file.read_bytes()
        if done and done.get(path) == _digest(html):
            record.pages[path] = done[path]
            continue
        text = html.decode("utf-8")
        lightened = lighten_page(text, path, bundles.bundleable, bundles.bundle, digests)
        if lightened != text:
            file.write_text(lightened, encoding="utf-8")
            rewritten += 1
        record.pages[path] = _digest(lightened.encode("utf-8"))
    record.bundles = dict(bundles.written.values())

    static = site / "_static"
    glyphs = set().union(
        *(characters_in_strings(css.read_text("utf-8")) for css in static.rglob("*.css"))
    )
    fonts = sorted((site / ICON_FONTS).glob("*.woff2"))
    before = sum(font.stat().st_size for font in fonts)
    for font_file in fonts:
        path = font_file.relative_to(site).as_posix()
        # The font as the last run subset it, for the same glyphs, needs no second pass
        # (fontTools takes a good part of a second); Sphinx copying the theme's full font
        # back changes its digest.
        if last.fonts and last.fonts.get(path) == _font_digest(font_file, glyphs):
            record.fonts[path] = last.fonts[path]
            continue
        subset_font(font_file, glyphs)
        record.fonts[path] = _font_digest(font_file, glyphs)
    after = sum(font.stat().st_size for font in fonts)
    record.write(site)
    return (
        f"site_speed: {rewritten} pages lightened, {len(bundles.written)} stylesheet bundles, "
        f"icon fonts {before // 1024} KB -> {after // 1024} KB"
    )


def build_command(source: Path, site: Path) -> list[str]:
    """The command that runs :func:`build` from `source` into `site` in this Python; Sphinx
    options go after it."""
    return [sys.executable, "-m", MODULE, "build", str(source), str(site)]


def build(source: Path, site: Path, sphinx_options: Sequence[str]) -> int:
    """The book's HTML build: ``sphinx-build`` with the book's flags, then this step; the
    exit status of the first that fails."""
    from sphinx.cmd.build import build_main

    from tfhandbook.settings import HTML_BUILD_FLAGS

    check_theme_versions()  # before a build of minutes, not after
    status = build_main([*HTML_BUILD_FLAGS, *sphinx_options, str(source), str(site)])
    if status:
        return status
    summary = finish_site(site)
    if not {"-q", "--quiet", "-Q", "--silent"} & set(sphinx_options):
        print(summary)
    return 0


def finish_site(site: Path) -> str:
    """What every build does after Sphinx: lighten the pages, then index them for search
    (:mod:`tfhandbook.book.search_index`); return the lines that say what was done."""
    return f"{lighten_site(site)}\n{index_site(site)}"


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    try:
        if arguments[:1] == ["build"]:
            parser.prog += " build"
            parser.add_argument("source", type=Path, help="the book's sources, e.g. docs")
            parser.add_argument("site", type=Path, help="where the HTML goes")
            parser.add_argument("sphinx_options", nargs=argparse.REMAINDER)
            args = parser.parse_args(arguments[1:])
            return build(args.source, args.site, args.sphinx_options)
        parser.add_argument("site", type=Path, help="the built HTML, e.g. docs/_build/html")
        args = parser.parse_args(arguments)
        print(finish_site(args.site))
    except (SiteSpeedError, SearchIndexError) as error:
        print(f"site_speed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
