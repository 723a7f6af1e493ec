"""Marking answers that need no code run, through each question's type; and scores.

The page's JavaScript marks the same way from data the types prepare, so the terminal and
the browser accept the same answers: choices and texts are compared as salted hashes of the
same normalised text (see :func:`answer_digests`); a number is compared with the two ends
of its accepted interval (:mod:`~tfhandbook.quiz.types.numeric`), which the ``{quiz}``
directive writes into the page, so the page compares and computes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tfhandbook.quiz.types import REGISTRY
from tfhandbook.quiz.types.base import digest
from tfhandbook.quiz.types.numeric import NUMBER_PATTERN, accepted_interval, parse_number
from tfhandbook.quiz.types.text import normalise_text
from tfhandbook.quiz.variants import Variant

__all__ = [
    "ATTEMPT_DECAY",
    "NUMBER_PATTERN",
    "accepted_interval",
    "answer_digests",
    "attempt_score",
    "attempt_weight",
    "best_score",
    "digest",
    "is_correct",
    "normalise_text",
    "parse_number",
]

#: Each further attempt is worth this much less: 1.0, 0.8, 0.6, ... of the points.
ATTEMPT_DECAY = 0.2


def is_correct(variant: Variant, response: Any) -> bool:
    """Whether `response` answers the variant: a choice text, a list of them, a number or text."""
    return REGISTRY[variant.question.type].is_correct(variant, response)


def answer_digests(variant: Variant, salt: str) -> list[str]:
    """Salted SHA-256 digests of every accepted, normalised answer, for the page (none for
    a numeric question: the page gets its accepted interval)."""
    accepted = REGISTRY[variant.question.type].accepted_texts(variant)
    return [digest(salt, variant.key, answer) for answer in accepted]


def attempt_weight(attempt_number: int) -> float:
    """What attempt `attempt_number` (from 1) is worth: 1.0, 0.8, 0.6, ..., never below 0."""
    return max(0.0, 1.0 - ATTEMPT_DECAY * (attempt_number - 1))


def attempt_score(correct: Iterable[bool], attempt_number: int) -> float:
    """The fraction right, weighted down for later attempts (:func:`attempt_weight`)."""
    results = list(correct)
    if not results:
        return 0.0
    return attempt_weight(attempt_number) * sum(results) / len(results)


def best_score(scores: Iterable[float]) -> float:
    """A quiz's score never goes down: the best of its attempts."""
    return max(scores, default=0.0)
