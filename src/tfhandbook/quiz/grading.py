"""Grading a coding answer: run it sandboxed, run the reference, compare outside both.

Three children run at once, each in an operating-system sandbox of its own
(:mod:`tfhandbook.quiz.sandbox`) and each on the same seed: the reference solution on every
check, the learner's code on the public checks, and the learner's code on the hidden
checks. Each child hands back the values its probes produced as JSON data; this module,
in the parent, decodes, checks and compares them. So a submission cannot pass by exiting
early, printing results or reading the bank (it is not in the sandbox), and a reply it
forges is read as data, never trusted to be well formed.

What the learner's code *can* do is replace anything in its own child: builtins, NumPy,
the probe runner, the encoder. So it can send any value it can predict without solving
the question (a flag, a count, a shape). A pass needs every check to agree, and the bank's
tests require each question to have a hidden value only a solution computes
(:func:`hard_to_guess`), which no such forgery produces.

What a learner reads comes from data the parent checks, never from text the hidden
checks' child wrote: a failed hidden check names the check, the value and how it is wrong
(dtype, number of dimensions, values), and the lines of the learner's own code an error
passed through, quoted from the parent's copy. The public checks' child never sees a
hidden check, so its messages may say more.

Values are compared strictly: the dtype and the exact shape are part of a value (a scalar
is not a 1-element vector, float64 is not float32) unless the question relaxes them with
``compare: {dtype: loose, shape: loose}``.

Outcomes:

- ``passed`` / ``failed``: the answer was graded; a failure says which check and why;
- ``not gradable``: a syntax error in the answer, no sandbox (bubblewrap missing), or a
  fault of the grader itself (the reference failing): no attempt is spent.
"""

from __future__ import annotations

import base64
import builtins
import json
import math
import re
import secrets
import signal
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfhandbook.python_imports import imported_names
from tfhandbook.quiz import sandbox
from tfhandbook.quiz.bank import Check, Question
from tfhandbook.quiz.sandbox import SandboxUnavailable
from tfhandbook.settings import CHECKOUT

#: Resource limits for every child; the wall-clock timeout comes from the question.
LIMITS = {"memory_mb": 4096, "file_mb": 16, "cpu_seconds": 120, "scratch_mb": 64}
#: The most a child may send back; more is treated as a failed run.
MAX_RESULT_BYTES = 32 * 2**20
#: The most JSON objects and arrays a child's reply may hold (a few per check are needed).
MAX_RESULT_CONTAINERS = 100_000
#: The whole environment of a child.
ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": sandbox.SCRATCH,
    "TMPDIR": sandbox.SCRATCH,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
}
#: Characters a message must not pass to the terminal: all controls but newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Relative and absolute tolerance for a check's literal ``expected`` values.
EXPECTED_RTOL = 1e-4
EXPECTED_ATOL = 1e-4
#: Exception names a hidden check's message may quote: anything else a learner's code
#: raises is "an exception", so a class named after a hidden input says nothing.
_KNOWN_ERRORS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
) | {
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OperatorNotAllowedInGraphError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "Refused",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
}
#: TensorFlow's and its libraries' start-up chatter on stderr: never part of a message.
_LOG_LINE = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ |WARNING: All log messages before absl|"
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |Fontconfig |To enable the following "
    r"instructions|oneDNN custom operations|This TensorFlow binary is optimized)"
)


@dataclass
class CheckResult:
    name: str
    hidden: bool
    passed: bool
    message: str = ""


@dataclass
class Grade:
    """The verdict on one submission."""

    status: str  # "passed", "failed" or "not gradable"
    summary: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def spends_attempt(self) -> bool:
        return self.status != "not gradable"


class ChildFailure(RuntimeError):
    """A child ended without handing back its values (timeout, crash, early exit)."""


@dataclass(frozen=True)
class Run:
    """One submission to run after a question's setup, and the probes to run on it."""

    setup: str
    code: str
    probes: tuple[Check, ...]


@dataclass(frozen=True)
class Comparison:
    """How two values are compared: tolerances, and whether dtype and shape must match."""

    rtol: float = 1e-5
    atol: float = 1e-6
    dtype: str = "strict"  # or "loose": any numeric dtypes, compared by value
    shape: str = "strict"  # or "loose": equal once dimensions of size 1 are dropped

    @classmethod
    def of(cls, question: Question) -> Comparison:
        return cls(question.rtol, question.atol, question.compare_dtype, question.compare_shape)


# -- running children ---------------------------------------------------------------------


def run_children(
    setup: str, submissions: list[str], probes: list[Check], seed: int, timeout: float
) -> list[dict[str, Any]]:
    """Run `submissions` of one question in ONE sandboxed child; what each produced.

    Untrusted code gets children of its own (see :func:`grade`); trusted code, such as a
    bank's reference and wrong solutions in the tests, may share one.
    """
    return run_child([Run(setup, code, tuple(probes)) for code in submissions], seed, timeout)


def run_child(runs: list[Run], seed: int, timeout: float) -> list[dict[str, Any]]:
    """Run `runs` in order in ONE sandboxed child and return what each produced."""
    (outcome,) = _run_jobs([runs], seed, [timeout], reveal=True)
    if isinstance(outcome, ChildFailure):
        raise outcome
    return outcome


def _run_jobs(
    jobs: list[list[Run]], seed: int, timeouts: list[float], reveal: bool | list[bool]
) -> list[list[dict[str, Any]] | ChildFailure]:
    """Run each job (a list of runs) in a sandboxed child of its own, all at once; each
    job's runs' results, or the :class:`ChildFailure` that ended it. With ``reveal`` false
    for a job, its failure does not quote anything the child wrote."""
    reveals = reveal if isinstance(reveal, list) else [reveal] * len(jobs)
    children, nonces = [], []
    for runs, timeout in zip(jobs, timeouts, strict=True):
        nonce = secrets.token_hex(8)
        job = {
            "runs": [
                {
                    "setup": run.setup,
                    "code": run.code,
                    "probes": [{"name": check.name, "probe": check.probe} for check in run.probes],
                }
                for run in runs
            ],
            "seed": seed,
            "nonce": nonce,
            "preload": sorted({module for run in runs for module in imported_modules(run.setup)}),
            "limits": {**LIMITS, "cpu_seconds": int(timeout) + 10},
        }
        children.append(
            sandbox.Child(
                argv=[sys.executable, "-I", "-m", "tfhandbook.quiz.sandbox_child", "{channel}"],
                stdin=json.dumps(job).encode(),
                timeout=timeout,
                environment=ENVIRONMENT,
                scratch_bytes=LIMITS["scratch_mb"] * 2**20,
                channel_bytes=MAX_RESULT_BYTES,
            )
        )
        nonces.append(nonce)
    outcomes = sandbox.run(children)
    results: list[list[dict[str, Any]] | ChildFailure] = []
    for outcome, nonce, child, shown, runs in zip(
        outcomes, nonces, children, reveals, jobs, strict=True
    ):
        try:
            results.append(_parsed(outcome, nonce, child.timeout, shown, len(runs)))
        except ChildFailure as error:
            results.append(error)
    return results


def imported_modules(setup: str) -> list[str]:
    """The top-level modules a question's setup imports: the child loads them before it
    locks itself down (TensorFlow included only where a question needs it)."""
    return sorted({name.split(".")[0] for name in imported_names(setup)})


def _well_formed(reply: Any, nonce: str, runs: int) -> bool:
    """Whether a child's reply has the shape the grader reads: the job's nonce, and one
    result per run, each an error or a list of probe results (each an error or values)."""
    if not isinstance(reply, dict) or reply.get("nonce") != nonce:
        return False
    results = reply.get("runs")
    if not isinstance(results, list) or len(results) != runs:
        return False
    for result in results:
        if not isinstance(result, dict):
            return False
        if "error" in result:
            if not _well_formed_error(result["error"]):
                return False
        elif not isinstance(result.get("probes"), list) or not all(
            isinstance(probe, dict)
            and (
                _well_formed_error(probe["error"])
                if "error" in probe
                else isinstance(probe.get("values"), dict)
            )
            for probe in result["probes"]
        ):
            return False
    return True


def _well_formed_error(error: Any) -> bool:
    lines = error.get("lines", []) if isinstance(error, dict) else None
    return isinstance(lines, list) and all(type(line) is int for line in lines)


def _parsed(
    outcome: sandbox.Outcome, nonce: str, timeout: float, reveal: bool, runs: int
) -> list[dict[str, Any]]:
    if outcome.timed_out:
        raise ChildFailure(f"did not finish within {timeout:.0f} s")
    if outcome.overflowed:
        raise ChildFailure("produced more output than the grader accepts")
    data = bytes(outcome.channel)
    # A child's JSON is a few containers per check; millions of tiny ones would make the
    # parent's memory grow a hundredfold, and deep nesting exhausts its recursion.
    if data.count(b"{") + data.count(b"[") <= MAX_RESULT_CONTAINERS:
        try:
            reply = json.loads(data)
        except (ValueError, RecursionError):
            reply = None
        if _well_formed(reply, nonce, runs):
            return reply["runs"]
    returncode = outcome.returncode
    # bubblewrap passes on a signal's death as the exit status 128 + signal.
    signum = -returncode if returncode and returncode < 0 else (returncode or 0) - 128
    if signum in {s.value for s in signal.Signals}:
        name = signal.Signals(signum).name
        # The status cannot tell a signal from os._exit(128 + N): say what it looks like.
        reason = {
            "SIGXCPU": "used more CPU time than allowed",
            "SIGKILL": "was killed (out of memory, or by SIGKILL)",
        }
        raise ChildFailure(f"{reason.get(name, f'crashed with {name}')} (exit status {returncode})")
    last = ""
    if reveal:
        lines = [line for line in outcome.stderr.text().splitlines() if line.strip()]
        lines = [line for line in lines if not _LOG_LINE.match(line)]
        last = f"; {_clean(lines[-1])[:200]}" if lines else ""
    raise ChildFailure(f"ended before the checks ran (exit status {returncode}{last})")


def _clean(text: str) -> str:
    """A message without the grader's own paths, and without control characters (an
    escape sequence in an exception's message could repaint the terminal as a pass)."""
    paths = {*sandbox.readable_paths(), sys.prefix, str(CHECKOUT)}
    for path in sorted(paths, key=len, reverse=True):
        text = text.replace(path, "<grader>")
    return _CONTROL.sub("?", text)


# -- decoding and comparing values --------------------------------------------------------


def decode(value: dict[str, Any]) -> Any:
    """The inverse of the child's ``encode``: text, None or a NumPy array. Anything a
    child could send that is not one of those raises ``ValueError``."""
    if not isinstance(value, dict):
        raise ValueError("not a value")
    match value.get("kind"):
        case "none":
            return None
        case "text":
            return str(value["value"])
        case "array":
            dtype = np.dtype(str(value["dtype"]))
            shape = value["shape"]
            if dtype.kind not in "biufc" or dtype.fields or dtype.subdtype:
                raise ValueError(f"dtype {dtype} is not a number")
            if not isinstance(shape, list) or not all(
                isinstance(size, int) and size >= 0 for size in shape
            ):
                raise ValueError("not a shape")
            data = base64.b64decode(value["data"])
            if len(data) != math.prod(shape) * dtype.itemsize:
                raise ValueError("the data does not fit the shape")
            return np.frombuffer(data, dtype=dtype).reshape(shape)
    raise ValueError(f"unknown value kind {value.get('kind')!r}")


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    return "text" if isinstance(value, str) else "an array of numbers"


def _shape(shape: tuple[int, ...]) -> str:
    return "a scalar (shape ())" if not shape else f"shape {tuple(shape)}"


def compare_values(
    key: str, want: Any, have: Any, comparison: Comparison, reveal: bool = True
) -> str:
    """An empty string if `have` matches `want`, else what differs, naming value `key`.
    With ``reveal=False`` (hidden checks) it says how the value is wrong, not what was
    expected: not the shape's sizes, not the values."""
    what = f"value {key!r}"
    if not isinstance(want, np.ndarray) or not isinstance(have, np.ndarray):
        if type(want) is not type(have):
            return f"{what}: expected {_kind(want)}, got {_kind(have)}"
        if want != have:
            if reveal:
                return f"{what}: expected {want!r:.60}, got {have!r:.60}"
            return f"{what}: not the expected text"
        return ""
    if comparison.dtype == "strict" and want.dtype != have.dtype:
        return f"{what}: expected dtype {want.dtype.name}, got {have.dtype.name}"
    if comparison.shape == "loose":
        want, have = np.squeeze(want), np.squeeze(have)
    if want.shape != have.shape:
        if reveal:
            return f"{what}: expected {_shape(want.shape)}, got {_shape(have.shape)}"
        if want.ndim != have.ndim:
            return f"{what}: expected {want.ndim} dimensions, got {have.ndim}"
        return f"{what}: wrong shape (the sizes of its dimensions differ)"
    if want.dtype.kind in "biu" and have.dtype.kind in "biu":
        agree = np.array_equal(want, have)
    else:
        agree = np.allclose(have, want, rtol=comparison.rtol, atol=comparison.atol, equal_nan=True)
    if agree:
        return ""
    if reveal:
        return f"{what}: expected {want.tolist()!r:.80}, got {have.tolist()!r:.80}"
    if want.dtype.kind in "biu" and have.dtype.kind in "biu":
        return f"{what}: wrong values (integers and booleans are compared exactly)"
    message = f"{what}: wrong values (beyond rtol {comparison.rtol:g}, atol {comparison.atol:g})"
    if want.dtype.kind in "fc" and np.isfinite(want).all() and not np.isfinite(have).all():
        message += "; yours contain NaN or infinity"
    return message


def compare(
    expected: dict[str, Any], got: dict[str, Any], comparison: Comparison, reveal: bool = True
) -> str:
    """An empty string if the encoded values `got` agree with `expected`, else what differs
    (the first difference)."""
    for key in expected:
        if key not in got:
            return f"value {key!r} is missing"
        message = compare_values(
            key, decode(expected[key]), decode(got[key]), comparison, reveal=reveal
        )
        if message:
            return message
    return ""


def literal_mismatch(check: Check, values: dict[str, Any]) -> str:
    """How the reference's encoded `values` differ from `check`'s literal ``expected``
    values, written in the bank; empty when they agree or the check has none."""
    rtol = EXPECTED_RTOL
    atol = EXPECTED_ATOL if check.tolerance is None else check.tolerance
    for key, literal in (check.expected or {}).items():
        if key not in values:
            return f"value {key!r} is missing"
        have = decode(values[key])
        dtype = None
        if isinstance(literal, dict):
            literal, dtype = literal["value"], literal.get("dtype")
        if isinstance(literal, str):
            message = compare_values(key, literal, have, Comparison())
        else:
            want = np.asarray(literal, dtype=np.float64 if dtype is None else np.dtype(dtype))
            loose = "loose" if dtype is None else "strict"
            if isinstance(have, np.ndarray) and dtype is None:
                have = have.astype(np.complex128 if have.dtype.kind == "c" else np.float64)
            message = compare_values(key, want, have, Comparison(rtol, atol, dtype=loose))
        if message:
            return message
    return ""


# -- grading ------------------------------------------------------------------------------


def grade(question: Question, code: str, seed: int | None = None) -> Grade:
    """Grade `code` against `question`'s public and hidden checks."""
    try:
        compile(code, "answer.py", "exec")
    except SyntaxError as error:
        return Grade("not gradable", f"answer.py line {error.lineno}: {error.msg}; nothing was run")
    seed = secrets.randbelow(2**31) if seed is None else seed
    public, hidden = list(question.public_checks), list(question.hidden_checks)
    jobs = [
        [Run(question.setup, question.solution, (*public, *hidden))],
        [Run(question.setup, code, tuple(public))],
        [Run(question.setup, code, tuple(hidden))],
    ]
    try:
        reference, mine, unseen = _run_jobs(
            jobs, seed, [question.timeout] * 3, reveal=[False, True, False]
        )
    except SandboxUnavailable as error:
        return Grade("not gradable", str(error))
    problem = _reference_problem(question, reference)
    if problem:
        return Grade("not gradable", f"{problem}; this is the grader's fault, please report it")
    assert not isinstance(reference, ChildFailure)
    wants = reference[0]["probes"]
    results = [
        *_results(question, code, public, wants[: len(public)], mine, hidden=False),
        *_results(question, code, hidden, wants[len(public) :], unseen, hidden=True),
    ]
    if isinstance(mine, ChildFailure):
        return Grade("failed", f"Your code {mine}.", results)
    if "error" in mine[0]:
        return Grade("failed", f"Your code raised {_error(mine[0]['error'], code, True)}.")
    failed = [result for result in results if not result.passed]
    if not failed:
        return Grade("passed", f"All {len(results)} checks passed.", results)
    return Grade("failed", f"{len(failed)} of {len(results)} checks failed.", results)


def _reference_problem(question: Question, reference: list[dict] | ChildFailure) -> str:
    """What is wrong with the reference's run, if anything: it must run every check and
    give the values written in the bank."""
    if isinstance(reference, ChildFailure):
        return f"the reference solution's run failed: it {reference}"
    (run,) = reference
    if "error" in run:
        return "the reference solution raised an error"
    checks = [*question.public_checks, *question.hidden_checks]
    for check, probe in zip(checks, run["probes"], strict=True):
        if "error" in probe:
            return f"the reference solution fails check {check.name!r}"
        if literal_mismatch(check, probe["values"]):
            return f"the reference solution disagrees with the bank's values for {check.name!r}"
    return ""


def _results(
    question: Question,
    code: str,
    checks: list[Check],
    wants: list[dict],
    got: list[dict] | ChildFailure,
    hidden: bool,
) -> list[CheckResult]:
    """The checks' verdicts on one of the learner's children."""
    if isinstance(got, ChildFailure):
        return [CheckResult(c.name, hidden, False, f"not run: your code {got}") for c in checks]
    try:
        (run,) = got
        if "error" in run:
            message = f"your code raised {_error(run['error'], code, not hidden)}"
            return [CheckResult(c.name, hidden, False, message) for c in checks]
        probes = run["probes"]
        if not isinstance(probes, list) or len(probes) != len(checks):
            raise ValueError("not one result per check")
        return [
            _check_result(check, hidden, want, probe, question, code)
            for check, want, probe in zip(checks, wants, probes, strict=True)
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        message = "your code's process sent values the grader cannot read"
        return [CheckResult(c.name, hidden, False, message) for c in checks]


def _check_result(
    check: Check, hidden: bool, want: dict, got: dict, question: Question, code: str
) -> CheckResult:
    if "error" in got:
        message = f"raised {_error(got['error'], code, not hidden)}"
    else:
        if not isinstance(got.get("values"), dict):
            raise ValueError("no values")
        message = compare(want["values"], got["values"], Comparison.of(question), not hidden)
    if message and hidden:
        message = f"on inputs you have not seen: {message}"
    return CheckResult(check.name, hidden, passed=not message, message=message)


def _error(error: Any, code: str, reveal: bool) -> str:
    """An error a child reported, told from data: with ``reveal`` its type and message,
    otherwise its type if it is a well-known one; then the lines of the learner's code it
    passed through, quoted from the parent's copy of that code."""
    if not isinstance(error, dict):
        raise ValueError("not an error")
    name = str(error.get("type", ""))
    if reveal:
        message = _clean(str(error.get("message", ""))).strip()
        lines = [line for line in message.splitlines() if not _LOG_LINE.match(line)]
        text = f"{name}: {' '.join(lines)[:300]}" if lines else name
    else:
        # The hidden child chose the line numbers it reports: quoting them would let code
        # that reads a hidden probe spell it out, line by line. Only its type is told.
        return name if name in _KNOWN_ERRORS else "an exception"
    source = code.splitlines()
    numbers = [n for n in error.get("lines", []) if isinstance(n, int) and 0 < n <= len(source)]
    where = "; ".join(f"line {n}: {source[n - 1].strip()}" for n in numbers[-3:])
    return f"{text} ({where})" if where else text


# -- verifying a bank's questions (the author's code, trusted) -----------------------------


@dataclass
class Verification:
    """What the tests learn about one coding question."""

    #: The wrong solutions that pass every check: a sound question has none.
    passing_wrong: list[str]
    #: Checks whose literal ``expected`` values the reference does not produce, each as
    #: ``(line in the bank, message)``.
    mismatches: list[tuple[int, str]]
    #: The hidden checks' values that only the solution can produce (see
    #: :func:`hard_to_guess`), as ``check: value``: a sound question has one at least.
    unguessable: list[str] = field(default_factory=list)
    #: The wrong solutions that only predictable values catch (a flag, a count): a
    #: forger that sends those values would make them pass. A sound question has none.
    forgeable_wrong: list[str] = field(default_factory=list)


def verify_question(question: Question, seed: int = 0) -> Verification:
    """For the bank's tests: run the reference and every wrong solution in ONE child (they
    are the author's, trusted code); which wrong solutions pass, and where the reference
    disagrees with the bank's literal values."""
    (verification,) = verify_questions([question], seed)
    return verification


def verify_questions(questions: list[Question], seed: int = 0) -> list[Verification]:
    """:func:`verify_question` for several questions at once, in order, all in ONE child:
    the book's questions pay for one TensorFlow import instead of one each. A failure names
    the question whose reference failed; a child that dies names none, so verify the
    questions one by one to find the culprit."""
    runs, timeout = [], 0.0
    for question in questions:
        checks = tuple([*question.public_checks, *question.hidden_checks])
        codes = [question.solution, *(wrong.code for wrong in question.wrong_solutions)]
        runs += [Run(question.setup, code, checks) for code in codes]
        timeout += question.timeout * len(codes)
    outcomes = iter(run_child(runs, seed, timeout))
    verifications = []
    for question in questions:
        reference = next(outcomes)
        wrongs = [next(outcomes) for _ in question.wrong_solutions]
        verifications.append(_verification(question, reference, wrongs))
    return verifications


def hard_to_guess(value: Any) -> bool:
    """Whether a reference value is one that code other than a solution cannot produce.

    The learner's code runs in the same process as the probes, so it can replace anything
    there (builtins, NumPy, the probe runner, the encoder) and send any value it can
    predict: a flag, a count, a shape, a dtype, a few small integers. It cannot predict
    what only the solution computes: a number with a fractional part, or many integers
    of several values (indices, labels). A question is sound only if at least one of its
    hidden checks has such a value, since every check must agree for a pass.
    """
    if not isinstance(value, np.ndarray) or value.size == 0:
        return False
    if value.dtype.kind in "fc":
        return not bool(np.all(np.round(value) == value))
    return value.size >= 4 and len(np.unique(value)) >= 3


def _verification(question: Question, reference: dict, wrongs: list[dict]) -> Verification:
    if "error" in reference or any("error" in probe for probe in reference["probes"]):
        raise ChildFailure(f"{question.id}: the reference solution fails: {reference}")
    checks = [*question.public_checks, *question.hidden_checks]
    mismatches = []
    for check, probe in zip(checks, reference["probes"], strict=True):
        message = literal_mismatch(check, probe["values"])
        if message:
            mismatches.append((check.line, f"check {check.name!r}: {message}"))
    comparison = Comparison.of(question)
    hidden = len(question.public_checks)
    passing, forgeable = [], []
    for wrong, outcome in zip(question.wrong_solutions, wrongs, strict=True):
        if "error" in outcome:
            continue
        # The reference values on which this wrong solution differs (all of a check's
        # values where it raises), and those of them in hidden checks: public outputs can
        # be written into an answer by hand, so only a hidden one can stop a forger.
        caught = [
            (index >= hidden, want["values"][key])
            for index, (want, got) in enumerate(
                zip(reference["probes"], outcome["probes"], strict=True)
            )
            for key in want["values"]
            if "error" in got or compare({key: want["values"][key]}, got["values"], comparison)
        ]
        if not caught:
            passing.append(wrong.name)
        elif not any(in_hidden and hard_to_guess(decode(value)) for in_hidden, value in caught):
            forgeable.append(wrong.name)
    unguessable = [
        f"{check.name}: {key}"
        for check, probe in zip(question.hidden_checks, reference["probes"][hidden:], strict=True)
        for key, value in probe["values"].items()
        if hard_to_guess(decode(value))
    ]
    return Verification(passing, mismatches, unguessable, forgeable)
