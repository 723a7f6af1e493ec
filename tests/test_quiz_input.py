"""Answers typed in the terminal: what a question does not accept is never stored, the
learner is told what is accepted and asked again; end of input and Ctrl-C stop cleanly."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from tfhandbook.quiz import cli
from tfhandbook.quiz.session import load_quiz, start_or_resume
from tfhandbook.quiz.store import Store

SAMPLE = Path(__file__).parent / "quiz" / "sample.quiz.yaml"

SINGLE = {"key": "s", "type": "single", "prompt": "?", "choices": ["a", "b", "c", "d"]}
MULTIPLE = {**SINGLE, "key": "m", "type": "multiple"}
NUMERIC = {"key": "n", "type": "numeric", "prompt": "?", "answer": 10.0, "tolerance": 1.0}
TEXT = {"key": "t", "type": "text", "prompt": "?", "answer": ["int32"]}

TEN_MB = "7" * 10_000_000
HOSTILE = ["", "   ", TEN_MB, "\x1b[2J2", "2\x00", "\u202e2", "2\x7f", "\ud800"]


def scripted(*replies: str):
    """An `ask` that gives `replies` in turn, then ends the input."""
    replies_left = list(replies)
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        if not replies_left:
            raise EOFError
        return replies_left.pop(0)

    ask.prompts = prompts
    return ask


def answer(question: dict, *replies: str, capsys) -> tuple[object, str]:
    ask = scripted(*replies)
    result = cli.ask_question(question, "quiz", Path("docs"), ask)
    return result, capsys.readouterr().out


@pytest.mark.parametrize(
    "reply", ["9", "0", "-1", "1,2", "a", "1.0", "\u00b2", "\u0662", "99999999999", *HOSTILE]
)
def test_a_choice_not_on_the_list_is_asked_again(reply: str, capsys) -> None:
    result, out = answer(SINGLE, reply, "2", capsys=capsys)
    assert result == "b"
    assert out.count("Not accepted:") == 1 and "Enter one number from 1 to 4." in out
    assert len(out) < 2000  # a hostile answer is not echoed back


def test_a_choice_out_of_range_says_so(capsys) -> None:
    _, out = answer(SINGLE, "9", "1", capsys=capsys)
    assert "Not accepted: '9' is not a choice (there are 4). Enter one number from 1 to 4." in out


@pytest.mark.parametrize("reply", ["1,9", "1 x", "0", "", TEN_MB, "1,\x1b"])
def test_multiple_choices_must_all_be_on_the_list(reply: str, capsys) -> None:
    result, out = answer(MULTIPLE, reply, "3, 1,3", capsys=capsys)
    assert result == ["c", "a"]
    assert out.count("Not accepted:") == 1 and "separated by commas (such as 1,3)" in out


@pytest.mark.parametrize(
    "reply",
    ["abc", "1_0", "0x0A", "nan", "inf", "1e999", "\u0661\u0660", "10 0", "", TEN_MB, "1\x0b0"],
)
def test_a_numeric_answer_must_be_a_number(reply: str, capsys) -> None:
    result, out = answer(NUMERIC, reply, " 10.5 ", capsys=capsys)
    assert result == "10.5"
    assert out.count("Not accepted:") == 1 and "Enter a number, such as 12, -0.5 or 2.5e-3." in out


@pytest.mark.parametrize("reply", HOSTILE)
def test_a_text_answer_must_be_short_plain_text(reply: str, capsys) -> None:
    result, out = answer(TEXT, reply, "`int32`", capsys=capsys)
    assert result == "`int32`" and out.count("Not accepted:") == 1


def test_a_coding_answer_names_a_file_that_is_there(capsys, tmp_path: Path) -> None:
    code = {"key": "c", "id": "c", "type": "code", "prompt": "?", "starter": "def f(): ..."}
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe")
    result, out = answer(
        code, "", str(tmp_path / "missing.py"), str(tmp_path), str(tmp_path / "binary.py"),
        "skip", capsys=capsys,
    )  # fmt: skip
    assert result is None  # skipped on purpose, after four refusals
    assert out.count("Not accepted:") == 4 and "there is no file at" in out
    assert "is not UTF-8 text" in out


def test_input_that_never_gives_an_answer_stops_the_quiz(capsys) -> None:
    ask = scripted(*["9"] * 100)
    with pytest.raises(cli.GaveUp, match="No acceptable answer in 20 tries"):
        cli.ask_question(SINGLE, "quiz", Path("docs"), ask)
    assert len(ask.prompts) == cli.MAX_TRIES


def test_piped_input_is_read_a_bounded_line_at_a_time() -> None:
    stream = io.BytesIO(b"9" * 10_000_000 + b"\n\xff\xfe\nx\r\n2\n")
    tracemalloc.start()
    with pytest.raises(cli.Unreadable, match="longer than 1000 characters"):
        cli.read_answer("> ", stream)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000  # the 10 MB line was skipped, never held
    with pytest.raises(cli.Unreadable, match="not UTF-8"):
        cli.read_answer("> ", stream)
    assert cli.read_answer("> ", stream) == "x"
    assert cli.read_answer("> ", stream) == "2"
    with pytest.raises(EOFError):
        cli.read_answer("> ", stream)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """The sample bank without its coding pool."""
    part = tmp_path / "docs" / "part-one"
    part.mkdir(parents=True)
    text = SAMPLE.read_text(encoding="utf-8")
    (part / "sample.quiz.yaml").write_text(text[: text.index("  - id: coding")], "utf-8")
    return tmp_path / "docs"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TFHANDBOOK_DATA", str(tmp_path / "data"))
    store = Store()
    yield store
    store.close()


def a_right_reply(question: dict) -> str:
    answer = question["answer"]
    if question["type"] in ("single", "multiple"):
        chosen = answer if isinstance(answer, list) else [answer]
        return ",".join(str(question["choices"].index(a) + 1) for a in chosen)
    return str(answer[0] if question["type"] == "text" else answer)


@pytest.mark.parametrize("stop", [EOFError, KeyboardInterrupt])
def test_end_of_input_or_ctrl_c_stops_keeping_what_was_stored(
    stop: type[BaseException], docs: Path, store: Store, capsys
) -> None:
    bank = load_quiz(docs, "sample")
    questions = start_or_resume(store, bank, seed=5).questions
    replies = iter(["", "\x1b", a_right_reply(questions[0]), "9" * 2000])

    def ask(prompt: str) -> str:
        reply = next(replies, None)
        if reply is None:
            raise stop
        return reply

    args = cli.argparse.Namespace(docs=docs, quiz="sample")
    assert cli.take(args, store, ask) == 130
    out = capsys.readouterr().out
    assert f"Stopped: 1 of {len(questions)} answers are saved, nothing half-done." in out
    (attempt,) = store.attempts("sample")
    assert attempt.in_progress and list(attempt.answers) == [questions[0]["key"]]
    # Resumed, it asks only what is left, and the refused replies were never stored.
    rest = [a_right_reply(q) for q in questions[1:]]
    assert cli.take(args, store, lambda prompt: rest.pop(0)) == 0
    assert "Score 100% (passed)" in capsys.readouterr().out


def test_hostile_piped_input_stores_nothing(docs: Path, store: Store, tmp_path: Path) -> None:
    """The real command, its stdin a pipe: an empty line, a 10 MB line, bytes that are not
    UTF-8, control characters, then the end of input."""
    bank = load_quiz(docs, "sample")
    questions = start_or_resume(store, bank, seed=5).questions
    stdin = b"\n" + b"x" * 10_000_000 + b"\n\xff\xfe\xfd\n\x1b[2J\x07\n"
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tfhandbook.quiz.cli",
            "--docs",
            str(docs),
            "quiz",
            "take",
            "sample",
        ],
        input=stdin,
        capture_output=True,
        env={**os.environ, "TFHANDBOOK_DATA": str(tmp_path / "data")},
        check=False,
    )
    out = child.stdout.decode()
    assert child.returncode == 130, child.stderr.decode()
    assert out.count("Not accepted:") == 4 and f"Stopped: 0 of {len(questions)} answers" in out
    assert len(out) < 5000 and b"Traceback" not in child.stderr
    (attempt,) = store.attempts("sample")
    assert attempt.answers == {} and attempt.in_progress
