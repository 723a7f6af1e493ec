"""Pages paint sooner: neighbouring stylesheets arrive as one file, and the search index the
theme puts on every page no longer blocks rendering."""

from __future__ import annotations

import re

import pytest


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
    assert text.index(".first") < text.index(".second")
    assert ".late" in text, "a stylesheet copied when the build ends is in the bundle too"
    assert "_static/print.css" in links, "a stylesheet with a media query is not plain"


@pytest.mark.sphinx("html", testroot="page-speed")
def test_the_search_index_is_deferred_except_on_the_search_page(app) -> None:
    app.build()
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    search = (app.outdir / "search.html").read_text(encoding="utf-8")
    assert '<script defer src="searchindex.js"></script>' in page
    assert '<script src="searchindex.js"></script>' in search
