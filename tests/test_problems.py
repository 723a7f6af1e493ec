"""``{problem}`` and ``{error-index}``: each problem's messages, indexed by part."""

from __future__ import annotations

import doctest
import html
import re
from pathlib import Path

import pytest

from tfhandbook.book.chapters import read_text, walk
from tfhandbook.book.sphinxext.problems import OLD_MESSAGE, wordings

ROOT = Path(__file__).parents[1]
PAGES = sorted(page for page in (ROOT / "docs").rglob("*.md") if "_build" not in page.parts)
#: The chapters: every page of a part but its map.
CHAPTERS = [
    page
    for page in PAGES
    if page.parent.name not in ("docs", "appendix") and page.name != "index.md"
]
#: Problems readers report per chapter, and in the book, at the least (issue 17).
PROBLEMS_PER_CHAPTER, PROBLEMS_IN_ALL = 4, 80


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.sphinx("html", testroot="problems")
def test_a_problem_shows_its_messages_and_reports(app) -> None:
    app.build()
    html = (app.outdir / "part" / "chapter.html").read_text(encoding="utf-8")
    page = text(html)
    assert 'id="problem-earlystopping-watches-a-metric-that-is-not-in-the-logs"' in html
    assert "Message: Early stopping conditioned on metric `val_acc` which is not available" in page
    assert "Keras 2.15 printed: Early stopping conditioned on metric" in page
    assert "Reported in: keras-team/keras#123 , https://stackoverflow.com/q/1" in page
    assert "A silent failure: no message." in page
    assert "The symptom, reproduced ." in page


@pytest.mark.sphinx("html", testroot="problems")
def test_the_error_index_links_every_message_old_and_new_to_its_problem(app) -> None:
    app.build()
    html = (app.outdir / "errors.html").read_text(encoding="utf-8")
    page = text(html)
    link = "part/chapter.html#problem-earlystopping-watches-a-metric-that-is-not-in-the-logs"
    assert html.count(f'href="{link}"') == 2  # the current and the old wording
    assert "Part one" in page
    assert (
        "Early stopping conditioned on metric `val_acc` which is not available → "
        "EarlyStopping watches a metric that is not in the logs (A chapter)"
    ) in page
    assert "(Keras 2.15) →" in page
    assert "Silent failures Training does nothing → Training does nothing (A chapter)" in page


@pytest.mark.sphinx("html", testroot="problems")
def test_a_problem_may_give_several_messages_and_old_wordings(app) -> None:
    app.build()
    box = html.unescape(text((app.outdir / "part" / "chapter.html").read_text(encoding="utf-8")))
    assert 'Message: Input 0 of layer "dense" is incompatible with the layer' in box
    assert "Message: expected axis -1 of input shape to have value 3" in box
    assert "Keras 2.2 printed: Error when checking input" in box
    assert "tf.keras 2.4 to 2.15 printed: Input 0 of layer dense is incompatible" in box
    index = (app.outdir / "errors.html").read_text(encoding="utf-8")
    assert index.count('href="part/chapter.html#problem-two-messages-and-two-old-wordings"') == 4
    assert "A silent failure" not in box.split("Two messages and two old wordings")[1]


@pytest.mark.sphinx("html", testroot="problems", freshenv=True)
def test_an_old_message_without_its_release_is_refused_naming_file_and_line(app) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert re.search(r"bad\.md:4: .*write the release that printed it", warnings), warnings
    assert re.search(r"bad\.md:9: .*holds one line only; .* YAML block", warnings), warnings
    assert warnings.count("WARNING") == 2


def _normalised(text: str) -> str:
    return " ".join(text.split())


def unreproduced(text: str, name: str) -> list[str]:
    """Each message of MyST `text`'s problems that no executed example in its problem prints."""
    missing = []
    for problem in walk(read_text(text, name)):
        messages = wordings(problem.options.get("message")) if problem.name == "problem" else []
        shown = [
            example.want + (example.exc_msg or "")
            for block in walk(list(problem.children))
            if block.kind == "python" and block.content.startswith(">>>")
            for example in doctest.DocTestParser().get_examples(block.content)
        ]
        missing += [
            f"{name}:{problem.line}: no executed example prints {message!r}"
            for message in messages
            if not any(_normalised(message) in _normalised(want) for want in shown)
        ]
    return missing


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_every_message_is_reproduced_by_an_executed_example_in_its_problem(page: Path) -> None:
    """The `:message:` a problem quotes is checked output, so it changes with TensorFlow."""
    assert unreproduced(page.read_text(encoding="utf-8"), str(page)) == []


#: An executed example inside a problem, printing one message.
RAISES = """```python
>>> raise ValueError("Incompatible shapes: [2] vs. [4]")
Traceback (most recent call last):
ValueError: Incompatible shapes: [2] vs. [4]
```
"""


def test_a_message_no_example_prints_is_caught() -> None:
    options = ":message: Incompatible shapes: [2] vs. [3]\n"
    page = f"````{{problem}} A shape mismatch\n{options}\n{RAISES}````\n"
    assert unreproduced(page, "page.md") == [
        "page.md:1: no executed example prints 'Incompatible shapes: [2] vs. [3]'"
    ]
    assert unreproduced(page.replace("[3]", "[4]"), "page.md") == []


def test_several_messages_are_each_checked() -> None:
    messages = "  Incompatible shapes: [2] vs. [4]\n  expected axis -1 to have value 3\n"
    options = f"---\nmessage: |\n{messages}---\n"
    page = f"````{{problem}} A shape mismatch\n{options}\n{RAISES}````\n"
    assert unreproduced(page, "page.md") == [
        "page.md:1: no executed example prints 'expected axis -1 to have value 3'"
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_every_problem_fence_is_read_as_a_problem(page: Path) -> None:
    """A backtick in the title of a backtick fence makes it no fence at all (CommonMark):
    the problem would vanish from the page and from these checks without a word."""
    text = page.read_text(encoding="utf-8")
    blocks = walk(read_text(text, str(page)))
    samples = [(block.start, block.end) for block in blocks if block.kind == "text"]
    opened = [
        fence
        for fence in re.finditer(r"^\s*(?:`{3,}|~{3,}|:{3,})\{problem\}", text, flags=re.MULTILINE)
        if not any(start <= fence.start() < end for start, end in samples)  # a Markdown sample
    ]
    read = [block for block in blocks if block.name == "problem"]
    assert len(read) == len(opened), f"{page}: a {{problem}} title holds a backtick?"


def test_every_chapter_ends_its_teaching_with_its_problems() -> None:
    """Each chapter has a *When it goes wrong* section, after *Under the hood* and before
    *Coming from the course*, with its problems in it."""
    counts, misplaced = {}, []
    for page in CHAPTERS:
        text = page.read_text(encoding="utf-8")
        headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
        name = str(page.relative_to(ROOT / "docs"))
        if "When it goes wrong" not in headings:
            misplaced.append(f"{name}: no 'When it goes wrong' section")
            continue
        where = headings.index("When it goes wrong")
        if "Coming from the course" in headings[:where] or "Under the hood" in headings[where:]:
            misplaced.append(f"{name}: 'When it goes wrong' not between the hood and the course")
        section = text.split("\n## When it goes wrong\n", 1)[1].split("\n## ", 1)[0]
        problems = [block for block in walk(read_text(text, name)) if block.name == "problem"]
        counts[name] = len(problems)
        outside = [block.line for block in problems if block.content not in section]
        misplaced += [f"{name}:{line}: a problem outside the section" for line in outside]
    short = {name: count for name, count in counts.items() if count < PROBLEMS_PER_CHAPTER}
    assert misplaced == []
    assert short == {}, f"fewer than {PROBLEMS_PER_CHAPTER} problems"
    assert sum(counts.values()) >= PROBLEMS_IN_ALL, counts


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_every_old_wording_names_the_release_that_printed_it(page: Path) -> None:
    """The build refuses an unlabelled old wording; this says so without a build."""
    text = page.read_text(encoding="utf-8")
    unlabelled = [
        f"{page}:{block.line}: {wording!r}"
        for block in walk(read_text(text, str(page)))
        if block.name == "problem"
        for wording in wordings(block.options.get("old-message"))
        if not OLD_MESSAGE.match(wording)
    ]
    assert unlabelled == []


def test_an_old_wording_may_name_a_range_of_releases() -> None:
    for label in ("Keras 2.15", "tf.keras 2.4 to 2.15", "tf.keras 2.6 and earlier", "TF 1.x"):
        assert OLD_MESSAGE.match(f"{label}: No such layer").group("release") == label
    assert not OLD_MESSAGE.match("older Keras: No such layer")
