"""``code``: write a function or class; graded by running it (:mod:`~tfhandbook.quiz.grading`).

- bank: ``starter``, ``solution``, ``setup``, ``public_checks`` and ``hidden_checks`` (each
  a ``probe`` that sets ``result``, with optional literal ``expected`` values),
  ``wrong_solutions``, ``rtol``/``atol``, ``compare`` and ``timeout``; no ``answer_code``;
- a response is the grader's verdict, ``{"status": "passed", "summary": ...}``: right when
  it passed;
- the page shows the starter code, the public checks and the command that grades an
  answer file; it marks the question with the learner's latest grade of it from the
  terminal or a notebook, imported from a progress file, while the question is graded
  as it was then (:func:`grading_fingerprint`; ``quiz-types/code.js``);
- the terminal takes the path of an answer file (or ``skip``) and grades it there.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tfhandbook.quiz.bank import BankError, Check, Question, WrongSolution
from tfhandbook.quiz.grading import Grade, grade
from tfhandbook.quiz.types.base import QuestionType, Refused, Terminal

if TYPE_CHECKING:
    from tfhandbook.quiz.bank import BankReader, _Mapping
    from tfhandbook.quiz.sampling import DrawnQuestion
    from tfhandbook.quiz.types.base import Page
    from tfhandbook.quiz.variants import Variant

#: The largest answer file a coding question reads.
MAX_ANSWER_FILE = 1_000_000


class CodeType(QuestionType):
    name = "code"
    script = "quiz-types/code.js"
    keys = frozenset(
        {
            "starter",
            "solution",
            "setup",
            "public_checks",
            "hidden_checks",
            "wrong_solutions",
            "rtol",
            "atol",
            "compare",
            "timeout",
        }
    )
    what = "a code question"
    runs_code = True

    def read(self, reader: BankReader, node: _Mapping, question_id: str) -> dict[str, Any]:
        super().read(reader, node, question_id)
        if "answer_code" in node or "parameters" in node:
            raise reader.fail(
                node, "code questions are graded by their checks: no answer_code", question_id
            )
        fields: dict[str, Any] = {
            "starter": reader.text(node, "starter", question_id),
            "solution": reader.text(node, "solution", question_id),
            "setup": reader.text(node, "setup", question_id, required=False),
            "rtol": reader.number(node, "rtol", 1e-5, question_id),
            "atol": reader.number(node, "atol", 1e-6, question_id),
            "timeout": reader.number(node, "timeout", 60.0, question_id),
        }
        fields["compare_dtype"], fields["compare_shape"] = comparison(reader, node, question_id)
        for key in ("starter", "solution", "setup"):
            reader.python(node, key, fields[key], question_id)
        for key, minimum in (("public_checks", 1), ("hidden_checks", 1)):
            fields[key] = tuple(
                Check(
                    name,
                    probe,
                    expected(reader, item, question_id),
                    tolerance(reader, item, question_id),
                    item.line,
                )
                for name, probe, item in named_code(
                    reader, node, key, "probe", minimum, question_id, {"expected", "tolerance"}
                )
            )
        fields["wrong_solutions"] = tuple(
            WrongSolution(name, code)
            for name, code, _ in named_code(reader, node, "wrong_solutions", "code", 0, question_id)
        )
        return fields

    def is_correct(self, variant: Variant, response: Any) -> bool:
        question = variant.question
        raise ValueError(f"{question.id}: {question.type} questions are graded by running code")

    def record(self, drawn: DrawnQuestion) -> dict[str, Any]:
        question = drawn.variant.question
        return {
            "starter": question.starter,
            "public_checks": [check.probe for check in question.public_checks],
        }

    def mark_record(self, record: dict[str, Any], response: Any) -> bool:
        return isinstance(response, dict) and response.get("status") == "passed"

    def accepted(self, record: dict[str, Any]) -> str:
        return "Enter the path of your answer file, or skip to leave the question unanswered."

    def ask(self, record: dict[str, Any], terminal: Terminal) -> Any:
        print("Starter code:\n" + record["starter"])

        def graded(text: str) -> Any:
            if text == "skip":
                return None
            code = answer_file(text)  # refused before anything is loaded or run
            verdict = grade(terminal.bank_question(), code)
            print_grade(verdict)
            if not verdict.spends_attempt:
                raise Refused("that answer could not be graded, so it spends nothing")
            return {"status": verdict.status, "summary": verdict.summary}

        return terminal.until_accepted("Path to your answer file (or skip): ", graded)

    def page_data(self, variant: Variant, page: Page) -> dict[str, Any]:
        question = variant.question
        return {
            "starter": question.starter,
            "publicChecks": [check.probe for check in question.public_checks],
            "command": f"nox -s quiz -- grade {page.quiz} {question.id} answer.py",
            "grade": {"question": question.id, "fingerprint": grading_fingerprint(question)},
        }


CODE = CodeType()


def grading_fingerprint(question: Question) -> str:
    """What a grade was given against: the question's id, reference, setup, checks and
    comparison rules. A stored grade counts on the page only while these are unchanged (a
    new starter or prompt does not change what passes)."""
    checks = [
        [check.name, check.probe, check.expected, check.tolerance]
        for check in (*question.public_checks, *question.hidden_checks)
    ]
    graded_by = [
        question.id, question.solution, question.setup, checks, question.rtol, question.atol,
        question.compare_dtype, question.compare_shape,
    ]  # fmt: skip
    text = json.dumps(graded_by, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def answer_file(text: str) -> str:
    """The text of the answer file the learner named; Refused if it cannot be graded."""
    path = Path(text).expanduser()
    if not path.is_file():
        raise Refused(f"there is no file at {path}")
    if path.stat().st_size > MAX_ANSWER_FILE:
        raise Refused(f"{path} is bigger than {MAX_ANSWER_FILE // 1000} kB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise Refused(f"{path} is not UTF-8 text") from error
    except OSError as error:
        raise Refused(f"{path} cannot be read ({error.strerror})") from error


def print_grade(verdict: Grade) -> None:
    print(f"{verdict.status.upper()}: {verdict.summary}")
    for check in verdict.checks:
        kind = "hidden" if check.hidden else "public"
        mark = "ok " if check.passed else "FAIL"
        print(f"  [{mark}] {kind} check '{check.name}' {check.message}".rstrip())


# ---- reading a coding question's checks from the bank
def comparison(reader: BankReader, node: _Mapping, question_id: str) -> tuple[str, str]:
    """``compare: {dtype: loose, shape: loose}``: what a question relaxes, if anything."""
    raw = node.get("compare", {})
    if not isinstance(raw, dict):
        raise reader.fail(node, "'compare' must be a mapping such as {dtype: loose}", question_id)
    reader.known_keys(raw, {"dtype", "shape"}, "'compare'", question_id)
    rules = []
    for aspect in ("dtype", "shape"):
        rule = raw.get(aspect, "strict")
        if rule not in ("strict", "loose"):
            raise reader.fail(
                raw,
                f"'compare' {aspect}: must be 'strict' or 'loose', got {rule!r}",
                question_id,
            )
        rules.append(rule)
    return rules[0], rules[1]


def expected(reader: BankReader, item: _Mapping, question_id: str) -> dict[str, Any] | None:
    """A check's literal values: numbers, nested lists of numbers, text, or
    ``{value: ..., dtype: float32}`` to fix the dtype too."""
    if "expected" not in item:
        return None
    raw = item["expected"]
    if not isinstance(raw, dict) or not raw:
        raise reader.fail(item, "'expected' must map value names to values", question_id)
    line = item.value_lines.get("expected", item.line)
    for key, value in raw.items():
        where = f"'expected' value {key!r}"
        if isinstance(value, dict):
            reader.known_keys(value, {"value", "dtype"}, where, question_id)
            if "value" not in value:
                raise BankError(reader.path, line, f"{where} needs a 'value'", question_id)
            dtype = value.get("dtype")
            try:
                if np.dtype(dtype).kind not in "biufc":
                    raise TypeError(dtype)
            except TypeError as error:
                message = f"{where}: 'dtype' must be a numeric dtype, got {dtype!r}"
                raise BankError(reader.path, line, message, question_id) from error
            value = value["value"]
        if isinstance(value, str):
            continue
        try:
            array = np.asarray(value)
        except ValueError as error:  # ragged
            message = f"{where} must be text, a number or a rectangular list of numbers"
            raise BankError(reader.path, line, message, question_id) from error
        if array.dtype.kind not in "biuf":
            message = f"{where} must be text, a number or a rectangular list of numbers"
            raise BankError(reader.path, line, message, question_id)
    return dict(raw)


def tolerance(reader: BankReader, item: _Mapping, question_id: str) -> float | None:
    if "tolerance" not in item:
        return None
    if "expected" not in item:
        raise reader.fail(item, "'tolerance' applies to 'expected' values: add them", question_id)
    return reader.number(item, "tolerance", 0.0, question_id)


def named_code(
    reader: BankReader,
    node: _Mapping,
    key: str,
    code_key: str,
    minimum: int,
    question_id: str,
    extra: frozenset[str] | set[str] = frozenset(),
) -> list[tuple[str, str, _Mapping]]:
    items = node.get(key, [])
    if not isinstance(items, list) or len(items) < minimum:
        raise reader.fail(node, f"{key!r} must list at least {minimum}", question_id)
    named = []
    for item in items:
        item = reader.mapping(item, f"an entry of {key!r}", question_id)
        reader.known_keys(item, {"name", code_key, *extra}, f"an entry of {key!r}", question_id)
        name = reader.text(item, "name", question_id)
        code = reader.text(item, code_key, question_id)
        reader.python(item, code_key, code, question_id)
        named.append((name, code, item))
    return named
