"""A damaged store: every kind of damage is named with its file and row, never blocks the
good rows, and `tfhandbook quiz repair` keeps a backup and writes a fresh store, atomically."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tfhandbook.quiz import cli
from tfhandbook.quiz.store import Store, StoreError, repair, write_atomically


def question(key: str = "q") -> dict:
    return {"key": key, "id": key, "type": "single", "prompt": "Which?" + " ?" * 300,
            "choices": ["a", "b"], "answer": "a", "explanation": ""}  # fmt: skip


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data folder `tfhandbook` uses in these tests."""
    monkeypatch.setenv("TFHANDBOOK_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A docs folder with one small bank, quiz `solo`."""
    part = tmp_path / "docs" / "part-one"
    part.mkdir(parents=True)
    (part / "solo.quiz.yaml").write_text(
        "quiz: solo\ntitle: Solo\nattempts: 9\npools:\n  - id: p\n    draw: 1\n    questions:\n"
        "      - id: pick\n        type: single\n        prompt: Pick a.\n"
        "        choices: [a, b]\n        answer: a\n",
        "utf-8",
    )
    return tmp_path / "docs"


def filled(path: Path, count: int = 3, quiz: str = "solo") -> list[int]:
    """A store at `path` with `count` finished attempts of `quiz`; their ids."""
    store = Store(path)
    ids = []
    for _ in range(count):
        attempt = store.start(quiz, "fp", 7, [question()])
        store.save_answer(attempt, "q", "a")
        store.finish(attempt, {"q": True}, 1.0)
        ids.append(attempt.id)
    store.close()
    return ids


def execute(path: Path, *statements: str) -> None:
    """Change the file behind the store's back, as damage would, and close it."""
    connection = sqlite3.connect(path)
    with connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """`tfhandbook ARGS` with `stdin` piped in: its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    piped = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(sys, "stdin", piped)
        status = cli.main(list(args))
    return status, out.getvalue(), err.getvalue()


ROW_DAMAGE = {
    "answers not JSON": ("UPDATE attempts SET answers = 'half-writ' WHERE id = 2", "'answers'"),
    "bad UTF-8": ("UPDATE attempts SET questions = X'7b22ff' WHERE id = 2", "'questions'"),
    "bytes for text": ("UPDATE attempts SET answers = X'00ff' WHERE id = 2", "'answers'"),
    "questions not a list": ("UPDATE attempts SET questions = '{}' WHERE id = 2", "'questions'"),
    "results not booleans": ("UPDATE attempts SET results = '{\"q\": 3}' WHERE id = 2", "results"),
    "number a text": ("UPDATE attempts SET number = 'two' WHERE id = 2", "'number'"),
    "a question type from a newer version": (
        "UPDATE attempts SET questions = json_set(questions, '$[0].type', 'ranking') WHERE id = 2",
        "'ranking', which this version does not know",
    ),
}


@pytest.mark.parametrize("damage", ROW_DAMAGE.values(), ids=ROW_DAMAGE)
def test_a_damaged_row_is_named_and_the_good_rows_still_list_and_export(
    damage: tuple[str, str], data: Path, docs: Path, tmp_path: Path
) -> None:
    sql, reason = damage
    path = data / "progress.sqlite3"
    filled(path)
    execute(path, sql)
    store = Store(path)
    assert [a.id for a in store.attempts()] == [1, 3]
    (found,) = store.damage
    assert str(found).startswith(f"{path}: row 2") and reason in str(found)
    store.close()

    status, out, err = run("--docs", str(docs), "quiz", "history")
    assert status == 0 and out.count("solo") == 2
    assert f"{path}: row 2" in err and "tfhandbook quiz repair" in err
    status, out, err = run("--docs", str(docs), "quiz", "list")
    assert status == 0 and "(2 attempts)" in out and "row 2" in err
    status, out, err = run("--docs", str(docs), "quiz", "export", str(tmp_path / "out.json"))
    assert status == 0 and "wrote 2 attempts" in out and "row 2" in err
    exported = json.loads((tmp_path / "out.json").read_text())
    assert [a["number"] for a in exported["attempts"]] == [1, 3]
    # Taking the quiz would hide the damaged attempt: refused, naming the row and the way out.
    status, out, err = run("--docs", str(docs), "quiz", "take", "solo")
    assert status == 1 and "cannot take solo" in err and "row 2" in err and "repair" in err
    assert "Traceback" not in err


def test_damage_in_another_quiz_does_not_stop_this_one(data: Path) -> None:
    path = data / "progress.sqlite3"
    filled(path, 2, quiz="other")
    filled(path, 1, quiz="solo")
    execute(path, "UPDATE attempts SET answers = '{' WHERE id = 1")
    store = Store(path)
    assert store.damage_for("solo") == [] and len(store.damage_for("other")) == 1
    store.close()


def test_a_file_that_is_not_a_database_is_named_and_blocks_nothing_else(
    data: Path, docs: Path
) -> None:
    path = data / "progress.sqlite3"
    data.mkdir()
    path.write_bytes(b"these are not the attempts you are looking for\n" * 100)
    store = Store(path)  # opens: the damage is reported, not raised
    assert store.attempts() == []
    assert (
        str(store.problem) == f"{path}: is not a readable SQLite database (file is not a database)"
    )
    with pytest.raises(StoreError, match="Nothing was saved"):
        store.start("solo", "fp", 1, [question()])
    store.close()
    status, out, err = run("--docs", str(docs), "quiz", "list")
    assert status == 0 and "solo" in out and str(path) in err and "repair" in err
    status, _, err = run("--docs", str(docs), "quiz", "take", "solo")
    assert status == 1 and str(path) in err and "tfhandbook quiz repair" in err
    assert "Traceback" not in err
    assert path.read_bytes().startswith(b"these are not")  # untouched


def truncated(path: Path, count: int = 40) -> list:
    """A store of `count` attempts, cut to its first half (on a page boundary, plus a bit);
    the attempts it held."""
    filled(path, count, quiz="long")
    store = Store(path)
    before = store.attempts()
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])
    return before


def test_a_truncated_store_still_gives_the_rows_that_are_left(data: Path) -> None:
    path = data / "progress.sqlite3"
    before = truncated(path)
    store = Store(path)
    left = store.attempts()
    assert 0 < len(left) < len(before)
    assert left == before[: len(left)]  # every row that is left, read whole
    assert "is truncated" in str(store.problem) and str(path) in str(store.problem)
    (lost,) = store.damage
    assert str(lost).startswith(f"{path}: rows ") and "could not be read" in str(lost)
    with pytest.raises(StoreError, match="truncated"):
        store.save_answer(left[0], "q", "b")
    store.close()


def future(path: Path) -> None:
    """A store as a newer version might write it: schema 3, with a column this one lacks."""
    filled(path, 2)
    execute(
        path,
        "ALTER TABLE attempts ADD COLUMN hints TEXT",
        "UPDATE attempts SET hints = 'kept'",
        "PRAGMA user_version = 3",
    )


def test_a_store_from_a_newer_version_is_read_but_never_written(data: Path, docs: Path) -> None:
    path = data / "progress.sqlite3"
    future(path)
    store = Store(path)
    assert [a.number for a in store.attempts()] == [1, 2]
    assert "newer version" in str(store.problem) and "schema 3" in str(store.problem)
    with pytest.raises(StoreError, match="schema 3"):
        store.start("solo", "fp", 1, [question()])
    store.close()
    status, out, err = run("--docs", str(docs), "quiz", "history")
    assert status == 0 and out.count("solo") == 2 and "column 'hints'" in err
    status, _, err = run("--docs", str(docs), "quiz", "take", "solo")
    assert status == 1 and "schema 3" in err
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone() == (3,)
    connection.close()


def test_an_exported_file_with_a_bad_attempt_imports_the_rest(data: Path, tmp_path: Path) -> None:
    source = data / "source.sqlite3"
    filled(source, 3)
    exported = Store(source).export()
    exported["attempts"][1]["seed"] = "seven"
    del exported["attempts"][2]["answers"]
    file = tmp_path / "progress.json"
    file.write_text(json.dumps(exported))
    status, out, err = run("quiz", "import", str(file))
    assert status == 0 and "added 1 attempts" in out
    assert f"{file}: attempt 2 of 3: column 'seed' is not a whole number" in err
    assert f"{file}: attempt 3 of 3: has no 'answers'" in err
    file.write_bytes(b"\x00\xff not JSON")
    status, _, err = run("quiz", "import", str(file))
    assert status == 1 and f"{file} is not a JSON progress file" in err


DAMAGE_KINDS = ["row", "truncated", "not a database", "newer version"]


def damaged(kind: str, path: Path) -> int:
    """Damage a store of `kind`; how many attempts a repair can keep."""
    if kind == "row":
        filled(path, 3)
        execute(path, "UPDATE attempts SET answers = 'half' WHERE id = 2")
        return 2
    if kind == "truncated":
        truncated(path)
        store = Store(path)
        count = len(store.attempts())
        store.close()
        return count
    if kind == "newer version":
        future(path)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not a database}")
    return 0


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_repair_keeps_a_backup_and_writes_a_fresh_store_of_every_readable_attempt(
    kind: str, data: Path, docs: Path
) -> None:
    path = data / "progress.sqlite3"
    kept = damaged(kind, path)
    assert not path.with_name(path.name + "-wal").exists()  # all of it in the one file
    original = path.read_bytes()
    status, out, _ = run("quiz", "repair")
    assert status == 0
    backup = Path(out.split("Backup copy of the damaged store: ")[1].split("\n")[0])
    assert backup.parent == data and backup.read_bytes() == original
    assert f"with {kept} attempts" in out and "Dropped (still in the backup copy):" in out
    store = Store(path)
    assert len(store.attempts()) == kept
    numbers = [attempt.number for attempt in store.attempts("solo")]
    assert store.problem is None and store.damage == []
    store.close()
    assert sorted(p.name for p in data.iterdir()) == sorted([path.name, backup.name])
    status, out, err = run("--docs", str(docs), "quiz", "take", "solo")  # EOF stops it
    assert status == 130 and f"attempt {max(numbers, default=0) + 1} of 9" in out, err
    status, out, _ = run("quiz", "repair")
    assert status == 0 and "no damage found; nothing changed" in out


def test_repair_of_a_healthy_store_changes_nothing(data: Path) -> None:
    path = data / "progress.sqlite3"
    filled(path, 2)
    before = path.read_bytes()
    report = repair(path)
    assert report.backup is None and report.kept == 2 and path.read_bytes() == before
    assert list(data.iterdir()) == [path]


KILLED_REPAIR = """
import os, signal, sys
from pathlib import Path
from tfhandbook.quiz import store
real_insert = store._insert
def insert_then_die(connection, attempt, keep_id):  # dies half-way through the fresh store
    real_insert(connection, attempt, keep_id)
    os.kill(os.getpid(), signal.SIGKILL)
store._insert = insert_then_die
store.repair(Path(sys.argv[1]))
"""


def test_a_repair_killed_or_interrupted_mid_write_leaves_the_store_as_it_was(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data / "progress.sqlite3"
    damaged("row", path)
    original = path.read_bytes()
    child = subprocess.run([sys.executable, "-c", KILLED_REPAIR, str(path)], check=False)
    assert child.returncode == -9 and path.read_bytes() == original

    from tfhandbook.quiz import store as store_module

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "_insert", interrupted)
    with pytest.raises(KeyboardInterrupt):
        repair(path)
    assert path.read_bytes() == original
    monkeypatch.undo()
    report = repair(path)  # the next repair works, and clears what the killed one left
    assert report.kept == 2
    assert not [p for p in data.iterdir() if p.name.endswith(".repair")]


def test_an_export_interrupted_mid_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "progress.json"
    file.write_text("the previous export")

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(file, "x" * 1_000_000)
    assert file.read_text() == "the previous export"
    assert list(tmp_path.iterdir()) == [file]  # no temporary file left behind
    monkeypatch.undo()
    write_atomically(file, "new")
    assert file.read_text() == "new"


class InterruptedAfterUpdate:
    """A connection on which Ctrl-C arrives right after an UPDATE ran, before its COMMIT."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, statement: str, *args: object) -> sqlite3.Cursor:
        cursor = self.connection.execute(statement, *args)
        if statement.startswith("UPDATE"):
            raise KeyboardInterrupt
        return cursor

    def __getattr__(self, name: str) -> object:
        return getattr(self.connection, name)


def test_ctrl_c_mid_save_keeps_what_was_stored_and_saves_nothing_half_done(data: Path) -> None:
    path = data / "progress.sqlite3"
    store = Store(path)
    attempt = store.start("solo", "fp", 1, [question("first"), question("second")])
    store.save_answer(attempt, "first", "a")
    store.connection = InterruptedAfterUpdate(store.connection)
    with pytest.raises(KeyboardInterrupt):
        store.save_answer(attempt, "second", "b")
    assert attempt.answers == {"first": "a"}  # in memory as on disk
    reopened = Store(path)
    assert reopened.current("solo").answers == {"first": "a"} and reopened.damage == []
    reopened.close()
    store.close()
