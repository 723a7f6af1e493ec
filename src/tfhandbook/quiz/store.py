"""Where attempts are kept: one SQLite file in the user's data folder.

SQLite commits are atomic and durable, so a grader or terminal killed mid-write leaves the
store as it was before that write, never half-written. Each attempt keeps a snapshot of the
questions it drew (prompts, choices, answers), so an attempt in progress is finished against
the bank it started with, even if the bank changes meanwhile; the bank's fingerprint is
stored with it.

The folder is ``$TFHANDBOOK_DATA``, else ``$XDG_DATA_HOME/tfhandbook``, else
``~/.local/share/tfhandbook``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    quiz TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    number INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    questions TEXT NOT NULL,   -- JSON snapshot of the drawn questions
    answers TEXT NOT NULL,     -- JSON: question key -> response
    results TEXT,              -- JSON: question key -> true/false, once submitted
    score REAL,
    UNIQUE (quiz, number)
);
"""


def data_folder() -> Path:
    if folder := os.environ.get("TFHANDBOOK_DATA"):
        return Path(folder)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tfhandbook"


@dataclass
class Attempt:
    id: int
    quiz: str
    fingerprint: str
    number: int
    seed: int
    started: float
    finished: float | None
    questions: list[dict[str, Any]]
    answers: dict[str, Any]
    results: dict[str, bool] | None
    score: float | None

    @property
    def in_progress(self) -> bool:
        return self.finished is None


class Store:
    """Attempts on disk. Every change is one transaction."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_folder() / "progress.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.executescript(SCHEMA)

    def close(self) -> None:
        self.connection.close()

    def attempts(self, quiz: str | None = None) -> list[Attempt]:
        query = "SELECT * FROM attempts" + (" WHERE quiz = ?" if quiz else "") + " ORDER BY id"
        rows = self.connection.execute(query, (quiz,) if quiz else ()).fetchall()
        return [self._attempt(row) for row in rows]

    def current(self, quiz: str) -> Attempt | None:
        """The attempt in progress for `quiz`, if any."""
        return next((a for a in self.attempts(quiz) if a.in_progress), None)

    def start(self, quiz: str, fingerprint: str, seed: int, questions: list[dict]) -> Attempt:
        with self._transaction():
            number = (
                1
                + self.connection.execute(
                    "SELECT COUNT(*) FROM attempts WHERE quiz = ?", (quiz,)
                ).fetchone()[0]
            )
            self.connection.execute(
                "INSERT INTO attempts (quiz, fingerprint, number, seed, started, questions,"
                " answers) VALUES (?, ?, ?, ?, ?, ?, '{}')",
                (quiz, fingerprint, number, seed, time.time(), json.dumps(questions)),
            )
        return self.current(quiz)

    def save_answer(self, attempt: Attempt, key: str, response: Any) -> None:
        attempt.answers[key] = response
        with self._transaction():
            self.connection.execute(
                "UPDATE attempts SET answers = ? WHERE id = ? AND finished IS NULL",
                (json.dumps(attempt.answers), attempt.id),
            )

    def finish(self, attempt: Attempt, results: dict[str, bool], score: float) -> None:
        attempt.results, attempt.score, attempt.finished = results, score, time.time()
        with self._transaction():
            self.connection.execute(
                "UPDATE attempts SET results = ?, score = ?, finished = ? WHERE id = ?",
                (json.dumps(results), score, attempt.finished, attempt.id),
            )

    def export(self) -> dict[str, Any]:
        """Everything, as JSON-ready data (the format ``import_`` reads, and the page's)."""
        return {"format": "tfhandbook-progress/1", "attempts": [vars(a) for a in self.attempts()]}

    def import_(self, data: dict[str, Any]) -> int:
        """Add the attempts in `data` that are not here yet; return how many were added."""
        if data.get("format") != "tfhandbook-progress/1":
            raise ValueError("not a tfhandbook progress file (format tfhandbook-progress/1)")
        added = 0
        with self._transaction():
            for item in data["attempts"]:
                exists = self.connection.execute(
                    "SELECT 1 FROM attempts WHERE quiz = ? AND number = ?",
                    (item["quiz"], item["number"]),
                ).fetchone()
                if exists:
                    continue
                self.connection.execute(
                    "INSERT INTO attempts (quiz, fingerprint, number, seed, started, finished,"
                    " questions, answers, results, score) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        item["quiz"],
                        item["fingerprint"],
                        item["number"],
                        item["seed"],
                        item["started"],
                        item["finished"],
                        json.dumps(item["questions"]),
                        json.dumps(item["answers"]),
                        None if item["results"] is None else json.dumps(item["results"]),
                        item["score"],
                    ),
                )
                added += 1
        return added

    def _transaction(self) -> _Transaction:
        return _Transaction(self.connection)

    @staticmethod
    def _attempt(row: tuple) -> Attempt:
        (id_, quiz, fingerprint, number, seed, started, finished, questions, answers, results,
         score) = row  # fmt: skip
        return Attempt(
            id=id_,
            quiz=quiz,
            fingerprint=fingerprint,
            number=number,
            seed=seed,
            started=started,
            finished=finished,
            questions=json.loads(questions),
            answers=json.loads(answers),
            results=None if results is None else json.loads(results),
            score=score,
        )


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, *_: object) -> None:
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
