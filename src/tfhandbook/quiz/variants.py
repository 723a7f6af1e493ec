"""Parameterised questions: one variant per combination of parameter values, each with its
answer computed by running the question's ``answer_code`` on the installed TensorFlow.

```yaml
- id: dense-weights
  type: numeric
  prompt: How many weights does `Dense({{ units }})` create for inputs of width {{ width }}?
  parameters: {units: [3, 16], width: [4, 10]}
  answer_code: |
    layer = keras.layers.Dense(units)
    layer.build((None, width))
    answer = layer.count_params()
```

``answer_code`` runs with the parameters as variables and ``np``, ``tf`` and ``keras``
imported, and sets ``answer``. Questions without parameters may compute their answer too,
so that an answer quoting TensorFlow's behaviour is re-derived on every build.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from tfhandbook.quiz.bank import Bank, BankError, Question
from tfhandbook.quiz.source import compile_source
from tfhandbook.quiz.types import REGISTRY

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


@dataclass(frozen=True)
class Variant:
    """A question with its parameters filled in and its answer known."""

    question: Question
    index: int
    parameters: dict[str, Any]
    prompt: str
    choices: tuple[str, ...]
    answer: Any

    @property
    def key(self) -> str:
        """Identifies the variant within the bank: ``question-id`` or ``question-id#2``."""
        return (
            self.question.id if not self.question.parameters else f"{self.question.id}#{self.index}"
        )


def parameter_sets(question: Question) -> list[dict[str, Any]]:
    """Every combination of the question's parameter values, in a stable order."""
    names = list(question.parameters)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(question.parameters[name] for name in names))
    ]


def fill(template: str, parameters: dict[str, Any], bank: Bank, question: Question) -> str:
    """Replace ``{{ name }}`` placeholders; an unknown name is a bank error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parameters:
            raise BankError(
                bank.path, question.line, f"unknown placeholder {{{{ {name} }}}}", question.id
            )
        return str(parameters[name])

    return _PLACEHOLDER.sub(value, template)


def expand(bank: Bank) -> dict[str, list[Variant]]:
    """All variants of every question, keyed by question id, answers computed."""
    return {question.id: question_variants(bank, question) for question in bank.questions}


def question_variants(bank: Bank, question: Question) -> list[Variant]:
    variants = []
    for index, parameters in enumerate(parameter_sets(question)):
        choices = tuple(fill(choice, parameters, bank, question) for choice in question.choices)
        answer = question.answer
        if question.answer_code:
            answer = _checked_answer(
                bank, question, parameters, choices, _run(bank, question, parameters)
            )
        variants.append(
            Variant(
                question=question,
                index=index,
                parameters=parameters,
                prompt=fill(question.prompt, parameters, bank, question),
                choices=choices,
                answer=answer,
            )
        )
    return variants


def _run(bank: Bank, question: Question, parameters: dict[str, Any]) -> Any:
    import keras
    import numpy as np
    import tensorflow as tf

    namespace: dict[str, Any] = {"np": np, "tf": tf, "keras": keras, **parameters}
    try:
        exec(compile_source(question.answer_code, f"{bank.path}:{question.id}"), namespace)
    except Exception as error:
        raise BankError(
            bank.path,
            question.line,
            f"answer_code failed for {parameters or 'the question'}: "
            f"{type(error).__name__}: {error}",
            question.id,
        ) from error
    if "answer" not in namespace:
        raise BankError(bank.path, question.line, "answer_code must set 'answer'", question.id)
    return namespace["answer"]


def _checked_answer(
    bank: Bank,
    question: Question,
    parameters: dict[str, Any],
    choices: tuple[str, ...],
    answer: Any,
) -> Any:
    def wrong(expected: str) -> BankError:
        return BankError(
            bank.path,
            question.line,
            f"answer_code gave {answer!r} for {parameters or 'the question'}; expected {expected}",
            question.id,
        )

    if hasattr(answer, "numpy"):  # a scalar tensor
        answer = answer.numpy()
    if hasattr(answer, "item") and getattr(answer, "shape", ()) == ():  # a NumPy scalar
        answer = answer.item()
    if isinstance(answer, bytes):
        answer = answer.decode()
    kind = REGISTRY[question.type]
    if kind.runs_code:
        raise BankError(
            bank.path, question.line, f"{kind.name} questions take no answer_code", question.id
        )
    return kind.computed_answer(answer, choices, wrong)
