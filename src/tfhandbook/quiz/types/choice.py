"""``single`` and ``multiple``: pick the right choice, or every right choice.

The two share everything but one flag, :attr:`ChoiceType.multiple`: one answer or a set,
radio buttons or checkboxes (``quiz-types/choice.js`` registers both renderers).

- bank: ``choices`` (at least two, all different) and ``answer``, copied verbatim from the
  choices (a list of them for ``multiple``);
- a response is the chosen text (``single``) or a list of them; only the exact set is right;
- the page compares the digest of the chosen indices in the bank's order (``"2"``, ``"0,2"``);
- the terminal lists the choices, numbered, and takes their numbers.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from tfhandbook.quiz.types.base import QuestionType, Refused, Terminal, shown

if TYPE_CHECKING:
    from collections.abc import Callable

    from tfhandbook.quiz.bank import BankError, BankReader, _Mapping
    from tfhandbook.quiz.types.base import Page
    from tfhandbook.quiz.variants import Variant

_CHOICE_NUMBER = re.compile(r"[0-9]{1,6}")


class ChoiceType(QuestionType):
    script = "quiz-types/choice.js"
    keys = frozenset({"choices", "answer"})
    what = "a choice question"
    multiple: ClassVar[bool]

    def read(self, reader: BankReader, node: _Mapping, question_id: str) -> dict[str, Any]:
        super().read(reader, node, question_id)
        choices = node.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise reader.fail(node, "'choices' must list at least two answers", question_id)
        choices = [str(choice) for choice in choices]
        if len(set(choices)) != len(choices):
            raise reader.fail(node, "'choices' contains the same answer twice", question_id)
        answer = node.get("answer")
        if "answer_code" in node:
            return {"choices": tuple(choices)}
        answers = answer if self.multiple and isinstance(answer, list) else [answer]
        if answer is None or (not self.multiple and isinstance(answer, list)):
            kind = "a list of choices" if self.multiple else "one of the choices, verbatim"
            raise reader.fail(node, f"'answer' must be {kind}", question_id)
        for item in answers:
            if str(item) not in choices:
                raise reader.fail(node, f"answer {item!r} is not one of the choices", question_id)
        value = tuple(str(item) for item in answers) if self.multiple else str(answer)
        return {"choices": tuple(choices), "answer": value}

    def check_record(self, record: dict[str, Any], index: int) -> None:
        choices = record.get("choices")
        if not (isinstance(choices, list) and all(isinstance(c, str) for c in choices)):
            raise ValueError(f"question {index} has no list of choices")

    def picked(self, record: dict[str, Any], text: str) -> list[str]:
        """The choices a typed line names by number, each once, in the order typed."""
        count = len(record["choices"])
        numbers: list[int] = []
        for part in text.replace(",", " ").split():
            if not _CHOICE_NUMBER.fullmatch(part):
                raise Refused(f"{shown(part)} is not the number of a choice")
            if not 1 <= int(part) <= count:
                raise Refused(f"{shown(part)} is not a choice (there are {count})")
            if int(part) not in numbers:
                numbers.append(int(part))
        return [record["choices"][number - 1] for number in numbers]

    def ask(self, record: dict[str, Any], terminal: Terminal) -> Any:
        for index, choice in enumerate(record["choices"], start=1):
            print(f"  {index}. {choice}")
        hint = "numbers separated by commas" if self.multiple else "one number"
        return terminal.until_accepted(f"Your answer ({hint}): ", partial(self.parse, record))

    def answer_html(self, variant: Variant, page: Page) -> str:
        answers = variant.answer if self.multiple else (variant.answer,)
        return ", ".join(page.inline(answer) for answer in answers)


class SingleChoice(ChoiceType):
    name = "single"
    multiple = False

    def computed_answer(
        self, answer: Any, choices: tuple[str, ...], wrong: Callable[[str], BankError]
    ) -> Any:
        if str(answer) not in choices:
            raise wrong(f"one of {list(choices)}")
        return str(answer)

    def is_correct(self, variant: Variant, response: Any) -> bool:
        return str(response) == variant.answer

    def accepted_texts(self, variant: Variant) -> list[str]:
        return [str(variant.choices.index(variant.answer))]

    def accepted(self, record: dict[str, Any]) -> str:
        return f"Enter one number from 1 to {len(record.get('choices') or ())}."

    def parse(self, record: dict[str, Any], text: str) -> Any:
        chosen = self.picked(record, text)
        if len(chosen) != 1:
            raise Refused(f"this question takes one choice, not {len(chosen)}")
        return chosen[0]


class MultipleChoice(ChoiceType):
    name = "multiple"
    multiple = True

    def computed_answer(
        self, answer: Any, choices: tuple[str, ...], wrong: Callable[[str], BankError]
    ) -> Any:
        if not isinstance(answer, list | tuple) or not set(map(str, answer)) <= set(choices):
            raise wrong(f"a list drawn from {list(choices)}")
        return tuple(str(item) for item in answer)

    def is_correct(self, variant: Variant, response: Any) -> bool:
        return set(map(str, response)) == set(variant.answer)

    def accepted_texts(self, variant: Variant) -> list[str]:
        indices = sorted(variant.choices.index(answer) for answer in variant.answer)
        return [",".join(map(str, indices))]

    def accepted(self, record: dict[str, Any]) -> str:
        count = len(record.get("choices") or ())
        return (
            f"Enter the number of every right choice, from 1 to {count}, separated by "
            "commas (such as 1,3)."
        )

    def parse(self, record: dict[str, Any], text: str) -> Any:
        return self.picked(record, text)


SINGLE = SingleChoice()
MULTIPLE = MultipleChoice()
