"""What a question type is: the hooks the engine calls, each with what it must do.

A type is an instance of a :class:`QuestionType` subclass, listed in the registry
(:data:`tfhandbook.quiz.types.REGISTRY`). The engine never asks which type a question is;
it looks the type up by name and calls its hooks:

==================  =========================================================================
hook                what it does, and who calls it
==================  =========================================================================
``keys``, ``read``  the bank keys the type takes and reading them into the fields of a
                    :class:`~tfhandbook.quiz.bank.Question`, with file-and-line errors
                    (:mod:`~tfhandbook.quiz.bank`)
``computed_answer`` checks what ``answer_code`` set ``answer`` to (:mod:`~tfhandbook.quiz.variants`)
``is_correct``      marks a response to a variant (:mod:`~tfhandbook.quiz.marking`)
``accepted_texts``  the normalised answers the page compares as salted digests
``record``          what an attempt stores of a drawn question (:mod:`~tfhandbook.quiz.session`)
``check_record``    whether a stored question can be marked (:mod:`~tfhandbook.quiz.store`)
``mark_record``     marks a stored response against the stored question
``accepted``,       the terminal: what it accepts, a typed line as a response, and asking
``parse``, ``ask``  (:mod:`~tfhandbook.quiz.cli`)
``page_data``,      the page: the variant's fields, the answer once it may be shown, settings
``answer_html``,    for the whole quiz (:mod:`tfhandbook.book.sphinxext.quiz`)
``page_settings``
``script``          the file under ``book/sphinxext/static/`` whose JavaScript registers the
                    type's renderer as ``tfhandbookQuizTypes[name]``
==================  =========================================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from tfhandbook.quiz.bank import Question

if TYPE_CHECKING:
    from tfhandbook.quiz.bank import BankError, BankReader, _Mapping
    from tfhandbook.quiz.sampling import DrawnQuestion
    from tfhandbook.quiz.variants import Variant

#: The longest answer the terminal takes, in characters; a longer line is refused.
MAX_ANSWER = 1000


class Refused(ValueError):
    """An answer the question does not accept; the message says why."""


def shown(text: str) -> str:
    """The learner's text in a refusal: short ones quoted, others not repeated."""
    return f"{text!r}" if len(text) <= 20 else "that"


def digest(salt: str, key: str, answer: str) -> str:
    """The salted SHA-256 of an accepted answer, as the page holds it (``quiz.js`` too)."""
    return hashlib.sha256(f"{salt}\x1f{key}\x1f{answer}".encode()).hexdigest()


class Terminal(Protocol):
    """What a type's :meth:`QuestionType.ask` may use in the terminal."""

    def until_accepted(self, prompt: str, parse: Callable[[str], Any]) -> Any:
        """Ask with `prompt` until `parse` (given the line, stripped and checked) accepts it."""
        ...

    def bank_question(self) -> Question:
        """The bank's question, read afresh (what a coding answer is graded against)."""
        ...


class Page(Protocol):
    """What a type's page hooks may use: the quiz, its salt, Markdown and obfuscation."""

    quiz: str
    salt: str

    def markdown(self, text: str) -> str:
        """`text` rendered as Markdown blocks."""
        ...

    def inline(self, text: str) -> str:
        """`text` rendered as inline Markdown."""
        ...

    def obfuscate(self, text: str, key: str) -> str:
        """`text` made unreadable until ``quiz.js`` reverses it with `key`."""
        ...


class QuestionType:
    """A question type. Subclasses set the class attributes and override the hooks."""

    #: The name a bank gives as ``type:``, and the key of the page's renderer.
    name: ClassVar[str]
    #: The JavaScript renderer, relative to ``book/sphinxext/static/``.
    script: ClassVar[str]
    #: The bank keys the type takes besides the common ones (``id``, ``prompt``, ...).
    keys: ClassVar[frozenset[str]] = frozenset()
    #: How bank errors name a question of this type: ``unknown key 'x' in a text question``.
    what: ClassVar[str]
    #: Graded by running the learner's code (``tfhandbook quiz grade``), not by marking.
    runs_code: ClassVar[bool] = False

    # ---- the bank
    def read(self, reader: BankReader, node: _Mapping, question_id: str) -> dict[str, Any]:
        """The :class:`~tfhandbook.quiz.bank.Question` fields this type reads from `node`.

        Check every key where it is read and raise ``reader.fail(node, message,
        question_id)`` for anything wrong. With ``answer_code`` in `node`, the answer comes
        from running it: leave it out."""
        reader.known_keys(node, reader.common_keys | self.keys, self.what, question_id)
        return {}

    def computed_answer(
        self, answer: Any, choices: tuple[str, ...], wrong: Callable[[str], BankError]
    ) -> Any:
        """The variant's answer from what ``answer_code`` gave (a plain Python value), or
        ``raise wrong("what was expected")``."""
        return answer

    # ---- marking
    def is_correct(self, variant: Variant, response: Any) -> bool:
        """Whether `response` (what the terminal or the page stores) answers `variant`."""
        raise NotImplementedError

    def accepted_texts(self, variant: Variant) -> list[str]:
        """Every accepted answer as the text the page hashes and compares; none by default."""
        return []

    # ---- the stored attempt
    def record(self, drawn: DrawnQuestion) -> dict[str, Any]:
        """What an attempt stores of the question besides key, id, type, prompt and
        explanation: enough to show and mark it later, whatever happens to the bank."""
        variant = drawn.variant
        answer = variant.answer
        return {
            "choices": drawn.shown_choices,
            "answer": list(answer) if isinstance(answer, tuple) else answer,
            "tolerance": variant.question.tolerance,
        }

    def check_record(self, record: dict[str, Any], index: int) -> None:
        """Raise ValueError, naming question `index`, if a stored record cannot be marked."""

    def mark_record(self, record: dict[str, Any], response: Any) -> bool:
        """Mark a stored response against the stored record (see :meth:`record`)."""
        # Imported here: variants looks types up in the registry, which imports this module.
        from tfhandbook.quiz.variants import Variant

        if response is None:
            return False
        stub = Question(
            id=record["id"],
            type=record["type"],
            prompt=record["prompt"],
            line=0,
            tolerance=record.get("tolerance", 0.0),
        )
        answer = record["answer"]
        answer = tuple(answer) if isinstance(answer, list) else answer
        variant = Variant(stub, 0, {}, record["prompt"], tuple(record["choices"]), answer)
        return self.is_correct(variant, response)

    # ---- the terminal
    def accepted(self, record: dict[str, Any]) -> str:
        """What the terminal accepts, as the learner is told after a refusal."""
        raise NotImplementedError

    def parse(self, record: dict[str, Any], text: str) -> Any:
        """The response to store for a typed line (stripped, checked for length and control
        characters); raise :class:`Refused` saying why it is not accepted."""
        return text

    def ask(self, record: dict[str, Any], terminal: Terminal) -> Any:
        """Show what the prompt does not (choices, starter code) and return the response."""
        return terminal.until_accepted("Your answer: ", lambda text: self.parse(record, text))

    # ---- the page
    def page_data(self, variant: Variant, page: Page) -> dict[str, Any]:
        """Fields the renderer needs beside key, type, prompt, choices and digests."""
        return {}

    def answer_html(self, variant: Variant, page: Page) -> str | None:
        """The answer as the page shows it once it may (None: nothing to show)."""
        return None

    def page_settings(self) -> dict[str, Any]:
        """Settings the renderer reads from the quiz's data, the same for every question."""
        return {}
