"""The whole book as a PDF and an EPUB (``nox -s ebook``), and the download menu's links."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sphinx.errors import ConfigError

from tfhandbook.book.ebook import EPUB, PDF, bookmarks, missing_chapters


@pytest.fixture(scope="module")
def ebooks(rootdir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small book's PDF and EPUB, built by the command `nox -s ebook` runs."""
    out = tmp_path_factory.mktemp("ebooks")
    command = [sys.executable, "-m", "tfhandbook.book.ebook", str(rootdir / "test-ebook"), str(out)]
    build = subprocess.run(command, capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    assert f"{out / PDF}: " in build.stdout and f"{out / EPUB}: " in build.stdout
    return out


def test_the_pdf_holds_every_chapter_with_a_bookmark_per_heading(
    ebooks: Path, rootdir: Path
) -> None:
    assert {"The first chapter", "A section of the first chapter", "The second chapter"} <= set(
        bookmarks(ebooks / PDF)
    )
    assert missing_chapters(ebooks / PDF, rootdir / "test-ebook") == []


def test_a_chapter_missing_from_the_pdf_is_named(ebooks: Path, rootdir: Path, tmp_path) -> None:
    source = tmp_path / "book"
    shutil.copytree(rootdir / "test-ebook", source)
    (source / "part" / "third.md").write_text("# The third chapter\n")
    assert missing_chapters(ebooks / PDF, source) == ["part/third.md: The third chapter"]


def test_the_epub_holds_every_page(ebooks: Path) -> None:
    with zipfile.ZipFile(ebooks / EPUB) as epub:
        names = set(epub.namelist())
        assert {"mimetype", "part/first.xhtml", "part/second.xhtml"} <= names
        assert "A card" in epub.read("part/first.xhtml").decode()  # the card is there


# sphinx-exercise 1.x reads a transform's deprecated `app` attribute (Sphinx 9 warns).
@pytest.mark.filterwarnings("ignore::sphinx.deprecation.RemovedInSphinx11Warning")
def test_the_download_menu_links_the_ebooks_once_they_are_built(
    make_app, rootdir: Path, ebooks: Path, tmp_path: Path
) -> None:
    source = tmp_path / "book"
    shutil.copytree(rootdir / "test-ebook", source)
    app = make_app("html", srcdir=source, confoverrides={"tfhandbook_ebooks": str(ebooks)})
    app.build()
    page = (Path(app.outdir) / "part" / "first.html").read_text(encoding="utf-8")
    assert 'href="../tfhandbook.pdf"' in page and 'href="../tfhandbook.epub"' in page
    assert (Path(app.outdir) / PDF).read_bytes() == (ebooks / PDF).read_bytes()

    plain = make_app("html", srcdir=source, freshenv=True, confoverrides={})
    plain.build()
    page = (Path(plain.outdir) / "part" / "first.html").read_text(encoding="utf-8")
    assert "tfhandbook.pdf" not in page

    with pytest.raises(ConfigError, match=r"has no tfhandbook\.pdf, tfhandbook\.epub"):
        make_app("html", srcdir=source, confoverrides={"tfhandbook_ebooks": str(tmp_path)})
