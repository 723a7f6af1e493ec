"""Marking answers that need no code run: choices, numbers and short texts; and scores.

The page's JavaScript marks the same way from data this module prepares, so the terminal
and the browser accept the same answers: choices and texts are compared as salted hashes
of the same normalised text (see :func:`answer_digests`); a number must match
:data:`NUMBER_PATTERN` and fall within :func:`accepted_interval`, whose two ends the
``{quiz}`` directive writes into the page, so the page compares and computes nothing.
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

#: What counts as a number, in the terminal and (compiled by ``quiz.js``) on the page:
#: ASCII digits, a point, an exponent, spaces around. Python's ``float`` alone would also
#: take ``1_000``, ``nan`` and Arabic-Indic digits, and JavaScript's ``Number`` takes
#: ``0x10``: the pattern keeps the two to the same texts, and both parse those the same way.
NUMBER_PATTERN = r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*"
NUMBER_EXAMPLES = "12, -0.5 or 2.5e-3"
_NUMBER = re.compile(NUMBER_PATTERN)


def normalise_text(text: str) -> str:
    """Case, surrounding quotes and backticks, and spacing do not matter: ``(None,4)`` and
    `` `(None, 4)` `` are the same answer."""
    text = text.strip().strip("`'\"").strip().lower()
    text = " ".join(text.split())
    return _SPACE_BY_PUNCTUATION.sub(r"\1", text)


def parse_number(response: Any) -> float | None:
    """The number a response states, or None: text must match :data:`NUMBER_PATTERN`, and
    the number must be finite (``1e999`` is not)."""
    numeric = isinstance(response, int | float) and not isinstance(response, bool)
    if not numeric and not (isinstance(response, str) and _NUMBER.fullmatch(response)):
        return None
    number = float(response)
    return number if math.isfinite(number) else None


def accepted_interval(answer: float, tolerance: float) -> tuple[float, float]:
    """The numbers a numeric question accepts: every ``x`` with ``low <= x <= high``.

    The one definition of the tolerance: the terminal compares with these two floats, and
    the page compares with the same two, written into it at build time.

    >>> accepted_interval(10.0, 1.0)
    (9.0, 11.0)
    """
    return answer - tolerance, answer + tolerance


def is_correct(variant: Variant, response: Any) -> bool:
    """Whether `response` answers the variant: a choice text, a list of them, a number or text."""
    question = variant.question
    match question.type:
        case "single":
            return str(response) == variant.answer
        case "multiple":
            return set(map(str, response)) == set(variant.answer)
        case "numeric":
            number = parse_number(response)
            low, high = accepted_interval(variant.answer, question.tolerance)
            return number is not None and low <= number <= high
        case "text":
            return normalise_text(str(response)) in {normalise_text(a) for a in variant.answer}
    raise ValueError(f"{question.id}: {question.type} questions are graded by running code")


def answer_digests(variant: Variant, salt: str) -> list[str]:
    """Salted SHA-256 digests of every accepted, normalised answer, for the page (none for
    a numeric question: the page gets its :func:`accepted_interval`)."""
    question = variant.question
    match question.type:
        case "single":
            accepted = [str(variant.choices.index(variant.answer))]
        case "multiple":
            indices = sorted(variant.choices.index(answer) for answer in variant.answer)
            accepted = [",".join(map(str, indices))]
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
