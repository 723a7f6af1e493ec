"""Pages paint sooner: after the build, neighbouring stylesheets arrive as one file, the
theme's stylesheets and fonts are lighter, and scripts the first paint does not need
neither block it nor load. On a theme release the step does not know, it stops."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tfhandbook.book import site_speed
from tfhandbook.book.site_speed import (
    characters_in_strings,
    inline_imports,
    lighten_page,
    lighten_site,
    rebased,
    trim_icons,
)


@pytest.fixture
def site(app) -> Path:
    """The tiny project in tests/roots/test-site-speed, built, then lightened."""
    app.build()
    lighten_site(Path(app.outdir))
    return Path(app.outdir)


def head(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser").head


def stylesheets(html: str) -> list[str]:
    return [link["href"].split("?")[0] for link in head(html).find_all("link", rel="stylesheet")]


def scripts(html: str) -> dict[str, set[str]]:
    """Each script's URL (without its query) → its attributes other than ``src``."""
    return {
        script["src"].split("?")[0]: set(script.attrs) - {"src"}
        for script in head(html).find_all("script", src=True)
    }


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


@pytest.mark.sphinx("html", testroot="site-speed")
def test_neighbouring_stylesheets_become_one_file_in_the_same_order(site: Path) -> None:
    links = stylesheets(read(site, "index.html"))
    bundles = [link for link in links if "bundle-" in link]
    assert len(bundles) == 1
    assert "_static/first.css" not in links and "_static/second.css" not in links
    text = (site / bundles[0]).read_text(encoding="utf-8")
    names = ("styles/theme.css", "styles/pydata-sphinx-theme.css", "first", "nested/third")
    order = [text.index(f"/* _static/{name.removesuffix('.css')}.css */") for name in names]
    assert order == sorted(order), "the cascade keeps its order"
    assert 'url("nested/marker.svg")' in text, "a nested stylesheet's URLs are rebased"
    assert (site / "_static" / "nested" / "marker.svg").exists()
    assert "url(data:image/png;base64,AAAA)" in text
    assert ".late" in text, "a stylesheet copied when the build ends is in the bundle too"
    assert "_static/print.css" in links, "a stylesheet with a media query is not plain"
    assert links.index(bundles[0]) < links.index("_static/print.css")


@pytest.mark.sphinx("html", testroot="site-speed")
def test_search_scripts_load_only_on_the_search_page(site: Path) -> None:
    page, search = scripts(read(site, "index.html")), scripts(read(site, "search.html"))
    assert "searchindex.js" not in page and "_static/searchtools.js" not in page
    assert search["searchindex.js"] == set() and search["_static/searchtools.js"] == set()
    assert page["_static/doctools.js"] == {"defer"}
    assert search["_static/doctools.js"] == set(), "the search page's scripts use it"
    assert page["_static/documentation_options.js"] == set(), "inline code uses it"
    assert page["_static/scripts/sphinx-book-theme.js"] == {"defer"}


@pytest.mark.sphinx("html", testroot="site-speed")
def test_fontawesome_js_is_left_out_and_the_themes_scripts_are_not_preloaded(
    site: Path,
) -> None:
    for name in ("index.html", "search.html"):
        html = read(site, name)
        assert "_static/scripts/fontawesome.js" not in scripts(html)
        assert head(html).find_all("link", rel="preload") == []
        body = BeautifulSoup(html, "html.parser").body
        assert body.find("script", src=lambda src: "pydata-sphinx-theme.js" in (src or ""))


@pytest.mark.sphinx("html", testroot="site-speed")
def test_images_in_the_article_load_lazily(site: Path) -> None:
    article = BeautifulSoup(read(site, "index.html"), "html.parser").select_one("article")
    assert [image["loading"] for image in article.find_all("img")] == ["lazy"]


@pytest.mark.sphinx("html", testroot="site-speed")
def test_the_themes_stylesheet_imports_nothing_and_keeps_only_the_icons_in_use(
    site: Path,
) -> None:
    styles = site / "_static" / "styles"
    theme = (styles / "theme.css").read_text(encoding="utf-8")
    assert "@import" not in theme and "div.clearer" in theme  # basic.css, inlined
    pydata = (styles / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    assert ".fa-bars{" in pydata or ".fa-bars," in pydata, "the menu button's icon stays"
    assert ".fa-dragon{" not in pydata and ",.fa-dragon" not in pydata


@pytest.mark.sphinx("html", testroot="site-speed")
def test_the_icon_font_keeps_the_glyphs_the_stylesheets_use(site: Path) -> None:
    from fontTools.ttLib import TTFont

    font_file = site / "_static" / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.woff2"
    assert font_file.stat().st_size < 20_000  # about 115 KB as the theme ships it
    with TTFont(font_file) as font:
        glyphs = font.getBestCmap()
    assert 0xF0C9 in glyphs, "the menu button's bars"
    assert 0xF6D5 not in glyphs, "a dragon the book never shows"


def digests(site: Path) -> dict[str, str]:
    return {
        path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(site.rglob("*"))
        if path.is_file() and ".doctrees" not in path.parts
    }


@pytest.mark.sphinx("html", testroot="site-speed")
def test_a_second_run_changes_nothing(site: Path) -> None:
    before = digests(site)
    lighten_site(site)
    assert digests(site) == before


@pytest.mark.sphinx("html", testroot="site-speed")
def test_an_incremental_build_gives_the_same_site(app, site: Path) -> None:
    from sphinx.cmd.build import build_main

    pages = {name: read(site, name) for name in ("index.html", "search.html")}
    # Nothing changed: Sphinx copies the theme's files again and writes the search page.
    assert build_main(["-q", "-b", "html", str(app.srcdir), str(site)]) == 0
    lighten_site(site)
    assert {name: read(site, name) for name in pages} == pages


def pages_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The site paths of the pages :func:`lighten_page` is given from now on."""
    read_pages: list[str] = []
    lighten = site_speed.lighten_page

    def counting(html: str, path: str, *args, **kwargs) -> str:
        read_pages.append(path)
        return lighten(html, path, *args, **kwargs)

    monkeypatch.setattr(site_speed, "lighten_page", counting)
    return read_pages


@pytest.mark.sphinx("html", testroot="site-speed")
def test_a_rerun_parses_only_the_pages_changed_since(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_pages = pages_read(monkeypatch)
    lighten_site(site)
    assert read_pages == [], "nothing changed since the last run"
    with (site / "index.html").open("a", encoding="utf-8") as page:
        page.write("<!-- rewritten by an incremental build -->\n")
    lighten_site(site)
    assert read_pages == ["index.html"]


@pytest.mark.sphinx("html", testroot="site-speed")
def test_new_rules_or_an_unreadable_record_parse_every_page_again(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digests(site)
    pages = sorted(path.relative_to(site).as_posix() for path in site_speed.html_pages(site))
    read_pages = pages_read(monkeypatch)
    monkeypatch.setattr(site_speed, "_rules", lambda: "the rules of a newer release")
    lighten_site(site)
    assert sorted(read_pages) == pages
    monkeypatch.undo()
    lighten_site(site)  # the record of today's rules again
    read_pages = pages_read(monkeypatch)
    (site / site_speed.RECORD).write_text("{ not json", encoding="utf-8")
    lighten_site(site)
    assert sorted(read_pages) == pages
    assert digests(site) == before, "the same site, whatever the record said"


@pytest.mark.sphinx("html", testroot="site-speed")
def test_a_page_the_build_left_alone_gets_the_bundles_new_rules(site: Path) -> None:
    (bundle,) = (link for link in stylesheets(read(site, "index.html")) if "bundle-" in link)
    (site / "_static" / "first.css").write_text(".first { color: purple; }\n")
    old_link = head(read(site, "index.html")).find("link", href=lambda h: "bundle-" in (h or ""))
    lighten_site(site)
    new_link = head(read(site, "index.html")).find("link", href=lambda h: "bundle-" in (h or ""))
    assert "purple" in (site / bundle).read_text(encoding="utf-8")
    assert new_link["href"] != old_link["href"], "the URL changes with the text: no stale cache"


@pytest.mark.sphinx("html", testroot="site-speed")
def test_another_theme_release_stops_the_step_with_a_clear_message(
    app, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app.build()
    before = digests(Path(app.outdir))
    known = site_speed.installed_version
    monkeypatch.setattr(
        site_speed,
        "installed_version",
        lambda name: "0.21.0" if name == "pydata-sphinx-theme" else known(name),
    )
    assert site_speed.main([str(app.outdir)]) == 1
    error = capsys.readouterr().err
    assert "pydata-sphinx-theme 0.21.0 is installed" in error
    assert "knows 0.20.0" in error and "KNOWN_THEMES" in error
    assert digests(Path(app.outdir)) == before, "nothing was changed"


def test_the_installed_themes_are_the_ones_the_step_knows() -> None:
    site_speed.check_theme_versions()  # the pins in constraints.txt and KNOWN_THEMES agree


# -- Synthetic pages and stylesheets ----------------------------------------------------------
PAGE = """<!DOCTYPE html>
<html lang="en" data-content_root="{root}">
<head>
  <link href="{root}_static/styles/theme.css?digest=1" rel="stylesheet" />
  <!-- a comment between two stylesheets -->
  <link rel="stylesheet" type="text/css" href="{root}_static/a.css?v=2" />
  <meta name="x" content="y" />
  <link rel="stylesheet" href="{root}_static/b.css" />
  <script src="{root}_static/documentation_options.js?v=1"></script>
  <script src="{root}_static/doctools.js"></script>
  <script type="module" src="{root}_static/m.js"></script>
  <script async src="{root}_static/a.js"></script>
  <script>DOCUMENTATION_OPTIONS.search_as_you_type = {as_you_type};</script>
  <script src="{root}_static/searchtools.js"></script>
  <script src="{root}searchindex.js"></script>
  <script defer src="{root}_static/scripts/fontawesome.js"></script>
</head>
<body><header><img src="{root}_static/logo.png"></header>
<article class="bd-article"><p>&amp; <img src="x.png" alt="&lt;"><img loading="eager" src="y.png">
</p></article></body></html>
"""


def lightened(root: str = "../", as_you_type: str = "false", path: str = "part/page.html"):
    bundled: list[list[str]] = []

    def bundle(members):
        bundled.append(list(members))
        return "_static/bundle-1.css", "abc"

    html = PAGE.format(root=root, as_you_type=as_you_type)
    return lighten_page(html, path, lambda path: True, bundle), bundled


def test_a_page_keeps_every_byte_it_does_not_change() -> None:
    html, _ = lightened()
    assert html.startswith('<!DOCTYPE html>\n<html lang="en" data-content_root="../">\n')
    assert "<p>&amp; <img" in html and 'alt="&lt;">' in html
    assert '<meta name="x" content="y" />' in html


def test_only_neighbouring_plain_stylesheets_are_bundled() -> None:
    html, bundled = lightened()
    assert bundled == [["_static/styles/theme.css", "_static/a.css"]], "the meta ends a run"
    assert stylesheets(html) == ["../_static/bundle-1.css", "../_static/b.css"]
    assert 'href="../_static/bundle-1.css?v=abc"' in html


def test_scripts_are_deferred_unless_inline_code_needs_them_or_they_wait_already() -> None:
    found = scripts(lightened()[0])
    assert found["../_static/documentation_options.js"] == set()
    assert found["../_static/doctools.js"] == {"defer"}
    assert found["../_static/m.js"] == {"type"} and found["../_static/a.js"] == {"async"}
    assert "../_static/scripts/fontawesome.js" not in found


def test_with_search_as_you_type_the_search_scripts_are_deferred_not_dropped() -> None:
    assert "../searchindex.js" not in scripts(lightened()[0])
    found = scripts(lightened(as_you_type="true")[0])
    assert found["../searchindex.js"] == {"defer"}
    assert found["../_static/searchtools.js"] == {"defer"}


def test_only_images_in_the_article_load_lazily() -> None:
    soup = BeautifulSoup(lightened()[0], "html.parser")
    assert soup.header.img.get("loading") is None, "the logo is above the fold"
    assert [image["loading"] for image in soup.article.find_all("img")] == ["lazy", "eager"]


def test_a_page_with_absolute_urls_is_read_from_its_link_to_the_theme() -> None:
    # The 404 page: served from any folder, so its URLs start at the hosted site's root.
    html, bundled = lightened(root="/en/latest/", path="404.html")
    assert bundled == [["_static/styles/theme.css", "_static/a.css"]]
    assert 'href="/en/latest/_static/bundle-1.css?v=abc"' in html
    assert "fontawesome.js" not in html and "searchindex.js" not in html


def test_a_stylesheet_that_imports_another_is_not_bundled(tmp_path: Path) -> None:
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.css").write_text('@import "b.css";\n')
    (tmp_path / "_static" / "b.css").write_text(".b{}\n")
    bundles = site_speed.Bundles(tmp_path)
    assert not bundles.bundleable("_static/a.css"), "an @import after a rule is ignored"
    assert bundles.bundleable("_static/b.css")
    assert not bundles.bundleable("_static/missing.css")


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
