"""``sitemap.xml`` for search engines: every page of the book, on every build.

Written from the environment's list of documents when the build finishes, so an
incremental build (one page changed) still lists every page. ``html_baseurl`` gives the
hosted address.

Not ``sphinx-sitemap`` (2.9.0, the latest release): it lists the pages it saw written in
this build (it collects them in ``html-page-context``), so after an incremental build the
sitemap holds only the changed pages and the indexes (its open issue
jdillard/sphinx-sitemap#13; checked: a tiny book of three pages, one page edited, lists two).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sphinx.application import Sphinx

EXCLUDED = {"404"}


def write_sitemap(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder.format != "html" or not app.config.html_baseurl:
        return
    base = app.config.html_baseurl.rstrip("/") + "/"
    pages = sorted(app.env.found_docs - EXCLUDED)
    urls = "".join(
        f"<url><loc>{escape(base + app.builder.get_target_uri(page))}</loc></url>" for page in pages
    )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    )
    (Path(app.outdir) / "sitemap.xml").write_text(sitemap, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", write_sitemap)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
