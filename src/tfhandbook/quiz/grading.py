"""Grading a coding answer: run it sandboxed, run the reference, compare outside both.

The learner's code and the reference solution run in separate child processes
(:mod:`tfhandbook.quiz.sandbox_child`) on the same probes and the same seed. Each child
hands back the values its probes produced as JSON data; this module compares them. So a
submission cannot pass by exiting early, printing results, or patching NumPy, TensorFlow
or the checker: none of that reaches the comparison, which happens here.

Outcomes:

- ``passed`` / ``failed``: the answer was graded; a failure says which check and why,
  without the hidden checks' inputs;
- ``not gradable``: a syntax error in the answer, or a fault of the grader itself (the
  reference failing): no attempt is spent.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import functools
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfhandbook.quiz.bank import Check, Question

#: Resource limits for every child; the wall-clock timeout comes from the question.
LIMITS = {"memory_mb": 4096, "file_mb": 16, "cpu_seconds": 120}
#: The most a child may send back; more is treated as a failed run.
MAX_RESULT_BYTES = 32 * 2**20


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


def run_children(
    setup: str, submissions: list[str], probes: list[Check], seed: int, timeout: float
) -> list[dict[str, Any]]:
    """Run `submissions` of one question in ONE sandboxed child; what each produced.

    Untrusted code gets a child of its own (see :func:`grade`); trusted code, such as a
    bank's reference and wrong solutions in the tests, may share one.
    """
    return run_child([Run(setup, code, tuple(probes)) for code in submissions], seed, timeout)


def run_child(runs: list[Run], seed: int, timeout: float) -> list[dict[str, Any]]:
    """Run `runs` in order in ONE sandboxed child and return what each produced."""
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
    with tempfile.TemporaryDirectory(prefix="tfhandbook-grade-") as folder:
        read_end, write_end = os.pipe()
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": folder,
            "TMPDIR": folder,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
        }
        command = [sys.executable, "-I", "-m", "tfhandbook.quiz.sandbox_child", str(write_end)]
        child = subprocess.Popen(
            command,
            cwd=folder,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(write_end,),
            start_new_session=True,  # its own process group, killed as a whole
        )
        os.close(write_end)
        received = bytearray()
        reader = threading.Thread(target=_receive, args=(read_end, received, child.pid))
        reader.start()
        try:
            _, stderr = child.communicate(json.dumps(job).encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            raise ChildFailure(f"did not finish within {timeout:.0f} s") from None
        finally:
            reader.join()
    return _parsed(bytes(received), nonce, child.returncode, stderr.decode(errors="replace"))


def _receive(descriptor: int, received: bytearray, group: int) -> None:
    """Read the child's values while it writes them: a pipe holds 64 KiB, and a child that
    fills it waits for a reader. Stop a child that sends more than the grader accepts."""
    with os.fdopen(descriptor, "rb") as channel:
        while chunk := channel.read(2**16):
            received += chunk
            if len(received) > MAX_RESULT_BYTES:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                return


def imported_modules(setup: str) -> list[str]:
    """The top-level modules a question's setup imports: the child loads them before it
    locks itself down (TensorFlow included only where a question needs it)."""
    modules = []
    for node in ast.walk(ast.parse(setup)):
        if isinstance(node, ast.Import):
            modules += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module.split(".")[0])
    return sorted(set(modules))


def _parsed(raw: bytes, nonce: str, returncode: int, stderr: str) -> list[dict[str, Any]]:
    if len(raw) > MAX_RESULT_BYTES:
        raise ChildFailure("produced more output than the grader accepts")
    try:
        data = json.loads(raw)
        if data["nonce"] != nonce:
            raise ValueError("nonce")
        return data["runs"]
    except (ValueError, KeyError, TypeError):
        pass
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name
        reason = {
            "SIGXCPU": "used more CPU time than allowed",
            "SIGKILL": "was killed (out of time or memory)",
        }
        raise ChildFailure(reason.get(name, f"crashed with {name}"))
    last = stderr.strip().splitlines()[-1:] or ["no output"]
    raise ChildFailure(f"ended before the checks ran (exit status {returncode}; {last[0]})")


def decode(value: dict[str, Any]) -> Any:
    """The inverse of the child's ``encode``: text, None or a NumPy array."""
    match value.get("kind"):
        case "none":
            return None
        case "text":
            return str(value["value"])
        case "array":
            data = base64.b64decode(value["data"])
            return np.frombuffer(data, dtype=np.dtype(value["dtype"])).reshape(value["shape"])
    raise ValueError(f"unknown value kind {value.get('kind')!r}")


def compare(
    expected: dict[str, Any], got: dict[str, Any], rtol: float, atol: float, reveal: bool = True
) -> str:
    """An empty string if the values agree, else what differs. With ``reveal=False`` (hidden
    checks) the message names the value and the kind of difference, not the values."""
    missing = sorted(set(expected) - set(got))
    if missing:
        return f"no value for {missing[0]!r}"
    for key in expected:
        want, have = decode(expected[key]), decode(got[key])
        if isinstance(want, np.ndarray) and isinstance(have, np.ndarray):
            if want.shape != have.shape:
                detail = f": {have.shape}, expected {want.shape}" if reveal else ""
                return f"{key!r} has the wrong shape{detail}"
            if not np.allclose(have, want, rtol=rtol, atol=atol, equal_nan=True):
                detail = (
                    f": {have.tolist()!r:.80}, expected {want.tolist()!r:.80}" if reveal else ""
                )
                return f"{key!r} has the wrong values{detail}"
        elif type(want) is not type(have) or want != have:
            detail = f": {have!r:.60}, expected {want!r:.60}" if reveal else ""
            return f"{key!r} is wrong{detail}"
    return ""


def grade(question: Question, code: str, seed: int | None = None) -> Grade:
    """Grade `code` against `question`'s public and hidden checks."""
    try:
        compile(code, "answer.py", "exec")
    except SyntaxError as error:
        return Grade("not gradable", f"answer.py line {error.lineno}: {error.msg}; nothing was run")
    seed = secrets.randbelow(2**31) if seed is None else seed
    checks = [*question.public_checks, *question.hidden_checks]
    hidden = [False] * len(question.public_checks) + [True] * len(question.hidden_checks)
    try:
        (reference,) = run_children(
            question.setup, [question.solution], checks, seed, question.timeout
        )
    except ChildFailure as error:
        return Grade("not gradable", f"the grader's reference run failed: {error}")
    if "error" in reference or any("error" in probe for probe in reference["probes"]):
        return Grade("not gradable", f"the reference solution fails its own checks: {reference}")
    try:
        (answer,) = run_children(question.setup, [code], checks, seed, question.timeout)
    except ChildFailure as error:
        return Grade("failed", f"Your code {error}.")
    if "error" in answer:
        return Grade("failed", f"Your code raised {answer['error']}.")
    results = [
        _check_result(check, is_hidden, want, got, question)
        for check, is_hidden, want, got in zip(
            checks, hidden, reference["probes"], answer["probes"], strict=True
        )
    ]
    failed = [result for result in results if not result.passed]
    if not failed:
        return Grade("passed", f"All {len(results)} checks passed.", results)
    return Grade("failed", f"{len(failed)} of {len(results)} checks failed.", results)


@functools.lru_cache(maxsize=64)
def _reference_run(
    setup: str, solution: str, checks: tuple[Check, ...], seed: int, timeout: float
) -> dict[str, Any]:
    """The reference solution's values for `seed`: the same for every submission."""
    (reference,) = run_children(setup, [solution], list(checks), seed, timeout)
    return reference


def _check_result(
    check: Check, hidden: bool, want: dict, got: dict, question: Question
) -> CheckResult:
    if "error" in got:
        message = got["error"]
    else:
        values = (want["values"], got["values"])
        message = compare(*values, question.rtol, question.atol, reveal=not hidden)
    if message and hidden:
        message = f"on inputs you have not seen: {message}"
    return CheckResult(check.name, hidden, passed=not message, message=message)


def verify_question(question: Question, seed: int = 0) -> dict[str, bool]:
    """For the bank's tests: run the reference and every wrong solution in ONE child (they
    are the author's, trusted code) and report which of them pass all checks.

    A sound question gives ``{"reference": True, <each wrong solution>: False}``.
    """
    (verdicts,) = verify_questions([question], seed)
    return verdicts


def verify_questions(questions: list[Question], seed: int = 0) -> list[dict[str, bool]]:
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
    verdicts = []
    for question in questions:
        reference = next(outcomes)
        wrongs = [next(outcomes) for _ in question.wrong_solutions]
        verdicts.append(_verdicts(question, reference, wrongs))
    return verdicts


def _verdicts(question: Question, reference: dict, wrongs: list[dict]) -> dict[str, bool]:
    if "error" in reference or any("error" in probe for probe in reference["probes"]):
        raise ChildFailure(f"{question.id}: the reference solution fails: {reference}")
    verdicts = {"reference": True}
    for wrong, outcome in zip(question.wrong_solutions, wrongs, strict=True):
        verdicts[wrong.name] = "error" not in outcome and all(
            "error" not in got
            and not compare(want["values"], got["values"], question.rtol, question.atol)
            for want, got in zip(reference["probes"], outcome["probes"], strict=True)
        )
    return verdicts
