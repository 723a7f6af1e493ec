"""Where attempts are kept: one SQLite file in the user's data folder.

SQLite commits are atomic and durable, so a grader or terminal killed mid-write leaves the
store as it was before that write, never half-written. Each attempt keeps a snapshot of the
questions it drew (prompts, choices, answers), so an attempt in progress is finished against
the bank it started with, even if the bank changes meanwhile; the bank's fingerprint is
stored with it. Beside the attempts, the store keeps every graded coding answer (a
:class:`GradeRecord`, from ``tfhandbook quiz grade`` or a notebook's grading cell): the page
imports them, so a coding question graded outside the browser counts in its score.

A damaged store never blocks the rest. Every row is read and checked on its own: a row
that cannot be read (bad JSON, bad UTF-8, a value of the wrong kind, a page of the file
that is gone) is left out and named in :attr:`Store.damage` with the file and the row;
the good rows still list and export. A file that is not a database at all, a truncated one
(its rows are read from what is left), or one written by a newer version of the handbook
(read, never written) is reported the same way. :func:`repair` keeps a backup copy and
writes a fresh store with every row that could be read, in one atomic rename.

The folder is ``$TFHANDBOOK_DATA``, else ``$XDG_DATA_HOME/tfhandbook``, else
``~/.local/share/tfhandbook``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sqlite3
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfhandbook.quiz.types import REGISTRY

#: The layout this version reads and writes, kept in the file's ``PRAGMA user_version``.
SCHEMA_VERSION = 2  # 2 added the grades table; a schema 1 file gains it when opened

COLUMNS = (
    "id", "quiz", "fingerprint", "number", "seed", "started", "finished", "questions",
    "answers", "results", "score",
)  # fmt: skip

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
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY,
    quiz TEXT NOT NULL,         -- the quiz it was graded from: a chapter's or a part's
    question TEXT NOT NULL,     -- the question's id in its bank
    fingerprint TEXT NOT NULL,  -- the question as graded (types.code.grading_fingerprint)
    status TEXT NOT NULL,       -- 'passed' or 'failed'
    summary TEXT NOT NULL,
    graded REAL NOT NULL,
    via TEXT NOT NULL,          -- 'terminal' or 'notebook'
    UNIQUE (question, fingerprint, graded)
);
"""

GRADE_COLUMNS = ("id", "quiz", "question", "fingerprint", "status", "summary", "graded", "via")
TABLES = {"attempts": COLUMNS, "grades": GRADE_COLUMNS}
#: The verdicts a store keeps: an answer that could not be graded spends nothing.
GRADE_STATUSES = ("passed", "failed")

EXPORT_FORMAT = "tfhandbook-progress/1"

#: What a learner can do about a damaged store; every report of damage ends with it.
WAY_OUT = (
    "Run `tfhandbook quiz repair` (`nox -s quiz -- repair` in a checkout): it keeps a backup "
    "copy of the store and writes a fresh one with every attempt that can be read."
)

_SQLITE_MAGIC = b"SQLite format 3\x00"


def data_folder() -> Path:
    if folder := os.environ.get("TFHANDBOOK_DATA"):
        return Path(folder)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tfhandbook"


def default_path() -> Path:
    return data_folder() / "progress.sqlite3"


class StoreError(RuntimeError):
    """The store cannot do what was asked (it is damaged, or newer than this version); the
    message names the file and says what to do."""


@dataclass(frozen=True)
class Damage:
    """Something in a store (or a progress file) that could not be read."""

    path: Path
    where: str  # "row 3 (sample, attempt 2)", "rows 33-40", "column 'hints'", or "" (the file)
    reason: str
    quiz: str | None = None  # the quiz a damaged row belongs to, when that much is readable

    def __str__(self) -> str:
        return f"{self.path}: {self.where + ': ' if self.where else ''}{self.reason}"


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


@dataclass
class GradeRecord:
    """A coding answer graded outside the page, as the store and progress files keep it."""

    id: int
    quiz: str
    question: str
    fingerprint: str
    status: str
    summary: str
    graded: float
    via: str


class Store:
    """Attempts on disk. Every change is one transaction.

    Opening never fails on a damaged file: what is wrong with the file as a whole is in
    :attr:`problem` (then nothing is written to it), and each read lists what it had to
    leave out in :attr:`damage`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        #: Why the file as a whole cannot be written (and perhaps not read), if it cannot.
        self.problem: Damage | None = None
        #: What the last read left out: damaged rows, lost pages, unknown columns.
        self.damage: list[Damage] = []
        self._salvaged: dict[str, _Rows] | None = None
        self._extra_columns: list[tuple[str, str]] = []  # (table, column)
        self._tables: set[str] = set()
        self.connection = _connect(self.path)
        try:
            self._prepare()
        except sqlite3.DatabaseError as error:
            self._salvaged = _salvage_truncated(self.path)
            if self._salvaged is None:
                self.problem = Damage(self.path, "", f"is not a readable SQLite database ({error})")
            else:
                pages = _page_counts(self.path)
                self.problem = Damage(
                    self.path,
                    "",
                    f"is truncated ({pages[0]} of its {pages[1]} pages are left; {error}); "
                    "the rows that are left are read, and nothing is written to it",
                )

    def _prepare(self) -> None:
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.problem = Damage(
                self.path,
                "",
                f"was written by a newer version of the handbook's tools (store schema "
                f"{version}; this version knows schema {SCHEMA_VERSION}): it is read, never "
                "written. Update tfhandbook to keep using it",
            )
        else:
            self.connection.executescript(SCHEMA)
        for table, columns in TABLES.items():
            present = [row[1] for row in self.connection.execute(f"PRAGMA table_info({table})")]
            present = [name.decode() if isinstance(name, bytes) else name for name in present]
            if not present and table != "attempts":  # a read-only file from before the table
                continue
            missing = [name for name in columns if name not in present]
            if missing:
                self.problem = Damage(
                    self.path, "", f"has no {table} table with the columns {', '.join(missing)}"
                )
                return
            self._tables.add(table)
            self._extra_columns += [(table, name) for name in present if name not in columns]
        if self._extra_columns and not self.problem:
            names = ", ".join(name for _, name in self._extra_columns)
            self.problem = Damage(
                self.path,
                "",
                f"has columns this version does not know ({names}), "
                "so it was written by a newer version: it is read, never written",
            )
        if version < SCHEMA_VERSION and not self.problem:
            self.connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.connection.close()

    # ---- reading
    def attempts(self, quiz: str | None = None) -> list[Attempt]:
        """The readable attempts (of `quiz`, or all), in the order they were started; what
        could not be read is in :attr:`damage` afterwards."""
        good, self.damage = self._read("attempts")
        return [attempt for attempt in good if quiz is None or attempt.quiz == quiz]

    def grades(self, question: str | None = None) -> list[GradeRecord]:
        """The readable graded coding answers (of `question`, or all), oldest first; what
        could not be read is in :attr:`damage` afterwards."""
        good, self.damage = self._read("grades")
        return [grade for grade in good if question is None or grade.question == question]

    def damage_for(self, quiz: str) -> list[Damage]:
        """What stops `quiz` being taken safely: a problem with the whole file, or damage
        that may hide one of its attempts (its own rows, or rows of no readable quiz)."""
        self.attempts()
        found = [damage for damage in self.damage if damage.quiz in (quiz, None)]
        return ([self.problem] if self.problem else []) + found

    def current(self, quiz: str) -> Attempt | None:
        """The attempt in progress for `quiz`, if any."""
        return next((a for a in self.attempts(quiz) if a.in_progress), None)

    def _read(self, table: str) -> tuple[list[Any], list[Damage]]:
        """The rows of `table` that can be read, as attempts or grades, and the damage."""
        damage = [
            Damage(
                self.path,
                f"{_TABLE_TEXT[table]}column '{name}'",
                "is not known to this version: its values stay in the file (after "
                "`repair`, in the backup copy only)",
            )
            for where, name in self._extra_columns
            if where == table
        ]
        if self._salvaged is not None:
            rows, lost = self._salvaged[table]
        elif table not in self._tables or (self.problem and not self._readable(table)):
            return [], damage
        else:
            rows, lost = _read_rows(self.connection, table)
        if lost:
            error, ids = lost[0][1], [rowid for rowid, _ in lost]
            where = _TABLE_TEXT[table] + _rows_text(ids)
            damage.append(Damage(self.path, where, f"could not be read ({error})"))
        convert, label = _FROM_ROW[table]
        good = []
        for row in rows:
            try:
                good.append(convert(row))
            except ValueError as error:
                damage.append(Damage(self.path, label(row), str(error), _quiz_of(row)))
        return good, damage

    def _readable(self, table: str) -> bool:
        try:
            self.connection.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            return False
        return True

    # ---- writing
    def _require_writable(self) -> None:
        if self.problem:
            raise StoreError(f"{self.problem}. Nothing was saved. {WAY_OUT}")

    def start(self, quiz: str, fingerprint: str, seed: int, questions: list[dict]) -> Attempt:
        self._require_writable()
        with self._transaction():
            # max + 1, not count + 1: a repaired store may miss a dropped attempt's number
            number = (
                1
                + self.connection.execute(
                    "SELECT COALESCE(MAX(number), 0) FROM attempts WHERE quiz = ?", (quiz,)
                ).fetchone()[0]
            )
            self.connection.execute(
                "INSERT INTO attempts (quiz, fingerprint, number, seed, started, questions,"
                " answers) VALUES (?, ?, ?, ?, ?, ?, '{}')",
                (quiz, fingerprint, number, seed, time.time(), json.dumps(questions)),
            )
        return self.current(quiz)

    def save_answer(self, attempt: Attempt, key: str, response: Any) -> None:
        self._require_writable()
        answers = {**attempt.answers, key: response}
        with self._transaction():
            self.connection.execute(
                "UPDATE attempts SET answers = ? WHERE id = ? AND finished IS NULL",
                (json.dumps(answers), attempt.id),
            )
        attempt.answers = answers  # only once it is stored

    def finish(self, attempt: Attempt, results: dict[str, bool], score: float) -> None:
        self._require_writable()
        finished = time.time()
        with self._transaction():
            self.connection.execute(
                "UPDATE attempts SET results = ?, score = ?, finished = ? WHERE id = ?",
                (json.dumps(results), score, finished, attempt.id),
            )
        attempt.results, attempt.score, attempt.finished = results, score, finished

    def record_grade(
        self, quiz: str, question: str, fingerprint: str, status: str, summary: str, via: str
    ) -> GradeRecord:
        """Keep a graded coding answer (only a verdict that spends an attempt is one)."""
        self._require_writable()
        grade = _checked_grade(
            {"id": 0, "quiz": quiz, "question": question, "fingerprint": fingerprint,
             "status": status, "summary": summary, "graded": time.time(), "via": via}
        )  # fmt: skip
        with self._transaction():
            _insert_grade(self.connection, grade, keep_id=False)
        return grade

    def export(self) -> dict[str, Any]:
        """Every readable attempt and graded coding answer, as JSON-ready data (the format
        ``import_`` reads, and the page's); what was left out is in :attr:`damage`."""
        attempts = self.attempts()
        damage = self.damage
        grades = self.grades()
        self.damage = damage + self.damage
        return {
            "format": EXPORT_FORMAT,
            "attempts": [vars(a) for a in attempts],
            "grades": [vars(g) for g in grades],
        }

    def import_(self, data: Any, source: Path | str = "the progress file") -> int:
        """Add the attempts and graded coding answers in `data` that are not here yet;
        return how many attempts were added. What cannot be read is skipped and listed in
        :attr:`damage`."""
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise ValueError(f"{source} is not a tfhandbook progress file (format {EXPORT_FORMAT})")
        items, grades = data.get("attempts"), data.get("grades", [])
        if not isinstance(items, list):
            raise ValueError(f"{source}: 'attempts' is not a list")
        if not isinstance(grades, list):
            raise ValueError(f"{source}: 'grades' is not a list")
        self._require_writable()
        skipped, added = [], 0
        with self._transaction():
            for index, item in enumerate(items, start=1):
                try:
                    attempt = attempt_from_export(item)
                except ValueError as error:
                    where = f"attempt {index} of {len(items)}"
                    quiz = item.get("quiz") if isinstance(item, dict) else None
                    skipped.append(Damage(Path(source), where, str(error), quiz))
                    continue
                exists = self.connection.execute(
                    "SELECT 1 FROM attempts WHERE quiz = ? AND number = ?",
                    (attempt.quiz, attempt.number),
                ).fetchone()
                if not exists:
                    _insert(self.connection, attempt, keep_id=False)
                    added += 1
            for index, item in enumerate(grades, start=1):
                try:
                    grade = grade_from_export(item)
                except ValueError as error:
                    where = f"grade {index} of {len(grades)}"
                    quiz = item.get("quiz") if isinstance(item, dict) else None
                    skipped.append(Damage(Path(source), where, str(error), quiz))
                    continue
                exists = self.connection.execute(
                    "SELECT 1 FROM grades WHERE question = ? AND fingerprint = ? AND graded = ?",
                    (grade.question, grade.fingerprint, grade.graded),
                ).fetchone()
                if not exists:
                    _insert_grade(self.connection, grade, keep_id=False)
        self.damage = skipped
        return added

    def _transaction(self) -> _Transaction:
        return _Transaction(self.connection, self.path)


# ---- reading rows, and checking each one
def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.text_factory = bytes  # decoded per row, so bad UTF-8 damages one row only
    return connection


#: The rows of a table that could be read, and the ids (with the error) of those that could not.
_Rows = tuple[list[tuple[Any, ...]], list[tuple[int, str]]]


def _has_table(connection: sqlite3.Connection, table: str) -> bool:
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    except sqlite3.DatabaseError:
        return True  # the schema is damaged too: look for the rows anyway
    return found is not None


def _read_rows(connection: sqlite3.Connection, table: str) -> _Rows:
    """Every row of `table` that can be read, and the ids (with the error) of those that
    cannot; nothing for a table the file does not have (a schema 1 file has no grades).

    A scan stops at the first damaged page; the rest are then fetched one id at a time, so
    the rows on pages after the damage are still found."""
    rows: list[tuple[Any, ...]] = []
    if not _has_table(connection, table):
        return rows, []
    select = f"SELECT {', '.join(TABLES[table])} FROM {table}"
    try:
        rows.extend(connection.execute(f"{select} ORDER BY id"))
        return rows, []
    except sqlite3.DatabaseError as error:
        first_error = str(error)
    last = max((row[0] for row in rows if isinstance(row[0], int)), default=0)
    top = last
    # How far to look: the last id, else the row count (SQLite counts the rows with the
    # table's UNIQUE index, which may have survived), else a long way on.
    for query in ("SELECT MAX(id)", "SELECT COUNT(*)"):
        try:
            found = connection.execute(f"{query} FROM {table}").fetchone()[0]
        except sqlite3.DatabaseError:
            continue
        top = max(last, found or 0)
        break
    else:
        top = last + 1000
    lost = []
    for rowid in range(last + 1, top + 1):
        try:
            row = connection.execute(f"{select} WHERE id = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            lost.append((rowid, first_error))
            continue
        if row:
            rows.append(row)
    if not lost:  # the scan failed, yet every id was found: name the scan's error anyway
        lost.append((last + 1, first_error))
    return rows, lost


def _page_size(head: bytes) -> int:
    size = struct.unpack(">H", head[16:18])[0]
    return 65536 if size == 1 else size  # the file format's spelling of 64 KiB


def _page_counts(path: Path) -> tuple[int, int]:
    """The whole pages in the file, and the pages its header says it has."""
    with path.open("rb") as file:
        head = file.read(100)
    return path.stat().st_size // _page_size(head), struct.unpack(">I", head[28:32])[0]


def _salvage_truncated(path: Path) -> dict[str, _Rows] | None:
    """The rows of each table of a SQLite file cut short, or None if it is not one.

    SQLite refuses a file shorter than its header says. A copy whose header states the
    pages that are left opens; its rows are then read as from any damaged file."""
    try:
        with path.open("rb") as file:
            head = file.read(100)
        if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
            return None
        left, stated = _page_counts(path)
    except (OSError, struct.error):
        return None
    if not 0 < left < stated:
        return None
    page_size = _page_size(head)
    with tempfile.TemporaryDirectory(prefix="tfhandbook-salvage-") as folder:
        copy = Path(folder) / "copy.sqlite3"
        data = bytearray(path.read_bytes()[: left * page_size])
        data[28:32] = struct.pack(">I", left)
        copy.write_bytes(bytes(data))
        connection = _connect(copy)
        try:
            return {table: _read_rows(connection, table) for table in TABLES}
        except sqlite3.DatabaseError:
            return None
        finally:
            connection.close()


def _rows_text(ids: list[int]) -> str:
    """``row 4``, ``rows 4-9``, ``rows 4-9, 12``."""
    spans: list[list[int]] = []
    for rowid in sorted(ids):
        if spans and rowid == spans[-1][1] + 1:
            spans[-1][1] = rowid
        else:
            spans.append([rowid, rowid])
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
    return f"row {text}" if len(ids) == 1 else f"rows {text}"


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8")  # UnicodeDecodeError is a ValueError
    return value


def _quiz_of(row: tuple[Any, ...]) -> str | None:
    try:
        quiz = _text(row[1])
    except ValueError:
        return None
    return quiz if isinstance(quiz, str) else None


def _row_label(row: tuple[Any, ...]) -> str:
    quiz, number = _quiz_of(row), row[3]
    if quiz and isinstance(number, int):
        return f"row {row[0]} ({quiz}, attempt {number})"
    return f"row {row[0]}"


def _grade_label(row: tuple[Any, ...]) -> str:
    try:
        question = _text(row[2])
    except ValueError:
        question = None
    named = f" ({question})" if isinstance(question, str) else ""
    return f"{_TABLE_TEXT['grades']}row {row[0]}{named}"


def attempt_from_row(row: tuple[Any, ...]) -> Attempt:
    """An attempt from a row of the store; ValueError naming the column if it is damaged."""
    values: dict[str, Any] = {}
    for name, value in zip(COLUMNS, row, strict=True):
        try:
            value = _text(value)
            if name in ("questions", "answers") or (name == "results" and value is not None):
                if not isinstance(value, str):
                    raise ValueError(f"holds {type(value).__name__}, not JSON text")
                value = json.loads(value)
        except ValueError as error:
            reason = error.reason if isinstance(error, UnicodeDecodeError) else error
            raise ValueError(f"column '{name}' cannot be read: {reason}") from error
        values[name] = value
    return _checked(values)


def attempt_from_export(item: Any) -> Attempt:
    """An attempt from an exported progress file; ValueError saying what is wrong."""
    return _checked(_exported(item, COLUMNS))


def _exported(item: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    """The values of a row in a progress file (its id left for the store to give)."""
    if not isinstance(item, dict):
        raise ValueError(f"is {type(item).__name__}, not an object")
    missing = [name for name in columns if name != "id" and name not in item]
    if missing:
        raise ValueError(f"has no {', '.join(repr(name) for name in missing)}")
    return {"id": 0, **{name: item[name] for name in columns if name != "id"}}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _checked(values: dict[str, Any]) -> Attempt:
    """The attempt, if every value is of the kind the quiz engine relies on."""

    def wrong(name: str, expected: str) -> ValueError:
        return ValueError(f"column '{name}' is not {expected}")

    for name in ("quiz", "fingerprint"):
        if not isinstance(values[name], str) or not values[name]:
            raise wrong(name, "a non-empty text")
    for name in ("id", "number", "seed"):
        if not isinstance(values[name], int) or isinstance(values[name], bool):
            raise wrong(name, "a whole number")
    if values["number"] < 1:
        raise wrong("number", "1 or more")
    if not _is_number(values["started"]):
        raise wrong("started", "a time")
    for name in ("finished", "score"):
        if values[name] is not None and not _is_number(values[name]):
            raise wrong(name, "a number or empty")
    questions = values["questions"]
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        raise wrong("questions", "a list of questions")
    for index, question in enumerate(questions, start=1):
        if not isinstance(question.get("key"), str) or not isinstance(question.get("prompt"), str):
            raise ValueError(f"question {index} has no key or prompt")
        kind = question.get("type")
        if not isinstance(kind, str) or kind not in REGISTRY:
            raise ValueError(
                f"question {index} is of type {kind!r}, which this version does not know "
                "(was it written by a newer version?)"
            )
        REGISTRY[kind].check_record(question, index)
    if not isinstance(values["answers"], dict):
        raise wrong("answers", "a mapping of question keys to answers")
    results = values["results"]
    if results is not None and not (
        isinstance(results, dict) and all(isinstance(v, bool) for v in results.values())
    ):
        raise wrong("results", "a mapping of question keys to right or wrong")
    return Attempt(**values)


def grade_from_row(row: tuple[Any, ...]) -> GradeRecord:
    """A graded answer from a row of the store; ValueError naming the column if damaged."""
    values: dict[str, Any] = {}
    for name, value in zip(GRADE_COLUMNS, row, strict=True):
        try:
            values[name] = _text(value)
        except UnicodeDecodeError as error:
            raise ValueError(f"column '{name}' cannot be read: {error.reason}") from error
    return _checked_grade(values)


def grade_from_export(item: Any) -> GradeRecord:
    """A graded answer from an exported progress file; ValueError saying what is wrong."""
    return _checked_grade(_exported(item, GRADE_COLUMNS))


def _checked_grade(values: dict[str, Any]) -> GradeRecord:
    """The graded answer, if every value is of the kind the page and the store rely on."""
    for name in ("quiz", "question", "fingerprint", "via"):
        if not isinstance(values[name], str) or not values[name]:
            raise ValueError(f"column '{name}' is not a non-empty text")
    if values["status"] not in GRADE_STATUSES:
        raise ValueError(f"column 'status' is not one of {', '.join(GRADE_STATUSES)}")
    if not isinstance(values["summary"], str):
        raise ValueError("column 'summary' is not a text")
    if not isinstance(values["id"], int) or isinstance(values["id"], bool):
        raise ValueError("column 'id' is not a whole number")
    if not _is_number(values["graded"]):
        raise ValueError("column 'graded' is not a time")
    return GradeRecord(**values)


#: How damage in each table is named, and how its rows are read.
_TABLE_TEXT = {"attempts": "", "grades": "grades "}
_FROM_ROW = {"attempts": (attempt_from_row, _row_label), "grades": (grade_from_row, _grade_label)}


# ---- writing
def _insert_grade(connection: sqlite3.Connection, grade: GradeRecord, keep_id: bool) -> None:
    names = [name for name in GRADE_COLUMNS if keep_id or name != "id"]
    connection.execute(
        f"INSERT INTO grades ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [getattr(grade, name) for name in names],
    )


def _insert(connection: sqlite3.Connection, attempt: Attempt, keep_id: bool) -> None:
    names = [name for name in COLUMNS if keep_id or name != "id"]
    values = {
        **vars(attempt),
        "questions": json.dumps(attempt.questions),
        "answers": json.dumps(attempt.answers),
        "results": None if attempt.results is None else json.dumps(attempt.results),
    }
    connection.execute(
        f"INSERT INTO attempts ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [values[name] for name in names],
    )


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (Ctrl-C included); a write
    that SQLite refuses (a damaged file) is a StoreError naming the file."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection, self.path = connection, path

    def __enter__(self) -> None:
        self._run("BEGIN IMMEDIATE")

    def __exit__(self, kind: type | None, error: BaseException | None, _: object) -> bool:
        if kind is None:
            self._run("COMMIT")
            return False
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.IntegrityError
        ):
            raise StoreError(f"{self.path}: could not save ({error}). {WAY_OUT}") from error
        return False

    def _run(self, statement: str) -> None:
        try:
            self.connection.execute(statement)
        except sqlite3.DatabaseError as error:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise StoreError(f"{self.path}: could not save ({error}). {WAY_OUT}") from error


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that a crash or Ctrl-C leaves either the old file or the
    new one, never a mix: a temporary file beside it, flushed to disk, then renamed."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be synced
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# ---- repair
@dataclass
class Repair:
    """What :func:`repair` did."""

    path: Path
    backup: Path | None = None  # None when nothing needed repair
    kept: int = 0
    kept_grades: int = 0
    dropped: list[Damage] = field(default_factory=list)


def _companions(path: Path) -> Iterator[Path]:
    """SQLite's write-ahead log and its index beside the store."""
    for suffix in ("-wal", "-shm"):
        yield path.with_name(path.name + suffix)


def _backup_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for counter in range(1000):
        name = f"{path.name}.backup-{stamp}" + (f"-{counter}" if counter else "")
        candidate = path.with_name(name)
        if not candidate.exists():
            return candidate
    raise StoreError(f"{path}: too many backup copies beside it; move some away")


def repair(path: Path | None = None) -> Repair:
    """Keep a backup copy of the store and replace it with a fresh one holding every
    attempt and graded answer that can be read. The fresh store is written beside it and
    renamed over it in one step, so a crash or Ctrl-C leaves the old store or the new one,
    never a mix; the backup copy is made before anything is read."""
    path = path or default_path()
    report = Repair(path)
    for stale in path.parent.glob(f".{path.name}.*.repair"):  # left by a repair that was killed
        stale.unlink()
    if not path.exists():
        return report
    backup = _backup_name(path)
    shutil.copy2(path, backup)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():  # SQLite opens the backup with its log if the names match
        shutil.copy2(wal, backup.with_name(backup.name + "-wal"))
    _sync_folder(path.parent)
    store = Store(path)
    try:
        attempts = store.attempts()
        dropped = ([store.problem] if store.problem else []) + store.damage
        grades = store.grades()
        dropped += store.damage
    finally:
        store.close()
    report.kept, report.kept_grades = len(attempts), len(grades)
    if not dropped:
        backup.unlink()
        with contextlib.suppress(FileNotFoundError):
            backup.with_name(backup.name + "-wal").unlink()
        return report
    report.backup, report.dropped = backup, dropped
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".repair")
    os.close(handle)
    fresh = Path(name)
    try:
        connection = sqlite3.connect(fresh, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
            connection.execute("PRAGMA synchronous=FULL")
            connection.executescript(SCHEMA)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            connection.execute("BEGIN IMMEDIATE")
            for attempt in attempts:
                _insert(connection, attempt, keep_id=True)
            for grade in grades:
                _insert_grade(connection, grade, keep_id=True)
            connection.execute("COMMIT")
        finally:
            connection.close()
        with fresh.open("rb+") as file:
            os.fsync(file.fileno())
        # The old log belongs to the old file (its contents are in the backup and were read):
        # left beside the fresh store, SQLite would replay it into it.
        for companion in _companions(path):
            with contextlib.suppress(FileNotFoundError):
                companion.unlink()
        os.replace(fresh, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        raise
    _sync_folder(path.parent)
    return report
