"""The `{not-executed}` directive and the version stamp, built in tiny Sphinx projects."""

from __future__ import annotations

import importlib.metadata
import re

import pytest


@pytest.mark.sphinx("html", testroot="not-executed")
def test_not_executed_shows_its_reason_and_requires_one(app) -> None:
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "<strong>Not executed: </strong>Keras 2 only:" in html
    assert '<span class="pre">keras.layers.merge</span>' in html
    assert "concatenate" in html
    assert "<strong>Not executed: </strong>Needs a GPU" in html
    warnings = app.warning.getvalue()
    assert "index.md:9" in warnings
    assert "{not-executed} needs a reason the reader can see" in warnings
    assert warnings.count("ERROR") == 1  # the block without a reason, and nothing else


@pytest.mark.sphinx("html", testroot="version-stamp")
def test_every_page_is_stamped_with_the_installed_versions(app) -> None:
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    tensorflow = importlib.metadata.version("tensorflow")
    keras = importlib.metadata.version("keras")
    assert f"Tested with TensorFlow {tensorflow}, Keras {keras}" in " ".join(html.split())


@pytest.mark.sphinx("html", testroot="myst-plot")
def test_plot_directive_puts_its_figure_and_source_on_a_myst_page(app) -> None:
    app.build()
    assert app.warning.getvalue() == ""
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    images = list((app.outdir / "_images").glob("*.png"))
    assert len(images) == 1
    assert f'src="_images/{images[0].name}"' in html
    assert "three points" in html  # the figure's source, shown with it


@pytest.mark.sphinx("html", testroot="myst-plot")
def test_a_figure_carries_its_alt_text_and_caption(app) -> None:
    app.build()
    html = " ".join((app.outdir / "index.html").read_text(encoding="utf-8").split())
    assert 'alt="A line through three points, rising then falling."' in html
    assert "<figcaption>" in html and "Three points." in html


@pytest.mark.sphinx("html", testroot="myst-plot-undescribed")
def test_a_figure_without_alt_text_or_caption_is_named_by_page_and_line(app) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert re.search(r"index\.md:3: WARNING: a figure without :alt: \(alt text", warnings)
    assert re.search(r"index\.md:9: WARNING: a figure without :caption: \(a caption", warnings)
    assert warnings.count("WARNING") == 2


@pytest.mark.sphinx("html", testroot="myst-plot")
def test_a_figures_nodes_belong_to_the_page_they_are_on(app) -> None:
    """A node still tied to the scratch document its figure was parsed in drags that
    document into the page's pickled doctree (4 MB per chapter, once)."""
    app.build()
    doctree = app.env.get_doctree("index")
    assert {id(node.document) for node in doctree.findall()} == {id(doctree)}


@pytest.mark.sphinx("html", testroot="generated-table")
def test_generated_table_renders_the_measurement_and_the_machine(app) -> None:
    app.build()
    html = " ".join((app.outdir / "index.html").read_text(encoding="utf-8").split())
    assert "Steps per <em>second</em>" in html
    assert "<p>graph</p>" in html and "<p>480</p>" in html
    assert "Measured on " in html and "CPU cores" in html and "TensorFlow " in html
    warnings = app.warning.getvalue()
    assert "index.md:7" in warnings
    assert "measurements.malformed: row 1 must be 2 str" in warnings
    assert "index.md:10" in warnings
    assert "cannot import measurements.missing" in warnings


@pytest.mark.sphinx("html", testroot="chapter-guide", freshenv=True)
def test_a_chapter_opens_with_its_reading_time_assumptions_and_objectives(app) -> None:
    app.build()
    html = " ".join((app.outdir / "part" / "first.html").read_text(encoding="utf-8").split())
    guide = html.split('class="chapter-guide')[1].split("</div>")[0]
    assert "About 1 minute of reading" in guide
    assert 'href="second.html"' in guide and "The second chapter" in guide
    assert "You have trained a Keras model with fit." in guide
    assert "Write a loss as a function." in guide and "Tell which losses save" in guide
    assert html.index("The first chapter") < html.index('class="chapter-guide')


@pytest.mark.sphinx("html", testroot="chapter-guide", freshenv=True)
def test_a_chapter_that_does_not_say_what_it_assumes_is_named(app) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert re.search(r"second\.md: WARNING: a chapter without 'assumes'", warnings), warnings
    assert re.search(r"second\.md: WARNING: a chapter without 'objectives'", warnings)
    assert "first.md" not in warnings and "index.md" not in warnings


def test_reading_time_counts_prose_not_code() -> None:
    from docutils.core import publish_doctree

    from tfhandbook.book.sphinxext.chapter_guide import prose_words, reading_minutes

    doctree = publish_doctree(
        "A title\n=======\n\nfour words of prose\n\n::\n\n    code not counted here\n"
    )
    assert prose_words(doctree) == 6  # the title's two words and the paragraph's four
    assert [reading_minutes(words) for words in (0, 250, 4000)] == [1, 1, 20]
