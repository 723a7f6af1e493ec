"""The question types, one module each, and the registry the engine finds them in.

Every other module of the engine, the ``{quiz}`` directive and ``quiz.js`` look a
question's type up here and call its hooks (:mod:`~tfhandbook.quiz.types.base`); none of
them names a type. Adding a type is its module, its renderer under
``book/sphinxext/static/quiz-types/`` and its line below (see "Adding a question type" in
``docs/appendix/writing-quizzes.md``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from tfhandbook.quiz.types import choice, code, numeric, text
from tfhandbook.quiz.types.base import QuestionType


class Registry(Mapping[str, QuestionType]):
    """The question types by name, in the order bank errors and the guide list them."""

    def __init__(self, *types: QuestionType) -> None:
        self._types: dict[str, QuestionType] = {}
        for kind in types:
            self.add(kind)

    def add(self, kind: QuestionType) -> None:
        if kind.name in self._types:
            raise ValueError(f"a question type named {kind.name!r} is registered already")
        self._types[kind.name] = kind

    def __getitem__(self, name: str) -> QuestionType:
        return self._types[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    @contextlib.contextmanager
    def registered(self, kind: QuestionType) -> Iterator[QuestionType]:
        """`kind` registered for the duration of a ``with`` block (tests, the guide)."""
        self.add(kind)
        try:
            yield kind
        finally:
            del self._types[kind.name]


REGISTRY = Registry(
    choice.SINGLE,
    choice.MULTIPLE,
    numeric.NUMERIC,
    text.TEXT,
    code.CODE,
)
