"""``numeric``: a number, right within an absolute tolerance.

- bank: a number ``answer`` and an optional ``tolerance`` (0 by default);
- a response is text (or a number) that must match :data:`NUMBER_PATTERN` and fall within
  :func:`accepted_interval`;
- the page holds no digest: it gets the pattern (in the quiz's settings) and the
  interval's two ends, obfuscated, and ``quiz-types/numeric.js`` compares with those, so the
  terminal and the page accept the same texts.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from tfhandbook.quiz.types.base import QuestionType, Refused, shown

if TYPE_CHECKING:
    from collections.abc import Callable

    from tfhandbook.quiz.bank import BankError, BankReader, _Mapping
    from tfhandbook.quiz.types.base import Page
    from tfhandbook.quiz.variants import Variant

#: What counts as a number, in the terminal and (compiled by ``numeric.js``) on the page:
#: ASCII digits, a point, an exponent, spaces around. Python's ``float`` alone would also
#: take ``1_000``, ``nan`` and Arabic-Indic digits, and JavaScript's ``Number`` takes
#: ``0x10``: the pattern keeps the two to the same texts, and both parse those the same way.
NUMBER_PATTERN = r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*"
NUMBER_EXAMPLES = "12, -0.5 or 2.5e-3"
_NUMBER = re.compile(NUMBER_PATTERN)


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


def accept_key(salt: str, key: str) -> str:
    """The key a variant's accepted interval is obfuscated with (``numeric.js`` too)."""
    return f"{salt}:{key}:accept"


def _finite(value: Any) -> bool:
    """A finite number, and not True or False."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class NumericType(QuestionType):
    name = "numeric"
    script = "quiz-types/numeric.js"
    keys = frozenset({"answer", "tolerance"})
    what = "a numeric question"

    def read(self, reader: BankReader, node: _Mapping, question_id: str) -> dict[str, Any]:
        super().read(reader, node, question_id)
        tolerance = reader.number(node, "tolerance", 0.0, question_id)
        answer = node.get("answer")
        if "answer_code" in node:
            return {"tolerance": tolerance}
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise reader.fail(node, "'answer' must be a number", question_id)
        return {"answer": float(answer), "tolerance": tolerance}

    def computed_answer(
        self, answer: Any, choices: tuple[str, ...], wrong: Callable[[str], BankError]
    ) -> Any:
        if not _finite(answer):
            raise wrong("a finite number")
        return float(answer)

    def is_correct(self, variant: Variant, response: Any) -> bool:
        number = parse_number(response)
        low, high = accepted_interval(variant.answer, variant.question.tolerance)
        return number is not None and low <= number <= high

    def check_record(self, record: dict[str, Any], index: int) -> None:
        if not (_finite(record.get("answer")) and _finite(record.get("tolerance", 0.0))):
            raise ValueError(f"question {index} has no numeric answer and tolerance")

    def accepted(self, record: dict[str, Any]) -> str:
        return f"Enter a number, such as {NUMBER_EXAMPLES}."

    def parse(self, record: dict[str, Any], text: str) -> Any:
        if parse_number(text) is None:
            raise Refused(f"{shown(text)} is not a number")
        return text

    def page_data(self, variant: Variant, page: Page) -> dict[str, Any]:
        # numeric.js compares with these two floats, nothing else
        interval = accepted_interval(variant.answer, variant.question.tolerance)
        return {"accept": page.obfuscate(json.dumps(interval), accept_key(page.salt, variant.key))}

    def answer_html(self, variant: Variant, page: Page) -> str:
        tolerance = variant.question.tolerance
        return f"{variant.answer:g}" + (f" (± {tolerance:g})" if tolerance else "")

    def page_settings(self) -> dict[str, Any]:
        return {"numberPattern": NUMBER_PATTERN}


NUMERIC = NumericType()
