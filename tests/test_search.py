"""The book's search: the spelling variants and the index's copy of a page, then the built
site's search box in a real browser, asked what a learner types.

The ranking tests ask the search box's own function (``handbookSearch.search`` in
``docs/_static/search.js``): the spellings it tries and the way it merges their results are
part of what is tested. The site is the real book (see the ``handbook_site`` fixture)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tfhandbook.book.chapters import read_chapter, walk
from tfhandbook.book.search_index import (
    BUNDLE,
    NAME_VARIANTS,
    VARIANTS,
    for_indexing,
    other_spelling,
    variant_groups,
)
from tfhandbook.book.sphinxext.problems import OLD_MESSAGE, wordings

DOCS = Path(__file__).parents[1] / "docs"
PARTS = ("custom-models", "custom-training", "computer-vision", "generative")


# -- Spellings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("optimise", "optimize"),
        ("optimizer", "optimiser"),
        ("normalisation", "normalization"),
        ("batchnormalization", "batchnormalisation"),
        ("behaviour", "behavior"),
        ("colors", "colours"),
        ("analyse", "analyze"),
        ("modelling", "modeling"),
        ("labeled", "labelled"),
        ("centre", "center"),
        ("centering", "centring"),
        ("synthesize", "synthesise"),
    ],
)
def test_a_word_gets_its_other_spelling(word: str, other: str) -> None:
    assert other_spelling(word) == other
    assert other_spelling(other) == word


@pytest.mark.parametrize(
    "word",
    ["size", "resize", "resized", "advise", "exercises", "denoising", "pairwise", "freeze", "your"],
)
def test_a_word_spelt_one_way_gets_no_other(word: str) -> None:
    assert other_spelling(word) is None


def test_the_variants_list_the_names_first_then_each_pair_once() -> None:
    groups = variant_groups(["Optimise", "optimize", "colour", "size", "tensor"])
    assert groups[: len(NAME_VARIANTS)] == [list(names) for names in NAME_VARIANTS]
    assert groups[len(NAME_VARIANTS) :] == [["color", "colour"], ["optimise", "optimize"]]


def test_the_index_copy_puts_each_sections_anchor_on_its_heading() -> None:
    page = (
        '<section class="x" id="graph-mode">\n<span id="label"></span><h1>Graph mode</h1>'
        '<section id="retracing">\n<h2>Retracing<a class="headerlink" href="#retracing">#</a>'
        "</h2><p>text</p></section></section>"
    )
    copy = for_indexing(page)
    assert '<section class="x">\n<span id="label"></span><h1 id="graph-mode">' in copy
    assert '<section>\n<h2 id="retracing">Retracing' in copy
    assert for_indexing("<section><h2>No anchor</h2></section>") == (
        "<section><h2>No anchor</h2></section>"
    )


# -- The built site's search ----------------------------------------------------------------
#: What a learner types, and the page that must come first.
FIRST = {
    "tf.function": "custom-training/graph-mode.html",
    "tf function": "custom-training/graph-mode.html",
    "tf.function retracing": "custom-training/graph-mode.html",
    "autograph": "custom-training/graph-mode.html",
    "GradientTape": "custom-training/gradient-tape.html",
    "gradient tape": "custom-training/gradient-tape.html",
    "gradcam": "computer-vision/interpretability.html",
    "Grad-CAM": "computer-vision/interpretability.html",
    "grad cam": "computer-vision/interpretability.html",
    "saliency map": "computer-vision/interpretability.html",
    "custom loss": "custom-models/custom-losses.html",
    "custom layer": "custom-models/custom-layers.html",
    "subclassing model": "custom-models/custom-models.html",
    "subclass model": "custom-models/custom-models.html",
    "functional API": "custom-models/functional-and-sequential-apis.html",
    "callback": "custom-models/callbacks.html",
    "EarlyStopping": "custom-models/callbacks.html",
    "train_step": "custom-training/custom-training-loops.html",
    "MirroredStrategy": "custom-training/distributed-training.html",
    "distributed training": "custom-training/distributed-training.html",
    "U-Net": "computer-vision/image-segmentation.html",
    "unet": "computer-vision/image-segmentation.html",
    "fine tuning": "computer-vision/transfer-learning.html",
    "bounding box": "computer-vision/object-detection.html",
    "VAE": "generative/variational-autoencoders.html",
    "variational autoencoder": "generative/variational-autoencoders.html",
    "reparameterization trick": "generative/variational-autoencoders.html",
    "GAN": "generative/gans.html",
    "discriminator": "generative/gans.html",
    "style transfer": "generative/style-transfer.html",
    "gram matrix": "generative/style-transfer.html",
    "denoising autoencoder": "generative/autoencoders.html",
    "glossary": "appendix/glossary.html",
}

#: Spellings that must find the same pages in the same order.
ALIKE = [
    ("optimise", "optimize"),
    ("optimiser", "optimizer"),
    ("normalisation", "normalization"),
    ("behaviour", "behavior"),
    ("colour", "color"),
    ("Grad-CAM", "gradcam", "grad cam"),
    ("tf.function", "tf function"),
    ("GradientTape", "gradient tape"),
    ("U-Net", "unet"),
    ("BatchNormalization", "batch norm"),
]


@pytest.fixture(scope="module")
def site_url(handbook_site: Path, serve) -> str:
    with serve(handbook_site) as url:
        yield url


@pytest.fixture(scope="module")
def search_page(chromium, site_url: str):
    """One page of the book whose search answers every query of this module."""
    page = chromium.new_page()
    page.goto(f"{site_url}/custom-models/custom-losses.html")
    yield page
    page.close()


def found(search_page, query: str) -> list[str]:
    """The site paths of the pages the search box finds for `query`, best first."""
    results = search_page.evaluate("query => handbookSearch.search(query)", query)
    return [result["page"].lstrip("/") for result in results]


@pytest.mark.long_running
@pytest.mark.parametrize(("query", "first"), FIRST.items())
def test_a_query_finds_its_chapter_first(search_page, query: str, first: str) -> None:
    pages = found(search_page, query)
    assert pages[:1] == [first], pages


@pytest.mark.long_running
@pytest.mark.parametrize("spellings", ALIKE, ids="/".join)
def test_spellings_find_the_same_pages(search_page, spellings: tuple[str, ...]) -> None:
    results = [found(search_page, spelling) for spelling in spellings]
    assert results[0]  # found at all...
    assert all(result == results[0] for result in results)  # ...and alike


@pytest.mark.long_running
def test_a_variant_that_is_not_in_the_book_still_finds_it(search_page) -> None:
    # The book writes "behaviour" in its prose: Pagefind alone finds the American spelling
    # on fewer pages.
    alone = search_page.evaluate(
        "async q => { const p = await import(new URL('../pagefind/pagefind.js',"
        " document.querySelector('script[src*=\"search.js\"]').src));"
        " return (await p.search(q)).results.length; }",
        "behavior",
    )
    assert len(found(search_page, "behavior")) > alone


def _problem_messages(chapter: Path) -> list[str]:
    """The current and old messages of every ``{problem}`` in `chapter`."""
    messages = []
    for problem in walk(read_chapter(chapter)):
        if problem.name == "problem":
            messages += wordings(problem.options.get("message"))
            old = wordings(problem.options.get("old-message"))
            messages += [OLD_MESSAGE.match(wording).group("text") for wording in old]
    return messages


def _pasted_messages() -> list[tuple[str, str]]:
    chapters = sorted(page for part in PARTS for page in (DOCS / part).glob("*.md"))
    return [
        (f"{chapter.parent.name}/{chapter.stem}.html", message)
        for chapter in chapters
        for message in _problem_messages(chapter)
    ]


@pytest.mark.long_running
def test_a_pasted_error_message_finds_the_chapter_that_explains_it(search_page) -> None:
    """Every message of the error index, pasted whole: a chapter with a problem that
    prints it comes first (a few messages have a problem in two chapters)."""
    explained: dict[str, set[str]] = {}
    for chapter, message in _pasted_messages():
        explained.setdefault(message, set()).add(chapter)
    assert len(explained) > 20
    wrong = {}
    for message, chapters in explained.items():
        results = search_page.evaluate("query => handbookSearch.search(query)", message)
        first = results[0] if results else {}
        page, _, anchor = first.get("url", "").lstrip("/").partition("#")
        if page not in chapters or not anchor.startswith("problem-"):
            wrong[message[:80]] = (sorted(chapters), first.get("url"))
    assert wrong == {}


@pytest.mark.long_running
def test_a_line_of_a_traceback_finds_its_problem(search_page) -> None:
    line = "InvalidArgumentError: Graph execution error: indices[3,7] = 4 is not in [0, 4)"
    first = found(search_page, line)[0]
    assert first == "computer-vision/image-segmentation.html"


# -- The search box -------------------------------------------------------------------------
@pytest.fixture
def page(chromium, site_url):
    context = chromium.new_context()
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            page.problems.append(f"{response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()


@pytest.mark.long_running
def test_typing_in_the_sidebar_box_shows_results_without_enter(page, site_url: str) -> None:
    page.goto(f"{site_url}/custom-models/custom-losses.html")
    page.wait_for_load_state("networkidle")
    assert not [url for url in page.requested if f"/{BUNDLE}/" in url]  # nothing loaded yet
    page.locator(".bd-sidebar-primary .search-button-field").first.click()
    box = page.locator("#pst-search-dialog input[type=search]")
    box.press_sequentially("gradcam", delay=30)
    first = page.locator("#search-as-you-type-results [role=option]").first
    first.wait_for(timeout=15000)
    assert "Interpretability" in first.inner_text()
    assert first.get_attribute("aria-selected") == "true"
    assert "search.html" not in page.url  # no Enter, no other page
    assert page.problems == []


@pytest.mark.long_running
def test_the_keyboard_picks_a_result_and_enter_opens_it(page, site_url: str) -> None:
    page.goto(f"{site_url}/index.html")
    page.keyboard.press("Control+k")
    box = page.locator("#pst-search-dialog input[type=search]")
    box.fill("GradientTape")
    options = page.locator("#search-as-you-type-results [role=option]")
    options.nth(1).wait_for(timeout=15000)
    page.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_url("**/custom-training/gradient-tape.html*")
    assert page.problems == []


@pytest.mark.long_running
def test_a_query_that_matches_nothing_says_so(page, site_url: str) -> None:
    page.goto(f"{site_url}/index.html")
    page.keyboard.press("Control+k")
    # Pagefind forgives typos, so the query is one no word of the book resembles.
    page.locator("#pst-search-dialog input[type=search]").fill("щшщшщ")
    status = page.locator("#pst-search-dialog .search-status")
    status.filter(has_text="No page matches").wait_for(timeout=15000)
    assert page.locator("#search-as-you-type-results [role=option]").count() == 0


@pytest.mark.long_running
def test_the_index_lists_the_books_spellings(handbook_site: Path) -> None:
    groups = json.loads((handbook_site / VARIANTS).read_text(encoding="utf-8"))
    assert groups[: len(NAME_VARIANTS)] == [list(names) for names in NAME_VARIANTS]
    words = groups[len(NAME_VARIANTS) :]
    assert ["optimise", "optimize"] in words
    assert all(re.fullmatch(r"[a-z]+", word) for group in words for word in group)


@pytest.mark.long_running
def test_sphinxs_search_page_still_answers(page, site_url: str) -> None:
    """The fallback: the dialog's form submits to Sphinx's search page when no result is
    shown (no script, or an index that cannot load)."""
    page.goto(f"{site_url}/search.html?q=GradientTape")
    results = page.locator("#search-results a")
    results.first.wait_for(timeout=15000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("custom-training/gradient-tape" in href for href in hrefs), hrefs
