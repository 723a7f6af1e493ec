"""Reading banks: what a valid bank gives, and the messages a malformed one produces."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tfhandbook.quiz.bank import BankError, load_bank
from tfhandbook.quiz.marking import (
    answer_digests,
    attempt_score,
    best_score,
    digest,
    is_correct,
    normalise_text,
)
from tfhandbook.quiz.sampling import Mulberry32, draw
from tfhandbook.quiz.variants import expand

SAMPLE = Path(__file__).parent / "quiz" / "sample.quiz.yaml"


def test_a_valid_bank_reads_into_pools_and_questions() -> None:
    bank = load_bank(SAMPLE)
    assert (bank.quiz, bank.attempts, bank.pass_mark, bank.draw_total) == ("sample", 2, 0.5, 3)
    assert [pool.id for pool in bank.pools] == ["basics", "coding"]
    assert bank.question("default-dtype").line == 9
    assert len(bank.fingerprint) == 16


def test_parameterised_answers_are_computed_by_running_tensorflow() -> None:
    variants = expand(load_bank(SAMPLE))
    dense = variants["dense-weights"]
    assert dense[1].parameters == {"units": 3, "width": 10}
    assert [v.answer for v in dense] == [15.0, 33.0, 80.0, 176.0]
    assert dense[1].prompt.startswith("How many weights does `Dense(3)` create for inputs of")
    assert dense[1].key == "dense-weights#1"
    assert variants["result-dtype"][0].answer == ("int32",)


def test_a_draw_takes_k_from_each_pool_and_is_repeatable_from_its_seed() -> None:
    bank = load_bank(SAMPLE)
    variants = expand(bank)
    first = [d.variant.key for d in draw(bank, variants, seed=11)]
    assert first == [d.variant.key for d in draw(bank, variants, seed=11)]
    assert len(first) == 3 and first[-1] == "scaled-relu"
    keys = {tuple(d.variant.key for d in draw(bank, variants, seed=s)) for s in range(30)}
    assert len(keys) > 5  # fresh samples for fresh seeds


def test_mulberry32_matches_the_reference_sequence() -> None:
    # The first outputs of the JavaScript Mulberry32 (`node`) seeded with 1.
    rng = Mulberry32(1)
    assert [rng.next_uint32() for _ in range(3)] == [2693262067, 11749833, 2265367787]


def test_marking_normalises_texts_and_tolerates_numbers() -> None:
    variants = expand(load_bank(SAMPLE))
    assert normalise_text("  `(None,  4)` ") == normalise_text("(None,4)") == "(none,4)"
    assert is_correct(variants["result-dtype"][0], " `INT32` ")
    assert is_correct(variants["dense-weights"][0], "15")
    assert not is_correct(variants["dense-weights"][0], "fifteen")
    assert is_correct(variants["trainable-kinds"][0], ["BatchNormalization gamma", "Dense"])
    assert not is_correct(variants["trainable-kinds"][0], ["Dense"])


def test_the_page_gets_salted_digests_not_answers() -> None:
    variant = expand(load_bank(SAMPLE))["default-dtype"][0]
    digests = answer_digests(variant, salt="pepper")
    assert digests == [digest("pepper", "default-dtype", "1")]  # float32 is choice 1
    assert "float32" not in "".join(digests)


def test_scores_decline_per_attempt_and_the_best_is_kept() -> None:
    assert attempt_score([True, True, False, True], attempt_number=1) == 0.75
    assert attempt_score([True] * 4, attempt_number=2) == pytest.approx(0.8)
    assert best_score([0.75, 0.6, 0.2]) == 0.75


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.quiz.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


HEAD = """\
quiz: broken
title: Broken
pools:
  - id: one
    questions:
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "      - id: q1\n        type: single\n        prompt: P\n"
            "        choices: [a, b]\n        answer: c\n",
            "broken.quiz.yaml:6 (question 'q1'): answer 'c' is not one of the choices",
        ),
        (
            "      - id: q1\n        type: essay\n        prompt: P\n",
            "broken.quiz.yaml:6 (question 'q1'): 'type' must be one of",
        ),
        (
            "      - id: q1\n        type: numeric\n        prompt: P\n        answer: ten\n",
            "broken.quiz.yaml:6 (question 'q1'): 'answer' must be a number",
        ),
        (
            "      - id: q1\n        type: text\n        prompt: P\n        answer: a\n"
            "      - id: q1\n        type: text\n        prompt: Q\n        answer: b\n",
            "broken.quiz.yaml:10 (question 'q1'): duplicate question id (first at line 6)",
        ),
        (
            "      - id: q1\n        type: text\n        promt: P\n        answer: a\n",
            "broken.quiz.yaml:6 (question 'q1'): unknown key 'promt'",
        ),
        (
            "      - id: q1\n        type: text\n        prompt: [P\n",
            "broken.quiz.yaml:9: not valid YAML",
        ),
        (
            "      - id: q1\n        type: numeric\n        prompt: P {{ n }}\n"
            "        parameters: {n: [1, 2]}\n"
            "        answer_code: |\n          answer = 1 / (n - 1)\n",
            "broken.quiz.yaml:6 (question 'q1'): answer_code failed for {'n': 1}: "
            "ZeroDivisionError",
        ),
        (
            "      - id: q1\n        type: code\n        prompt: P\n        starter: x = 1\n"
            "        solution: |\n          def f(:\n        public_checks: []\n",
            "broken.quiz.yaml:11 (question 'q1'): 'solution' is not valid Python",
        ),
    ],
)
def test_a_malformed_bank_names_file_line_and_question(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write(tmp_path, HEAD + body)
    with pytest.raises(BankError) as raised:
        expand(load_bank(path))
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path))
