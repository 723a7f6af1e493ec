"""Pages paint sooner: neighbouring stylesheets arrive as one file, the theme's stylesheets
are lighter, and scripts the first paint does not need neither block it nor load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tfhandbook.book.sphinxext.page_speed import (
    characters_in_strings,
    inline_imports,
    rebased,
    trim_icons,
)


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link[^>]*href="([^"?]+)[^"]*"[^>]*rel="stylesheet"|'
                      r'<link[^>]*rel="stylesheet"[^>]*href="([^"?]+)', html)  # fmt: skip


def hrefs(html: str) -> list[str]:
    return [first or second for first, second in stylesheets(html)]


@pytest.mark.sphinx("html", testroot="page-speed")
def test_neighbouring_stylesheets_become_one_file_in_the_same_order(app) -> None:
    app.build()
    links = hrefs((app.outdir / "index.html").read_text(encoding="utf-8"))
    bundles = [link for link in links if "bundle-" in link]
    assert len(bundles) == 1
    assert "_static/first.css" not in links and "_static/second.css" not in links
    text = (app.outdir / bundles[0]).read_text(encoding="utf-8")
    order = [
        text.index(f"/* _static/{name}.css */") for name in ("first", "second", "nested/third")
    ]
    assert order == sorted(order)
    assert 'url("nested/marker.svg")' in text, "a nested stylesheet's URLs are rebased"
    assert (app.outdir / "_static" / "nested" / "marker.svg").exists()
    assert "url(data:image/png;base64,AAAA)" in text
    assert ".late" in text, "a stylesheet copied when the build ends is in the bundle too"
    assert "_static/print.css" in links, "a stylesheet with a media query is not plain"


@pytest.mark.sphinx("html", testroot="page-speed")
def test_search_scripts_load_only_on_the_search_page(app) -> None:
    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    search = (app.outdir / "search.html").read_text(encoding="utf-8")
    assert "searchindex.js" not in page and "searchtools.js" not in page
    assert '<script src="searchindex.js"></script>' in search
    assert '<script defer="defer" src="_static/doctools.js' in page
    assert '<script src="_static/doctools.js' in search, "the search page's scripts use it"
    assert '<script src="_static/documentation_options.js' in page, "inline code uses it"


@pytest.mark.sphinx("html", testroot="page-speed")
def test_the_themes_stylesheet_imports_nothing_and_keeps_only_the_icons_in_use(app) -> None:
    app.build()
    styles = app.outdir / "_static" / "styles"
    theme = (styles / "theme.css").read_text(encoding="utf-8")
    assert "@import" not in theme and "div.clearer" in theme  # basic.css, inlined
    pydata = (styles / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    assert ".fa-bars{" in pydata or ".fa-bars," in pydata, "the menu button's icon stays"
    assert ".fa-dragon{" not in pydata and ",.fa-dragon" not in pydata


@pytest.mark.sphinx("html", testroot="page-speed")
def test_the_icon_font_keeps_the_glyphs_the_stylesheets_use(app) -> None:
    from fontTools.ttLib import TTFont

    app.build()
    font_file = (
        app.outdir / "_static" / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.woff2"
    )
    assert font_file.stat().st_size < 20_000  # about 115 KB as the theme ships it
    with TTFont(font_file) as font:
        glyphs = font.getBestCmap()
    assert 0xF0C9 in glyphs, "the menu button's bars"
    assert 0xF6D5 not in glyphs, "a dragon the book never shows"


def test_an_inlined_import_keeps_the_imported_files_urls_working(tmp_path: Path) -> None:
    (tmp_path / "styles").mkdir()
    (tmp_path / "base.css").write_text('.a { background: url("img/a.png"); }\n')
    sheet = tmp_path / "styles" / "theme.css"
    sheet.write_text('@import "../base.css";\n@import url("https://example.org/x.css");\n')
    inline_imports(sheet)
    text = sheet.read_text()
    assert 'url("../img/a.png")' in text
    assert '@import url("https://example.org/x.css");' in text, "a remote import stays"


def test_icon_rules_keep_only_the_selectors_in_use(tmp_path: Path) -> None:
    sheet = tmp_path / "icons.css"
    sheet.write_text('.fa{x:1}.fa-a,.fa-b{--fa:"\\f1"}.fa-c{--fa:"\\f2"}.fa-d{--fa:"\\"}"}\n')
    trim_icons(sheet, {"fa-b", "fa-d"})
    assert sheet.read_text() == '.fa{x:1}.fa-b{--fa:"\\f1"}.fa-d{--fa:"\\"}"}\n'


def test_characters_in_css_strings_include_escapes() -> None:
    css = '.a{--fa:"\\f0c9"} .b{content:"\\31 x"} .c{--fa:"\\!"} .d{font-family:\'Z\'}'
    assert characters_in_strings(css) == {0xF0C9, ord("1"), ord("x"), ord("!"), ord("Z")}


def test_urls_are_rebased_only_when_they_are_relative() -> None:
    css = "a{b:url(x.png)} c{d:url(\"/abs.png\")} e{f:url(#id)} g{h:url('https://x/y')}"
    moved = rebased(css, Path("styles/deep"), Path("."))
    assert "url(styles/deep/x.png)" in moved
    assert 'url("/abs.png")' in moved and "url(#id)" in moved and "url('https://x/y')" in moved
