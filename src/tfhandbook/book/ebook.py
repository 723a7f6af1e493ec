"""The whole book as a PDF and an EPUB, for reading offline (``nox -s ebook``).

Both come from Sphinx's own builders, with the flags of the HTML build (a warning fails
the build): the EPUB from ``epub``, the PDF from ``singlehtml``, the whole book on one page,
printed by Chromium with the book's print stylesheet (code wraps instead of running off
the page), with a bookmark per heading. No LaTeX is needed: the figures are the PNGs the
HTML build draws, and formulas are the MathML the HTML pages hold.

    python -m tfhandbook.book.ebook docs OUT [-d DOCTREES]

writes ``OUT/tfhandbook.pdf`` and ``OUT/tfhandbook.epub``; the HTML build links them when
``$HANDBOOK_EBOOKS`` names OUT (:mod:`tfhandbook.book.sphinxext.ebooks`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tfhandbook.book.chapters import chapter_pages
from tfhandbook.book.notebooks import BOOK_VERSION
from tfhandbook.book.sphinxext.ebooks import EBOOKS
from tfhandbook.settings import HTML_BUILD_FLAGS, NO_CHROMIUM, find_chromium

PDF, EPUB = EBOOKS
#: The HTML build's flags, without its builder.
FLAGS = [flag for flag in HTML_BUILD_FLAGS if flag not in ("-b", "html")]


def sphinx(builder: str, source: Path, out: Path, options: Sequence[str]) -> None:
    from sphinx.cmd.build import build_main

    status = build_main([*FLAGS, "-b", builder, *options, str(source), str(out)])
    if status:
        raise SystemExit(f"the {builder} build failed (exit status {status})")


def print_pdf(page: Path, pdf: Path) -> None:
    """Print the one-page book at `page` to `pdf` as a reader's browser would."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if not executable:
        raise SystemExit(f"the PDF is printed by Chromium: {NO_CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.goto(page.as_uri(), wait_until="load", timeout=600_000)
            tab.emulate_media(media="print")
            tab.pdf(
                path=str(pdf), format="A4", outline=True, tagged=True, print_background=True,
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                display_header_footer=True, header_template="<span></span>",
                footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                '<span class="pageNumber"></span> / <span class="totalPages"></span></div>',
            )  # fmt: skip
        finally:
            browser.close()


def bookmarks(pdf: Path) -> list[str]:
    """The titles of the PDF's bookmarks (Chromium writes its outline uncompressed)."""
    titles = []
    for raw in re.findall(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)", pdf.read_bytes()):
        if raw.startswith(b"<"):  # UTF-16 with its byte-order mark
            titles.append(bytes.fromhex(raw[1:-1].decode()).decode("utf-16"))
        else:
            titles.append(re.sub(rb"\\(.)", rb"\1", raw[1:-1]).decode("latin-1"))
    return titles


def _letters(text: str) -> str:
    # Bookmarks lose the spaces where a heading wrapped: compare letters and digits only.
    return re.sub(r"\W+", "", text).lower()


def missing_chapters(pdf: Path, source: Path) -> list[str]:
    """The chapters under `source` whose title no bookmark of `pdf` holds."""
    marks = [_letters(title) for title in bookmarks(pdf)]
    missing = []
    for page in chapter_pages(source):
        lines = page.read_text(encoding="utf-8").splitlines()
        title = next((line[2:].strip() for line in lines if line.startswith("# ")), page.stem)
        if not any(_letters(title) in mark for mark in marks):
            missing.append(f"{page.relative_to(source).as_posix()}: {title}")
    return missing


def build_ebooks(source: Path, out: Path, doctrees: Path | None = None) -> dict[str, float]:
    """Write the PDF and the EPUB into `out`; the seconds each took."""
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="tfhandbook-ebook-") as name:
        work = Path(name)
        options = ["-q", "-d", str(doctrees or work / "doctrees")]
        start = time.perf_counter()
        sphinx("singlehtml", source, work / "singlehtml", options)
        print_pdf(work / "singlehtml" / "index.html", out / PDF)
        if missing := missing_chapters(out / PDF, source):
            raise SystemExit(f"{out / PDF} lacks chapters: {'; '.join(missing)}")
        seconds[PDF] = time.perf_counter() - start
        start = time.perf_counter()
        stamp = ["-D", "epub_basename=tfhandbook", "-D", f"version={BOOK_VERSION}"]
        sphinx("epub", source, work / "epub", [*options, *stamp])
        shutil.copy2(work / "epub" / EPUB, out / EPUB)
        seconds[EPUB] = time.perf_counter() - start
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfhandbook.book.ebook", description=__doc__)
    parser.add_argument("source", type=Path, help="the book's docs folder")
    parser.add_argument("out", type=Path, help="where tfhandbook.pdf and tfhandbook.epub go")
    parser.add_argument("-d", "--doctrees", type=Path, help="Sphinx's doctree cache to reuse")
    args = parser.parse_args(argv)
    for name, took in build_ebooks(args.source, args.out, args.doctrees).items():
        size = (args.out / name).stat().st_size / 2**20
        print(f"{args.out / name}: {size:.1f} MB in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
