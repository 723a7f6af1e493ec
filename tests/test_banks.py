"""Every question bank in the book: valid, answerable, and its coding questions sound."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tfhandbook.quiz.bank import load_bank
from tfhandbook.quiz.grading import ChildFailure, Verification, verify_question, verify_questions
from tfhandbook.quiz.variants import expand

# One grader child runs every coding question in the book: start it first.
pytestmark = pytest.mark.long_running

DOCS = Path(__file__).parents[1] / "docs"
BANKS = sorted(DOCS.rglob("*.quiz.yaml"))
CODE_QUESTIONS = [
    (path, question.id)
    for path in BANKS
    for question in load_bank(path).questions
    if question.type == "code"
]


@functools.cache
def every_verdict() -> dict[tuple[Path, str], Verification]:
    """Every coding question in the book verified in ONE child, so the book pays for one
    TensorFlow import, not one per question. Empty when that child fails: each question is
    then verified alone, so the failure names its question."""
    questions = [load_bank(path).question(question_id) for path, question_id in CODE_QUESTIONS]
    try:
        return dict(zip(CODE_QUESTIONS, verify_questions(questions), strict=True))
    except ChildFailure:
        return {}


@pytest.mark.parametrize("path", BANKS, ids=lambda path: path.stem)
def test_a_bank_is_big_enough_and_every_variant_has_an_answer(path: Path) -> None:
    bank = load_bank(path)
    kinds = [question.type for question in bank.questions]
    assert len(kinds) >= 12, f"{path}: {len(kinds)} questions; a chapter's bank needs 12"
    assert kinds.count("code") >= 2, f"{path}: a chapter's bank needs 2 coding questions"
    for question_id, variants in expand(bank).items():
        if bank.question(question_id).type != "code":
            assert all(variant.answer is not None for variant in variants), question_id


def without_expected_values(path: Path) -> list[str]:
    """`path:line: question` for each coding question of the bank at `path` with no check
    holding literal ``expected`` values: nothing but the reference would say what is right."""
    return [
        f"{path}:{question.line}: {question.id}"
        for question in load_bank(path).questions
        if question.type == "code"
        and not any(check.expected for check in (*question.public_checks, *question.hidden_checks))
    ]


@pytest.mark.parametrize("path", BANKS, ids=lambda path: path.stem)
def test_every_coding_question_has_a_check_with_values_written_in_the_bank(path: Path) -> None:
    missing = without_expected_values(path)
    assert not missing, (
        "give one check of each coding question (one that does not depend on `seed`) "
        "literal `expected:` values, computed once from the reference:\n" + "\n".join(missing)
    )


def test_a_coding_question_without_expected_values_is_named_with_its_file_and_line(
    tmp_path: Path,
) -> None:
    check = "{name: %s, probe: 'result = {\"y\": double(2.0)}'%s}"
    bank = tmp_path / "tiny.quiz.yaml"
    bank.write_text(
        "quiz: tiny\n"
        "title: Tiny\n"
        "pools:\n"
        "  - id: coding\n"
        "    questions:\n"
        + "".join(
            f"      - id: {question_id}\n"
            "        type: code\n"
            "        prompt: Write double(x).\n"
            "        starter: 'def double(x): ...'\n"
            "        solution: 'def double(x): return 2 * x'\n"
            f"        public_checks: [{check % ('two', expected)}]\n"
            f"        hidden_checks: [{check % ('three', '')}]\n"
            for question_id, expected in (("checked", ", expected: {y: 4.0}"), ("unchecked", ""))
        )
    )
    assert without_expected_values(bank) == [f"{bank}:13: unchecked"]


@pytest.mark.parametrize(
    ("path", "question_id"), CODE_QUESTIONS, ids=[f"{p.stem}:{q}" for p, q in CODE_QUESTIONS]
)
def test_a_coding_question_passes_its_reference_and_fails_its_mistakes(
    path: Path, question_id: str
) -> None:
    question = load_bank(path).question(question_id)
    assert len(question.wrong_solutions) >= 2, "give at least two plausible wrong solutions"
    verification = every_verdict().get((path, question_id)) or verify_question(question)
    assert not verification.passing_wrong, (
        f"{path}: {question_id}: these wrong solutions pass every check: "
        f"{verification.passing_wrong}"
    )


@pytest.mark.parametrize(
    ("path", "question_id"), CODE_QUESTIONS, ids=[f"{p.stem}:{q}" for p, q in CODE_QUESTIONS]
)
def test_a_coding_question_reference_gives_the_values_written_in_its_bank(
    path: Path, question_id: str
) -> None:
    question = load_bank(path).question(question_id)
    verification = every_verdict().get((path, question_id)) or verify_question(question)
    mismatches = [
        f"{path}:{line}: {question_id}: {message}" for line, message in verification.mismatches
    ]
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(
    ("path", "question_id"), CODE_QUESTIONS, ids=[f"{p.stem}:{q}" for p, q in CODE_QUESTIONS]
)
def test_a_coding_question_has_a_hidden_value_only_a_solution_can_produce(
    path: Path, question_id: str
) -> None:
    """The learner's code shares its process with the probes and can forge any value it
    can predict (a flag, a count, a shape): a pass must need one value it cannot."""
    question = load_bank(path).question(question_id)
    verification = every_verdict().get((path, question_id)) or verify_question(question)
    assert verification.unguessable, (
        f"{path}:{question.line}: {question_id}: every hidden value is a flag, a count, a "
        "shape or a few small integers, which code other than a solution can send; add a "
        "hidden check whose values only the solution computes"
    )


@pytest.mark.parametrize(
    ("path", "question_id"), CODE_QUESTIONS, ids=[f"{p.stem}:{q}" for p, q in CODE_QUESTIONS]
)
def test_a_coding_questions_mistakes_are_caught_by_values_only_a_solution_produces(
    path: Path, question_id: str
) -> None:
    """A mistake caught only by a flag or a count (say, an "input untouched" check), or
    only by public checks (whose outputs an answer can hard-code), would pass once the
    answer forges those: a hidden check must return data only a solution computes."""
    question = load_bank(path).question(question_id)
    verification = every_verdict().get((path, question_id)) or verify_question(question)
    assert not verification.forgeable_wrong, (
        f"{path}:{question.line}: {question_id}: these wrong solutions are caught only by "
        f"values code could forge (flags, counts, shapes): {verification.forgeable_wrong}"
    )
