"""Question banks: the YAML format, its schema, and errors that name file, line and question.

A bank sits beside its chapter (``custom-losses.md`` has ``custom-losses.quiz.yaml``)::

    quiz: custom-losses            # stable id; attempts are stored under it
    title: Custom loss functions
    attempts: 3                    # optional, default 3
    pass_mark: 0.7                 # optional, fraction of the points
    pools:
      - id: reduction
        draw: 2                    # each attempt draws 2 of this pool's questions
        questions:
          - id: default-reduction  # stable: renaming it orphans stored answers
            type: single           # single | multiple | numeric | text | code (quiz/types/)
            prompt: What does ...
            choices: [...]
            answer: the correct choice, verbatim
            explanation: Shown after a pass or the last attempt.

See ``docs/appendix/writing-quizzes.md`` for every question type.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: The keys every question takes, whatever its type.
COMMON_KEYS = frozenset({"id", "type", "prompt", "explanation", "parameters", "answer_code"})
DEFAULT_ATTEMPTS = 3
DEFAULT_PASS_MARK = 0.7


class BankError(ValueError):
    """A malformed bank: the message names the file, the line and, when known, the question."""

    def __init__(self, path: Path | str, line: int | None, message: str, question: str = ""):
        self.path, self.line, self.question = Path(path), line, question
        where = f"{path}:{line}" if line else str(path)
        about = f" (question {question!r})" if question else ""
        super().__init__(f"{where}{about}: {message}")


class _Mapping(dict):
    """A YAML mapping that remembers the line it starts on and each value's line (1-based)."""

    line: int = 0
    value_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Mapping:
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        duplicates = {key for key in keys if keys.count(key) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {sorted(duplicates)[0]!r}", node.start_mark
            )
        mapping = _Mapping(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        values = [value for _, value in node.value]
        mapping.value_lines = {
            str(key): value.start_mark.line + 1 for key, value in zip(keys, values, strict=True)
        }
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


@dataclass(frozen=True)
class Check:
    """A probe: code run after the learner's code that sets ``result`` to a dict of values.

    ``expected`` holds literal values written in the bank, which the reference solution
    must produce (to ``tolerance``, absolute, or the grader's default): a second source of
    truth, so a wrong reference cannot go unnoticed.
    """

    name: str
    probe: str
    expected: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    tolerance: float | None = None
    line: int = 0


@dataclass(frozen=True)
class WrongSolution:
    """A plausible mistake the checks must catch; the tests grade each one."""

    name: str
    code: str


@dataclass(frozen=True)
class Question:
    """One question as authored. Parameterised questions are expanded by
    :func:`tfhandbook.quiz.variants.expand`; ``answer`` may come from ``answer_code``."""

    id: str
    type: str
    prompt: str
    line: int
    explanation: str = ""
    choices: tuple[str, ...] = ()
    answer: Any = None
    tolerance: float = 0.0
    parameters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    answer_code: str = ""
    # code questions
    starter: str = ""
    solution: str = ""
    setup: str = ""
    public_checks: tuple[Check, ...] = ()
    hidden_checks: tuple[Check, ...] = ()
    wrong_solutions: tuple[WrongSolution, ...] = ()
    rtol: float = 1e-5
    atol: float = 1e-6
    compare_dtype: str = "strict"
    compare_shape: str = "strict"
    timeout: float = 60.0
    #: What a question type reads that fits none of the fields above, by its own names.
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pool:
    id: str
    draw: int
    questions: tuple[Question, ...]
    line: int


@dataclass(frozen=True)
class Bank:
    quiz: str
    title: str
    path: Path
    pools: tuple[Pool, ...]
    attempts: int = DEFAULT_ATTEMPTS
    pass_mark: float = DEFAULT_PASS_MARK
    fingerprint: str = ""

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for pool in self.pools for question in pool.questions)

    @property
    def draw_total(self) -> int:
        return sum(pool.draw for pool in self.pools)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"{self.quiz} has no question {question_id!r}")


def load_bank(path: Path | str) -> Bank:
    """Read and validate the bank at `path`; raise :class:`BankError` on any problem."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise BankError(path, line, f"not valid YAML: {error.problem or error}") from error
    return BankReader(path).bank(data, fingerprint=fingerprint(text))


def fingerprint(text: str) -> str:
    """A short, stable digest of a bank's text: progress is stored under it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class BankReader:
    """Turns the loaded YAML into dataclasses, checking each field where it is read.

    Each question type reads its own keys (:meth:`QuestionType.read
    <tfhandbook.quiz.types.base.QuestionType.read>`) with the helpers here."""

    common_keys = COMMON_KEYS

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: Any, message: str, question: str = "") -> BankError:
        return BankError(self.path, getattr(node, "line", None), message, question)

    def mapping(self, node: Any, what: str, question: str = "") -> _Mapping:
        if not isinstance(node, dict):
            raise self.fail(node, f"{what} must be a mapping, got {type(node).__name__}", question)
        return node

    def known_keys(self, node: _Mapping, allowed: set[str], what: str, question: str = "") -> None:
        unknown = sorted(set(node) - allowed)
        if unknown:
            raise self.fail(node, f"unknown key {unknown[0]!r} in {what}", question)

    def text(self, node: _Mapping, key: str, question: str = "", required: bool = True) -> str:
        value = node.get(key, None)
        if value is None:
            if required:
                raise self.fail(node, f"missing {key!r}", question)
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(node, f"{key!r} must be non-empty text", question)
        return value

    def number(self, node: _Mapping, key: str, default: float, question: str = "") -> float:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(node, f"{key!r} must be a non-negative number", question)
        return float(value)

    def bank(self, data: Any, fingerprint: str) -> Bank:
        data = self.mapping(data, "the bank")
        allowed = {"quiz", "title", "attempts", "pass_mark", "pools"}
        self.known_keys(data, allowed, "the bank")
        attempts = data.get("attempts", DEFAULT_ATTEMPTS)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise self.fail(data, "'attempts' must be a whole number of at least 1")
        pass_mark = self.number(data, "pass_mark", DEFAULT_PASS_MARK)
        if not 0 < pass_mark <= 1:
            raise self.fail(data, "'pass_mark' must be a fraction in (0, 1]")
        pools_node = data.get("pools")
        if not isinstance(pools_node, list) or not pools_node:
            raise self.fail(data, "'pools' must be a non-empty list of pools")
        pools = tuple(self.pool(node) for node in pools_node)
        seen: dict[str, Question] = {}
        for question in (q for pool in pools for q in pool.questions):
            if question.id in seen:
                raise BankError(
                    self.path,
                    question.line,
                    f"duplicate question id (first at line {seen[question.id].line})",
                    question.id,
                )
            seen[question.id] = question
        return Bank(
            quiz=self.slug(data, "quiz"),
            title=self.text(data, "title"),
            path=self.path,
            pools=pools,
            attempts=attempts,
            pass_mark=pass_mark,
            fingerprint=fingerprint,
        )

    def slug(self, node: _Mapping, key: str, question: str = "") -> str:
        value = self.text(node, key, question)
        if not all(part.isalnum() for part in value.replace("-", " ").replace("_", " ").split()):
            raise self.fail(node, f"{key!r} must be letters, digits, '-' and '_'", question)
        if " " in value:
            raise self.fail(node, f"{key!r} must not contain spaces", question)
        return value

    def pool(self, node: Any) -> Pool:
        node = self.mapping(node, "a pool")
        self.known_keys(node, {"id", "draw", "questions"}, "a pool")
        pool_id = self.slug(node, "id")
        questions_node = node.get("questions")
        if not isinstance(questions_node, list) or not questions_node:
            raise self.fail(node, f"pool {pool_id!r} needs a non-empty list of 'questions'")
        questions = tuple(self.question(q) for q in questions_node)
        draw = node.get("draw", len(questions))
        if isinstance(draw, bool) or not isinstance(draw, int) or not 1 <= draw <= len(questions):
            raise self.fail(
                node, f"pool {pool_id!r}: 'draw' must be between 1 and {len(questions)}"
            )
        return Pool(id=pool_id, draw=draw, questions=questions, line=node.line)

    def question(self, node: Any) -> Question:
        node = self.mapping(node, "a question")
        question_id = self.slug(node, "id")
        # Imported here: the type modules build on this module's dataclasses.
        from tfhandbook.quiz.types import REGISTRY

        kind = node.get("type")
        if kind not in REGISTRY:
            raise self.fail(node, f"'type' must be one of {', '.join(REGISTRY)}", question_id)
        fields = REGISTRY[kind].read(self, node, question_id)
        parameters = self.parameters(node, question_id)
        return Question(
            id=question_id,
            type=kind,
            prompt=self.text(node, "prompt", question_id),
            line=node.line,
            explanation=self.text(node, "explanation", question_id, required=False),
            parameters=parameters,
            answer_code=self.text(node, "answer_code", question_id, required=False),
            **fields,
        )

    def parameters(self, node: _Mapping, question_id: str) -> dict[str, tuple[Any, ...]]:
        raw = node.get("parameters", {})
        raw = self.mapping(raw, "'parameters'", question_id)
        parameters = {}
        for name, values in raw.items():
            if not (isinstance(name, str) and name.isidentifier()):
                raise self.fail(raw, f"parameter name {name!r} must be an identifier", question_id)
            if not isinstance(values, list) or not values:
                raise self.fail(raw, f"parameter {name!r} needs a list of values", question_id)
            parameters[name] = tuple(values)
        if parameters and not node.get("answer_code"):
            raise self.fail(node, "parameterised questions need 'answer_code'", question_id)
        return parameters

    def python(self, node: _Mapping, key: str, code: str, question_id: str) -> None:
        """Author code must at least compile; report the line inside the bank file."""
        try:
            compile(code, f"{self.path}:{question_id}:{key}", "exec")
        except SyntaxError as error:
            # A block scalar (`|`) ends with a newline and starts on the line after its key's.
            first_line = node.value_lines.get(key, node.line) + code.endswith("\n")
            line = first_line + (error.lineno or 1) - 1
            message = f"{key!r} is not valid Python: {error.msg}"
            raise BankError(self.path, line, message, question_id) from error


def bank_path_for(chapter: Path) -> Path:
    """Where a chapter's bank lives: beside it, named after it."""
    return chapter.with_suffix(".quiz.yaml")
