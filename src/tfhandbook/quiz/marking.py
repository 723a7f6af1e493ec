"""Marking answers that need no code run: choices, numbers and short texts; and scores.

The same normalisation runs in the page's JavaScript, where answers are compared as salted
hashes (see :func:`answer_digests`), so the terminal and the browser accept the same texts.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from typing import Any

from tfhandbook.quiz.variants import Variant

#: Each further attempt is worth this much less: 1.0, 0.8, 0.6, ... of the points.
ATTEMPT_DECAY = 0.2

_SPACE_BY_PUNCTUATION = re.compile(r"\s*([()\[\]{},:=*+\-/<>])\s*")


def normalise_text(text: str) -> str:
    """Case, surrounding quotes and backticks, and spacing do not matter: ``(None,4)`` and
    `` `(None, 4)` `` are the same answer."""
    text = text.strip().strip("`'\"").strip().lower()
    text = " ".join(text.split())
    return _SPACE_BY_PUNCTUATION.sub(r"\1", text)


def canonical_number(value: float, tolerance: float) -> str:
    """The number as the page hashes it: on a grid of step `tolerance`, or exactly."""
    if tolerance > 0:  # rounds halves up, as the page's Math.round does
        return str(math.floor(value / tolerance + 0.5))
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def is_correct(variant: Variant, response: Any) -> bool:
    """Whether `response` answers the variant: a choice text, a list of them, a number or text."""
    question = variant.question
    match question.type:
        case "single":
            return str(response) == variant.answer
        case "multiple":
            return set(map(str, response)) == set(variant.answer)
        case "numeric":
            try:
                number = float(response)
            except (TypeError, ValueError):
                return False
            return math.isfinite(number) and abs(number - variant.answer) <= question.tolerance
        case "text":
            return normalise_text(str(response)) in {normalise_text(a) for a in variant.answer}
    raise ValueError(f"{question.id}: {question.type} questions are graded by running code")


def answer_digests(variant: Variant, salt: str) -> list[str]:
    """Salted SHA-256 digests of every accepted, normalised answer, for the page."""
    question = variant.question
    match question.type:
        case "single":
            accepted = [str(variant.choices.index(variant.answer))]
        case "multiple":
            indices = sorted(variant.choices.index(answer) for answer in variant.answer)
            accepted = [",".join(map(str, indices))]
        case "numeric":
            tolerance = question.tolerance
            if tolerance > 0:  # the grid points within the tolerance of the answer
                centre = int(canonical_number(variant.answer, tolerance))
                accepted = [str(centre + step) for step in (-1, 0, 1)]
            else:
                accepted = [canonical_number(variant.answer, 0)]
        case "text":
            accepted = sorted({normalise_text(answer) for answer in variant.answer})
        case _:
            return []
    return [digest(salt, variant.key, answer) for answer in accepted]


def digest(salt: str, key: str, answer: str) -> str:
    return hashlib.sha256(f"{salt}\x1f{key}\x1f{answer}".encode()).hexdigest()


def attempt_score(correct: Iterable[bool], attempt_number: int) -> float:
    """The fraction right, weighted down for later attempts (1.0, 0.8, 0.6, ...)."""
    results = list(correct)
    if not results:
        return 0.0
    weight = max(0.0, 1.0 - ATTEMPT_DECAY * (attempt_number - 1))
    return weight * sum(results) / len(results)


def best_score(scores: Iterable[float]) -> float:
    """A quiz's score never goes down: the best of its attempts."""
    return max(scores, default=0.0)
