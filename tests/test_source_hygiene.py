"""The source-hygiene lint: control characters and stray escapes, named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfhandbook.tools.source_hygiene import check, check_text, main

ROOT = Path(__file__).parents[1]


def test_checkout_has_no_control_characters_or_stray_escapes() -> None:
    assert [str(problem) for problem in check(ROOT)] == []


def test_vertical_tab_in_a_chapter_is_named_with_its_line_and_column() -> None:
    text = "# Title\n\nThe noise $\x0barepsilon$ is drawn.\n"
    (problem,) = check_text(text, "docs/part/chapter.md")
    assert (problem.line, problem.column) == (3, 12)
    assert "U+000B (vertical tab)" in problem.message


@pytest.mark.parametrize("character", ["\t", "\r", "\x7f", "\x85"])
def test_other_control_characters_are_rejected(character: str) -> None:
    assert check_text(f"a{character}b\n", "docs/x.md")


def test_plain_text_and_a_raw_latex_string_pass() -> None:
    assert check_text("Plain prose, ε and ∇.\n", "docs/x.md") == []
    assert check_text('label = r"$\\beta$"\n', "snippets/x.py") == []


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ('label = "$\\beta$"\n', "\\b"),  # backspace where \beta was meant
        ('label = "\\frac{1}{2}"\n', "\\f"),  # form feed where \frac was meant
        ('label = "$\\sigma$"\n', "\\s"),  # invalid escape (W605)
    ],
)
def test_latex_in_a_non_raw_python_string_is_reported(code: str, shown: str) -> None:
    (problem,) = check_text(code, "snippets/x.py")
    assert problem.line == 1
    assert shown in problem.message


def test_python_in_a_chapter_block_is_reported_at_its_line_in_the_file() -> None:
    text = "Prose.\n\n```python\nx = 1\ntitle = '$\\alpha$'\n```\n"
    (problem,) = check_text(text, "docs/x.md")
    assert problem.line == 5


def test_python_in_a_bank_is_reported_at_its_line_in_the_file() -> None:
    text = "questions:\n  - id: q\n    solution: |\n      x = 1\n      s = '$\\nabla$'\n"
    (problem,) = check_text(text, "docs/x.quiz.yaml")
    assert problem.line == 5


def test_command_line_fails_on_a_bad_file_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "docs" / "bad.md"
    bad.parent.mkdir()
    bad.write_text("x\x0by\n", encoding="utf-8")
    assert main(["--root", str(tmp_path)]) == 1
    assert "docs/bad.md:1:2:" in capsys.readouterr().out
    bad.write_text("xy\n", encoding="utf-8")
    assert main(["--root", str(tmp_path)]) == 0
