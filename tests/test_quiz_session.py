"""Attempts: drawn, resumed, limited, scored, stored crash-safely, exported and imported;
and the terminal quiz driven end to end."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tfhandbook.quiz import cli
from tfhandbook.quiz.session import (
    QuizError,
    load_quiz,
    may_reveal,
    part_bank,
    start_or_resume,
    submit,
)
from tfhandbook.quiz.store import Store

SAMPLE = Path(__file__).parent / "quiz" / "sample.quiz.yaml"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A docs folder with one part holding the sample bank (its coding pool removed, so
    these tests need no grader)."""
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


def right_answer(question: dict) -> object:
    """What a learner who knows would enter: a choice, a list of choices, a number, a text."""
    answer = question["answer"]
    return answer[0] if question["type"] == "text" else answer


def answer_all(store: Store, attempt, right: bool) -> None:
    for question in attempt.questions:
        store.save_answer(attempt, question["key"], right_answer(question) if right else "x")


def test_an_attempt_resumes_until_submitted_then_counts(docs: Path, store: Store) -> None:
    bank = load_quiz(docs, "sample")
    first = start_or_resume(store, bank, seed=5)
    assert start_or_resume(store, bank).id == first.id  # resumed, not redrawn
    answer_all(store, first, right=False)
    score, passed = submit(store, bank, first)
    assert (score, passed) == (0.0, False)
    assert not may_reveal(store, bank)
    second = start_or_resume(store, bank, seed=6)
    assert second.number == 2 and second.seed == 6
    answer_all(store, second, right=True)
    score, passed = submit(store, bank, second)
    assert passed and score == pytest.approx(0.8)  # full marks, second attempt
    assert may_reveal(store, bank)
    with pytest.raises(QuizError, match="all 2 attempts are used"):
        start_or_resume(store, bank)


def test_an_attempt_in_progress_survives_a_change_to_the_bank(docs: Path, store: Store) -> None:
    bank = load_quiz(docs, "sample")
    attempt = start_or_resume(store, bank, seed=5)
    path = docs / "part-one" / "sample.quiz.yaml"
    path.write_text(path.read_text().replace("float64]", "float64, bfloat16]"), "utf-8")
    changed = load_quiz(docs, "sample")
    assert changed.fingerprint != bank.fingerprint
    resumed = start_or_resume(store, changed)
    assert resumed.questions == attempt.questions and resumed.fingerprint == bank.fingerprint


def test_a_part_quiz_draws_one_question_per_pool_of_each_chapter(docs: Path) -> None:
    bank = part_bank(docs / "part-one")
    assert bank.quiz == "part:part-one"
    assert [pool.draw for pool in bank.pools] == [1]
    assert load_quiz(docs, "part:part-one").fingerprint == bank.fingerprint


def test_export_then_import_into_a_fresh_store(docs: Path, store: Store, tmp_path: Path) -> None:
    bank = load_quiz(docs, "sample")
    attempt = start_or_resume(store, bank, seed=5)
    answer_all(store, attempt, right=True)
    submit(store, bank, attempt)
    exported = json.loads(json.dumps(store.export()))
    fresh = Store(tmp_path / "other.sqlite3")
    assert fresh.import_(exported) == 1
    assert fresh.import_(exported) == 0  # already there
    assert fresh.attempts("sample")[0].results == store.attempts("sample")[0].results
    with pytest.raises(ValueError, match="not a tfhandbook progress file"):
        fresh.import_({"attempts": []})


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from tfhandbook.quiz.store import Store
store = Store(Path(sys.argv[1]))
attempt = store.current("sample")
store.connection.execute("BEGIN IMMEDIATE")
store.connection.execute("UPDATE attempts SET answers = 'half-writ' WHERE id = ?", (attempt.id,))
os.kill(os.getpid(), signal.SIGKILL)  # dies mid-transaction
"""


def test_a_process_killed_mid_write_loses_no_stored_attempt(docs: Path, tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    store = Store(path)
    bank = load_quiz(docs, "sample")
    attempt = start_or_resume(store, bank, seed=5)
    store.save_answer(attempt, attempt.questions[0]["key"], "float32")
    store.close()
    child = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], check=False)
    assert child.returncode == -signal.SIGKILL
    reopened = Store(path)
    (kept,) = reopened.attempts("sample")
    assert kept.answers == {attempt.questions[0]["key"]: "float32"}


def test_the_terminal_quiz_end_to_end(docs: Path, store: Store, capsys) -> None:
    bank = load_quiz(docs, "sample")
    questions = start_or_resume(store, bank, seed=5).questions
    replies = []
    for question in questions:
        answer = right_answer(question)
        if question["type"] in ("single", "multiple"):
            chosen = answer if isinstance(answer, list) else [answer]
            replies.append(",".join(str(question["choices"].index(a) + 1) for a in chosen))
        else:
            replies.append(str(answer))
    args = cli.argparse.Namespace(docs=docs, quiz="sample")
    assert cli.take(args, store, ask=lambda prompt: replies.pop(0)) == 0
    out = capsys.readouterr().out
    assert "attempt 1 of 2" in out and "Score 100% (passed)" in out
    assert "Answers and explanations:" in out
    assert cli.main(["--docs", str(docs), "quiz", "history"]) == 0
    assert "sample" in capsys.readouterr().out


def test_the_command_line_reports_an_unknown_quiz(docs: Path, store: Store, capsys) -> None:
    assert cli.main(["--docs", str(docs), "quiz", "take", "nope"]) == 1
    assert "no quiz 'nope'; the quizzes are: sample" in capsys.readouterr().err
