"""One reader of chapters: the tests run what the notebook export writes out."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tfhandbook.book.chapters import ChapterError, UnknownDirective, read_text, walk
from tfhandbook.book.notebooks import PREAMBLE_CODE_CELLS, SETUP, chapter_notebook
from tfhandbook.harness.sybils import book_sybils

ROOT = Path(__file__).parents[1]
CODING_TAGS = {"answer", "grade"}
PAGES = sorted(page for page in (ROOT / "docs").rglob("*.md") if "_build" not in page.parts)


def harness_code(page: Path) -> list[str]:
    """The code the tests run for `page`, one entry per example, in order."""
    chapters, _ = book_sybils(ROOT)
    code = []
    for example in chapters.parse(page).examples():
        parsed = example.region.parsed
        if hasattr(parsed, "want"):  # a doctest example
            code.append(parsed.source.rstrip())
        elif getattr(example.region.evaluator, "__name__", "") == "tabulate":
            module, _, function = str(parsed).rpartition(".")  # the notebook calls it
            code.append(f"from {module} import {function}\n\n{function}()")
        else:  # code, invisible code or a figure
            code.append(str(parsed).strip("\n"))
    return code


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT / "docs")))
def test_a_notebook_holds_exactly_the_code_the_tests_run(page: Path) -> None:
    cells = chapter_notebook(page)["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    # The coding questions come last: an answer cell and a grading cell each, from the bank.
    coding = [cell for cell in code if set(cell["metadata"].get("tags", ())) & CODING_TAGS]
    examples = ["".join(cell["source"]) for cell in code if cell not in coding]
    assert examples[PREAMBLE_CODE_CELLS - 1] == SETUP  # after the install cell
    assert examples[PREAMBLE_CODE_CELLS:] == harness_code(page)
    assert code[len(code) - len(coding) :] == coding
    assert [cell["metadata"]["tags"] for cell in coding] == [["answer"], ["grade"]] * (
        len(coding) // 2
    )


def test_a_directive_without_a_rule_fails_the_tests_too_naming_file_and_line(
    pytester: pytest.Pytester,
) -> None:
    chapter = pytester.path / "docs" / "chapter.md"
    chapter.parent.mkdir()
    (pytester.path / "snippets").mkdir()
    chapter.write_text("# A chapter\n\n```python\n1 + 1\n```\n\n```{mermaid}\na-->b\n```\n")
    result = pytester.runpytest("-p", "tfhandbook.harness.pytest_plugin", "-p", "no:xdist")
    result.stdout.fnmatch_lines(["*chapter.md:7: no rule for the {mermaid} directive*"])
    assert result.ret != 0


def test_fences_inside_a_markdown_example_are_shown_not_run() -> None:
    text = textwrap.dedent("""\
        ````markdown
        ```python
        raise SystemExit("shown as Markdown source, never run")
        ```
        ````
        """)
    assert [block.kind for block in walk(read_text(text, "page.md"))] == ["text"]


def test_code_in_a_container_is_found_at_its_own_line() -> None:
    text = textwrap.dedent("""\
        Intro.

        ````{solution} an-exercise
        :class: dropdown

        - a list item holds code:

          ```python
          >>> 6 * 7
          42
          ```
        ````
        """)
    solution, code = walk(read_text(text, "page.md"))
    assert (solution.kind, solution.options, code.kind, code.line) == (
        "container", {"class": "dropdown"}, "python", 8,
    )  # fmt: skip
    assert text[code.content_start : code.content_end] == "  >>> 6 * 7\n  42\n"
    assert code.content == ">>> 6 * 7\n42\n"


@pytest.mark.parametrize("spelling", ["py", "python3", "pycon"])
def test_another_spelling_of_python_is_refused_rather_than_left_unrun(spelling: str) -> None:
    with pytest.raises(ChapterError, match=rf"page.md:3: write ```python, not ```{spelling}"):
        read_text(f"Text.\n\n```{spelling}\n1 / 0\n```\n", "page.md")


def test_an_unknown_directive_names_the_line_of_its_fence_in_a_container() -> None:
    text = "````{note}\nText.\n\n```{mermaid}\na-->b\n```\n````\n"
    with pytest.raises(UnknownDirective, match=r"page.md:4: no rule for the \{mermaid\}"):
        read_text(text, "page.md")


def test_a_quoted_option_is_a_yaml_string_as_myst_reads_it() -> None:
    text = "````{problem} A title\n:message: \"'Mean' object has no attribute\"\nText.\n````\n"
    (problem,) = walk(read_text(text, "page.md"))
    assert problem.options["message"] == "'Mean' object has no attribute"
