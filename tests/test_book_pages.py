"""Pages the book generates: the collected course differences, the test status, and each
chapter's notebook download."""

from __future__ import annotations

import json

import pytest

from tfhandbook.book.notebooks import PREAMBLE_CODE_CELLS


@pytest.mark.sphinx("html", testroot="book-pages")
def test_course_notes_are_collected_in_reading_order_with_working_links(app) -> None:
    app.build()
    html = (app.outdir / "differences.html").read_text(encoding="utf-8")
    first, second = html.index('id="from-part-first"'), html.index('id="from-part-second"')
    assert first < second
    assert 'href="part/first.html#coming-from-the-course"' in html
    assert 'href="part/first.html#lesson"' in html  # an anchor in the chapter, from here
    assert 'href="part/second.html"' in html  # a {doc} link, made relative to this page
    assert "<strong>Renamed.</strong>" in html and "Nothing changed here." in html


@pytest.mark.sphinx("html", testroot="book-pages")
def test_status_page_without_a_recorded_run_says_how_to_make_one(app, monkeypatch) -> None:
    monkeypatch.setenv("TFHANDBOOK_STATUS", str(app.srcdir / "no-such-status.json"))
    app.build(force_all=True)
    html = (app.outdir / "status.html").read_text(encoding="utf-8")
    assert "No test run is recorded in this checkout yet" in html


@pytest.mark.sphinx("html", testroot="book-pages")
def test_status_page_shows_each_chapter_of_the_recorded_run(app, monkeypatch) -> None:
    record = app.srcdir / "status.json"
    record.write_text(
        json.dumps(
            {
                "format": "tfhandbook-test-status/1",
                "machine": "2 CPU cores, Linux",
                "files": {
                    "docs/part/first.md": {"examples": 3, "failed": 0, "seconds": 1.5, "run": "x"},
                    "snippets/data.py": {"examples": 2, "failed": 1, "seconds": 0.25, "run": "x"},
                },
            }
        )
    )
    monkeypatch.setenv("TFHANDBOOK_STATUS", str(record))
    app.build(force_all=True)
    html = " ".join((app.outdir / "status.html").read_text(encoding="utf-8").split())
    assert "5 examples in 2 files; 1 failed; 1.8 s of test time. Last run on 2 CPU cores" in html
    assert "part/first" in html and "snippets/data.py" in html


@pytest.mark.sphinx("html", testroot="book-pages")
def test_every_chapter_with_code_offers_a_valid_notebook(app) -> None:
    import nbformat

    app.build()
    notebook = nbformat.read(app.outdir / "_sources" / "part" / "first.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code[PREAMBLE_CODE_CELLS] == "1 + 1"  # the chapter's first, after install and seeds
    html = (app.outdir / "part" / "first.html").read_text(encoding="utf-8")
    assert "first.ipynb" in html
    assert not (app.outdir / "_sources" / "part" / "second.ipynb").exists()  # no code
