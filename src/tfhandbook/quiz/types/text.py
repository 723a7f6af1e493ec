"""``text``: a short text answer, one of a list of accepted texts.

- bank: ``answer``, a text or a list of accepted texts;
- :func:`normalise_text` decides what is the same answer: case, surrounding quotes and
  backticks, and spacing around punctuation do not matter;
- the page compares the digest of the normalised response (``quiz-types/text.js``
  normalises the same way).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tfhandbook.quiz.types.base import MAX_ANSWER, QuestionType

if TYPE_CHECKING:
    from collections.abc import Callable

    from tfhandbook.quiz.bank import BankError, BankReader, _Mapping
    from tfhandbook.quiz.types.base import Page
    from tfhandbook.quiz.variants import Variant

_SPACE_BY_PUNCTUATION = re.compile(r"\s*([()\[\]{},:=*+\-/<>])\s*")


def normalise_text(text: str) -> str:
    """Case, surrounding quotes and backticks, and spacing do not matter: ``(None,4)`` and
    `` `(None, 4)` `` are the same answer."""
    text = text.strip().strip("`'\"").strip().lower()
    text = " ".join(text.split())
    return _SPACE_BY_PUNCTUATION.sub(r"\1", text)


class TextType(QuestionType):
    name = "text"
    script = "quiz-types/text.js"
    keys = frozenset({"answer"})
    what = "a text question"

    def read(self, reader: BankReader, node: _Mapping, question_id: str) -> dict[str, Any]:
        super().read(reader, node, question_id)
        answer = node.get("answer")
        if "answer_code" in node:
            return {}
        answers = answer if isinstance(answer, list) else [answer]
        if not answers or not all(isinstance(item, str | int) and str(item) for item in answers):
            raise reader.fail(
                node, "'answer' must be text or a list of accepted texts", question_id
            )
        return {"answer": tuple(str(item) for item in answers)}

    def computed_answer(
        self, answer: Any, choices: tuple[str, ...], wrong: Callable[[str], BankError]
    ) -> Any:
        answers = answer if isinstance(answer, list | tuple) else [answer]
        if not answers or not all(isinstance(item, str) and item for item in answers):
            raise wrong("text or a list of texts")
        return tuple(answers)

    def is_correct(self, variant: Variant, response: Any) -> bool:
        return normalise_text(str(response)) in {normalise_text(a) for a in variant.answer}

    def accepted_texts(self, variant: Variant) -> list[str]:
        return sorted({normalise_text(answer) for answer in variant.answer})

    def accepted(self, record: dict[str, Any]) -> str:
        return f"Enter a short text answer (at most {MAX_ANSWER} characters)."

    def answer_html(self, variant: Variant, page: Page) -> str:
        return page.inline(variant.answer[0])


TEXT = TextType()
