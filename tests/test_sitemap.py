"""The sitemap lists every page at its hosted address, also after an incremental build
(what sphinx-sitemap does not do, and why the book keeps its own)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from sphinx.cmd.build import build_main

CONF = """\
extensions = ["myst_parser", "tfhandbook.book.sphinxext.sitemap"]
html_baseurl = "https://example.org/en/latest"
"""


def urls(site: Path) -> list[str]:
    tree = ElementTree.parse(site / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [loc.text or "" for loc in tree.findall("s:url/s:loc", namespace)]


def test_the_sitemap_lists_every_page_after_an_incremental_build(tmp_path: Path) -> None:
    source, site = tmp_path / "src", tmp_path / "html"
    source.mkdir()
    (source / "conf.py").write_text(CONF)
    (source / "index.md").write_text("# Home\n\n```{toctree}\npart/a\nb\n```\n")
    (source / "part").mkdir()
    (source / "part" / "a.md").write_text("# A\n")
    (source / "b.md").write_text("# B\n")
    (source / "404.md").write_text("---\norphan: true\n---\n# Not found\n")
    assert build_main(["-q", "-b", "html", str(source), str(site)]) == 0
    every_page = [
        "https://example.org/en/latest/b.html",
        "https://example.org/en/latest/index.html",
        "https://example.org/en/latest/part/a.html",
    ]
    assert urls(site) == every_page, "404 and the generated indexes are left out"

    (source / "b.md").write_text("# B, edited\n")
    later = (site / "sitemap.xml").stat().st_mtime + 10
    os.utime(source / "b.md", (later, later))
    assert build_main(["-q", "-b", "html", str(source), str(site)]) == 0
    assert urls(site) == every_page
