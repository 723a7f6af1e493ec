"""The YAML examples of the quiz-writing guide load as banks, and its coding question is
sound: the reference gives its expected values and every wrong solution fails. So the guide
cannot drift from what the loader and the grader accept."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tfhandbook.quiz.bank import load_bank
from tfhandbook.quiz.grading import verify_question
from tfhandbook.quiz.variants import expand

GUIDE = Path(__file__).parents[1] / "docs" / "appendix" / "writing-quizzes.md"
BLOCKS = [
    block
    for block in re.findall(r"^```yaml\n(.*?)^```", GUIDE.read_text(), re.M | re.S)
    if block.startswith(("quiz:", "- id:"))
]


def _as_bank(block: str, folder: Path) -> Path:
    """`block` as a bank file: a whole bank as it is, one question inside a one-pool bank."""
    if not block.startswith("quiz:"):
        questions = textwrap.indent(block, " " * 6)
        head = "quiz: guide\ntitle: Guide\npools:\n  - id: pool\n    draw: 1\n    questions:\n"
        block = head + questions
    path = folder / "guide.quiz.yaml"
    path.write_text(block)
    return path


def test_the_guide_shows_a_bank_a_parameterised_and_a_coding_question() -> None:
    names = [re.match(r"(?:quiz|- id): (\S+)", block).group(1) for block in BLOCKS]
    assert names == ["custom-losses", "dense-weights", "scaled-relu"]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.split("\n", 1)[0])
def test_a_yaml_example_of_the_guide_loads_and_is_answerable(block: str, tmp_path: Path) -> None:
    bank = load_bank(_as_bank(block, tmp_path))
    for question in bank.questions:
        if question.type == "code":
            assert any(check.expected for check in question.public_checks + question.hidden_checks)
            verification = verify_question(question)
            assert verification.mismatches == [] and verification.passing_wrong == []
        else:
            assert all(variant.answer is not None for variant in expand(bank)[question.id])
