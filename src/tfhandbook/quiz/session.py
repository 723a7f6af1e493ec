"""Taking a quiz, independent of how questions are shown: banks found on disk, attempts
started, resumed, answered and submitted against the store, with the attempt limit.

A part-level quiz (``part:custom-models``) draws one question from every pool of every
chapter bank in the part's folder.
"""

from __future__ import annotations

import importlib.resources
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from tfhandbook.quiz.bank import Bank, Pool, Question, fingerprint, load_bank
from tfhandbook.quiz.grading import Grade, grade
from tfhandbook.quiz.marking import attempt_score
from tfhandbook.quiz.sampling import DrawnQuestion, draw
from tfhandbook.quiz.store import WAY_OUT, Attempt, Store, StoreError
from tfhandbook.quiz.types import REGISTRY
from tfhandbook.quiz.types.code import answer_file, grading_fingerprint, print_grade
from tfhandbook.quiz.variants import Variant, expand

PART_PREFIX = "part:"


class QuizError(RuntimeError):
    """Something the learner asked for that cannot be done (unknown quiz, no attempts left)."""


def bank_folder(checkout_docs: Path = Path("docs")) -> Path:
    """Where the banks are: a checkout's ``docs/`` when there is one (the author's copy,
    edited in place), else the copies installed with the package (``tfhandbook/banks``)."""
    if any(checkout_docs.glob("*/*.quiz.yaml")):
        return checkout_docs
    return Path(str(importlib.resources.files("tfhandbook") / "banks"))


def find_banks(docs: Path) -> dict[str, Path]:
    """Chapter banks under `docs`, by quiz id."""
    return {load_bank(path).quiz: path for path in sorted(docs.rglob("*.quiz.yaml"))}


def part_bank(folder: Path, title: str = "") -> Bank:
    """A quiz over a whole part: one question from each pool of each chapter bank."""
    banks = [load_bank(path) for path in sorted(folder.glob("*.quiz.yaml"))]
    if not banks:
        raise QuizError(f"no question banks in {folder}")
    pools = tuple(
        Pool(id=f"{bank.quiz}/{pool.id}", draw=1, questions=pool.questions, line=pool.line)
        for bank in banks
        for pool in bank.pools
    )
    text = "".join(bank.fingerprint for bank in banks)
    return replace(
        banks[0],
        quiz=f"{PART_PREFIX}{folder.name}",
        title=title or f"Part quiz: {folder.name}",
        path=folder,
        pools=pools,
        fingerprint=fingerprint(text),
    )


def load_quiz(docs: Path, quiz: str) -> Bank:
    if quiz.startswith(PART_PREFIX):
        return part_bank(docs / quiz.removeprefix(PART_PREFIX))
    banks = find_banks(docs)
    if quiz not in banks:
        raise QuizError(f"no quiz {quiz!r}; the quizzes are: {', '.join(sorted(banks))}")
    return load_bank(banks[quiz])


def snapshot(drawn: DrawnQuestion) -> dict[str, Any]:
    """What an attempt keeps of a question: enough to show and mark it later, whatever
    happens to the bank meanwhile."""
    variant: Variant = drawn.variant
    question = variant.question
    data: dict[str, Any] = {
        "key": variant.key,
        "id": question.id,
        "type": question.type,
        "prompt": variant.prompt,
        "explanation": question.explanation,
    }
    return {**data, **REGISTRY[question.type].record(drawn)}


def finished_attempts(store: Store, bank: Bank) -> list[Attempt]:
    return [attempt for attempt in store.attempts(bank.quiz) if not attempt.in_progress]


def start_or_resume(store: Store, bank: Bank, seed: int | None = None) -> Attempt:
    """The attempt in progress, or a new one with a fresh draw if any attempts are left.

    Not while the store is damaged where this quiz's attempts are: the damaged row may be
    the attempt in progress, or a used attempt, and a fresh draw would hide it."""
    if damage := store.damage_for(bank.quiz):
        lines = "\n".join(f"  {item}" for item in damage)
        raise StoreError(f"cannot take {bank.quiz}: the store is damaged:\n{lines}\n{WAY_OUT}")
    if current := store.current(bank.quiz):
        return current
    used = len(finished_attempts(store, bank))
    if used >= bank.attempts:
        raise QuizError(f"{bank.quiz}: all {bank.attempts} attempts are used")
    seed = secrets.randbelow(2**32) if seed is None else seed
    questions = [snapshot(drawn) for drawn in draw(bank, expand(bank), seed)]
    return store.start(bank.quiz, bank.fingerprint, seed, questions)


def mark(question: dict[str, Any], response: Any) -> bool:
    """Mark a response against an attempt's snapshot of the question."""
    return REGISTRY[question["type"]].mark_record(question, response)


def submit(store: Store, bank: Bank, attempt: Attempt) -> tuple[float, bool]:
    """Mark every question, store the result; return the score and whether it passed."""
    results = {q["key"]: mark(q, attempt.answers.get(q["key"])) for q in attempt.questions}
    score = attempt_score(results.values(), attempt.number)
    store.finish(attempt, results, score)
    return score, passed(bank, results)


def passed(bank: Bank, results: dict[str, bool]) -> bool:
    return bool(results) and sum(results.values()) / len(results) >= bank.pass_mark


def coding_question(docs: Path, quiz: str, question_id: str) -> Question:
    """The coding question `question_id` of `quiz`; QuizError naming the coding questions
    there are if it is not one."""
    bank = load_quiz(docs, quiz)
    coding = [q.id for q in bank.questions if REGISTRY[q.type].runs_code]
    try:
        question = bank.question(question_id)
    except KeyError:
        question = None
    if question is None or question.id not in coding:
        kind = f"a {question.type} question" if question else "not a question"
        raise QuizError(
            f"{quiz}: {question_id!r} is {kind} there; its coding questions are: "
            f"{', '.join(coding) or 'none'}"
        )
    return question


def grade_answer(
    store: Store, docs: Path, quiz: str, question_id: str, path: Path, via: str
) -> Grade:
    """Grade the answer file at `path` (refused, saying why, if it is missing, too big or
    not UTF-8 text), print the verdict and keep it in `store` when it spends an attempt;
    what ``tfhandbook quiz grade`` and a notebook's grading cell (`via`) both run."""
    question = coding_question(docs, quiz, question_id)
    if store.problem:  # say so before the learner waits for a verdict that cannot be kept
        raise StoreError(f"{store.problem}. Nothing was graded. {WAY_OUT}")
    verdict = grade(question, answer_file(str(path)))
    print_grade(verdict)
    if verdict.spends_attempt:
        graded_as = grading_fingerprint(question)
        store.record_grade(quiz, question.id, graded_as, verdict.status, verdict.summary, via)
    return verdict


def may_reveal(store: Store, bank: Bank) -> bool:
    """Answers and explanations only after a pass or once the last attempt is used."""
    done = finished_attempts(store, bank)
    return len(done) >= bank.attempts or any(passed(bank, a.results or {}) for a in done)
