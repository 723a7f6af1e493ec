"""Coding questions graded in the terminal or a notebook count in the page's score.

The grade goes through the real grader and the real store, out as the progress file the
CLI exports or the notebook's grading cell writes, and into the page by its Import
progress button; what a notebook's grading cell refuses, it refuses as the CLI does,
without touching stored progress.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from test_quiz_browser import saved_state  # pytest puts tests/ on the path

from tfhandbook.book.notebooks import chapter_notebook
from tfhandbook.quiz import cli
from tfhandbook.quiz.bank import load_bank
from tfhandbook.quiz.notebook import PROGRESS_FILE, grade_in_notebook
from tfhandbook.quiz.sampling import draw
from tfhandbook.quiz.store import Store
from tfhandbook.quiz.types.code import MAX_ANSWER_FILE, grading_fingerprint
from tfhandbook.quiz.variants import expand

ROOT = Path(__file__).parents[1]
TEST_QUIZ = ROOT / "tests" / "roots" / "test-quiz"
BANK = TEST_QUIZ / "part" / "chapter.quiz.yaml"
QUESTION = load_bank(BANK).question("scaled-relu")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TFHANDBOOK_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def notebook_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notebook's working folder in a checkout of the test book (its banks in docs/)."""
    folder = tmp_path / "notebook"
    folder.mkdir()
    (folder / "docs").symlink_to(TEST_QUIZ)
    monkeypatch.chdir(folder)
    return folder


def stored_grades() -> list[tuple[str, str]]:
    store = Store()
    try:
        return [(grade.question, grade.status) for grade in store.grades()]
    finally:
        store.close()


def test_a_grade_is_kept_exported_and_imported_with_the_attempts(
    data: Path, tmp_path: Path, capsys
) -> None:
    answer = tmp_path / "answer.py"
    answer.write_text(QUESTION.solution)
    status = cli.main(
        ["--docs", str(TEST_QUIZ), "quiz", "grade", "sample", "scaled-relu", str(answer)]
    )
    out = capsys.readouterr().out
    assert status == 0 and out.startswith("PASSED") and "Import progress" in out
    exported = tmp_path / "progress.json"
    assert cli.main(["quiz", "export", str(exported)]) == 0
    assert "wrote 0 attempts and 1 graded coding answers" in capsys.readouterr().out
    (grade,) = json.loads(exported.read_text())["grades"]
    assert (grade["question"], grade["status"], grade["via"]) == (
        "scaled-relu",
        "passed",
        "terminal",
    )
    assert grade["fingerprint"] == grading_fingerprint(QUESTION)

    fresh = Store(tmp_path / "fresh.sqlite3")
    assert fresh.import_(json.loads(exported.read_text())) == 0
    fresh.import_(json.loads(exported.read_text()))  # twice: kept once
    assert [g.question for g in fresh.grades()] == ["scaled-relu"] and fresh.damage == []
    broken = {
        "format": "tfhandbook-progress/1",
        "attempts": [],
        "grades": [{**grade, "status": "maybe"}],
    }
    fresh.import_(broken, source="broken.json")
    assert [str(d) for d in fresh.damage] == [
        "broken.json: grade 1 of 1: column 'status' is not one of passed, failed"
    ]
    fresh.close()


_SCHEMA_1 = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY, quiz TEXT NOT NULL, fingerprint TEXT NOT NULL,
    number INTEGER NOT NULL, seed INTEGER NOT NULL, started REAL NOT NULL, finished REAL,
    questions TEXT NOT NULL, answers TEXT NOT NULL, results TEXT, score REAL,
    UNIQUE (quiz, number)
);
INSERT INTO attempts (quiz, fingerprint, number, seed, started, questions, answers)
VALUES ('sample', 'fp', 1, 7, 1.0,
        '[{"key": "q", "id": "q", "type": "single", "prompt": "P", "choices": ["a", "b"],
           "answer": "a", "explanation": ""}]', '{}');
"""


def test_a_store_of_schema_1_gains_the_grades_table_and_keeps_its_attempts(data: Path) -> None:
    path = data / "progress.sqlite3"
    data.mkdir()
    connection = sqlite3.connect(path)
    with connection:  # the attempts table as schema 1 wrote it, one attempt in it
        connection.executescript(_SCHEMA_1)
        connection.execute("PRAGMA user_version = 1")
    connection.close()
    store = Store(path)
    assert [a.quiz for a in store.attempts()] == ["sample"] and store.problem is None
    store.record_grade("sample", "scaled-relu", "f" * 16, "failed", "a check failed", "terminal")
    assert [g.status for g in store.grades()] == ["failed"]
    store.close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone() == (2,)
    connection.close()


def test_a_damaged_grade_row_is_named_and_the_rest_still_read(data: Path) -> None:
    store = Store()
    for status in ("passed", "failed"):
        store.record_grade("sample", "scaled-relu", "f" * 16, status, "", "notebook")
    store.close()
    connection = sqlite3.connect(data / "progress.sqlite3")
    with connection:
        connection.execute("UPDATE grades SET graded = 'soon' WHERE id = 1")
    connection.close()
    store = Store()
    assert [g.status for g in store.grades()] == ["failed"]
    (damage,) = store.damage
    assert (
        damage.where == "grades row 1 (scaled-relu)" and "'graded' is not a time" in damage.reason
    )
    exported = store.export()
    assert len(exported["grades"]) == 1 and store.damage == [damage]
    store.close()


# ---- the notebook's grading cells
def coding_cells(chapter: Path) -> dict[str, tuple[str, str]]:
    """Each coding question's answer cell and grading cell, by the answer file's name."""
    cells = chapter_notebook(chapter)["cells"]
    found = {}
    for answer, grading in itertools.pairwise(cells):
        if "answer" in answer["metadata"].get("tags", []):
            assert grading["metadata"]["tags"] == ["grade"]
            source = "".join(answer["source"])
            name = source.splitlines()[0].removeprefix("%%writefile ")
            found[name] = (source, "".join(grading["source"]))
    return found


def test_every_chapter_notebook_ends_with_its_coding_questions() -> None:
    for bank_path in sorted((ROOT / "docs").glob("*/*.quiz.yaml")):
        bank = load_bank(bank_path)
        coding = [q for q in bank.questions if q.type == "code"]
        cells = coding_cells(bank_path.with_name(bank_path.name.replace(".quiz.yaml", ".md")))
        assert sorted(cells) == sorted(f"answer-{q.id}.py" for q in coding), bank_path
        for question in coding:
            answer, grading = cells[f"answer-{question.id}.py"]
            assert answer.split("\n", 1)[1] == question.starter.strip()
            assert f"grade_in_notebook({bank.quiz!r}, {question.id!r}" in grading


def run_grading_cell(chapter: Path, question: str, code: str | bytes, capsys) -> str:
    """Save `code` as the answer cell would, run the grading cell; what it printed."""
    answer, grading = coding_cells(chapter)[f"answer-{question}.py"]
    path = Path(answer.splitlines()[0].removeprefix("%%writefile "))
    if isinstance(code, bytes):
        path.write_bytes(code)
    else:
        path.write_text(code)
    exec(grading, {})
    return capsys.readouterr().out


def test_the_grading_cell_passes_the_reference_and_fails_a_wrong_solution(
    data: Path, notebook_folder: Path, capsys
) -> None:
    chapter = TEST_QUIZ / "part" / "chapter.md"
    out = run_grading_cell(chapter, "scaled-relu", QUESTION.solution, capsys)
    assert out.startswith("PASSED") and f"written to {PROGRESS_FILE}" in out
    wrong = QUESTION.wrong_solutions[0].code
    out = run_grading_cell(chapter, "scaled-relu", wrong, capsys)
    assert out.startswith("FAILED") and "[FAIL]" in out
    assert stored_grades() == [("scaled-relu", "passed"), ("scaled-relu", "failed")]
    written = json.loads((notebook_folder / PROGRESS_FILE).read_text())
    assert [(g["status"], g["via"]) for g in written["grades"]] == [
        ("passed", "notebook"),
        ("failed", "notebook"),
    ]


HOSTILE = {
    "missing": (None, "there is no file at answer-scaled-relu.py"),
    "too big": (
        "x = 1\n" * (MAX_ANSWER_FILE // 6 + 1),
        f"bigger than {MAX_ANSWER_FILE // 1000} kB",
    ),
    "not UTF-8": (b"def scaled_relu(x, alpha):\n    return '\xff'\n", "is not UTF-8 text"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_the_grading_cell_refuses_what_the_cli_refuses_and_keeps_progress(
    case: str, data: Path, notebook_folder: Path, capsys
) -> None:
    store = Store()
    store.record_grade("sample", "scaled-relu", "f" * 16, "passed", "earlier", "terminal")
    store.close()
    before = (data / "progress.sqlite3").read_bytes()
    code, message = HOSTILE[case]
    answer = notebook_folder / "answer-scaled-relu.py"
    if isinstance(code, bytes):
        answer.write_bytes(code)
    elif code is not None:
        answer.write_text(code)
    assert grade_in_notebook("sample", "scaled-relu", answer.name) is None
    out = capsys.readouterr().out
    assert (
        out.startswith("Not graded: ")
        and message in out
        and out[-1] == "\n"
        and out.count("\n") == 1
    )
    status = cli.main(["quiz", "grade", "sample", "scaled-relu", answer.name])
    assert status == 1 and message in capsys.readouterr().err
    assert (data / "progress.sqlite3").read_bytes() == before
    assert not (notebook_folder / PROGRESS_FILE).exists()


def test_an_ungradable_answer_or_an_unknown_question_keeps_nothing(
    data: Path, notebook_folder: Path, capsys
) -> None:
    answer = notebook_folder / "answer.py"
    answer.write_text("def scaled_relu(x, alpha):\n    return (\n")
    verdict = grade_in_notebook("sample", "scaled-relu", answer.name)
    assert verdict.status == "not gradable" and "kept" not in capsys.readouterr().out
    assert grade_in_notebook("sample", "default-dtype", answer.name) is None
    out = capsys.readouterr().out
    assert (
        "'default-dtype' is a single question there; its coding questions are: scaled-relu" in out
    )
    assert stored_grades() == [] and not (notebook_folder / PROGRESS_FILE).exists()


def test_a_damaged_store_is_named_and_left_as_it_was(
    data: Path, notebook_folder: Path, capsys
) -> None:
    data.mkdir()
    (data / "progress.sqlite3").write_text("{not a database}")
    answer = notebook_folder / "answer.py"
    answer.write_text(QUESTION.solution)
    assert grade_in_notebook("sample", "scaled-relu", answer.name) is None
    out = capsys.readouterr().out
    assert "Not graded: " in out and "is not a readable SQLite database" in out and "repair" in out
    assert (data / "progress.sqlite3").read_text() == "{not a database}"


# ---- on the page
def attempt_questions(seed: int) -> list:
    bank = load_bank(BANK)
    return [drawn.variant for drawn in draw(bank, expand(bank), seed)]


def answer_the_rest_right(quiz, seed: int) -> None:
    for variant in attempt_questions(seed):
        field = quiz.locator(f'fieldset[data-key="{variant.key}"]')
        match variant.question.type:
            case "single":
                field.locator(f'input[value="{variant.choices.index(variant.answer)}"]').check()
            case "multiple":
                for answer in variant.answer:
                    field.locator(f'input[value="{variant.choices.index(answer)}"]').check()
            case "numeric":
                field.locator("input").fill(f"{variant.answer:g}")
            case "text":
                field.locator("input").fill(variant.answer[0])


@pytest.mark.sphinx("html", testroot="quiz")
def test_a_grade_from_the_terminal_or_a_notebook_counts_in_the_pages_score(
    app, chromium, serve, data: Path, notebook_folder: Path, capsys
) -> None:
    app.build()
    answer = notebook_folder / "answer.py"
    answer.write_text(QUESTION.solution)
    assert cli.main(["quiz", "grade", "sample", "scaled-relu", str(answer)]) == 0
    terminal_file = notebook_folder / "from-the-terminal.json"
    assert cli.main(["quiz", "export", str(terminal_file)]) == 0
    capsys.readouterr()
    errors: list[str] = []
    with serve(app.outdir) as url:
        page = chromium.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/part/chapter.html")
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        quiz.get_by_role("button", name="Start the quiz").click()
        code = quiz.locator("fieldset.tfh-quiz-code")
        assert "Not graded yet" in code.inner_text()
        seed = saved_state(page)["current"]["seed"]
        answer_the_rest_right(quiz, seed)
        number = 1 + [v.question.id for v in attempt_questions(seed)].index("scaled-relu")
        # Ungraded, the coding question is unanswered: submitting asks first.
        quiz.get_by_role("button", name="Submit answers").click()
        assert f"Question {number} has no answer" in quiz.inner_text()
        quiz.get_by_role("button", name="Keep answering").click()

        quiz.locator(".tfh-quiz-import").set_input_files(terminal_file)
        status = quiz.locator(".tfh-quiz-imported").inner_text()
        assert "1 graded coding answer (for this quiz: scaled-relu passed)" in status
        assert "Your latest grade (in the terminal" in code.inner_text()
        quiz.get_by_role("button", name="Submit answers").click()
        assert "Attempt 1: 3 of 3 right (100%)" in quiz.inner_text()
        item = quiz.locator('li[data-key="scaled-relu"]').first.inner_text()
        assert "Right · your answer: graded in the terminal, passed" in item

        # The second attempt: a wrong answer graded in the notebook, imported from the
        # file its grading cell wrote, is marked wrong.
        quiz.get_by_role("button", name="Try again").click()
        second = saved_state(page)["current"]["seed"]
        answer_the_rest_right(quiz, second)
        answer.write_text(QUESTION.wrong_solutions[0].code)
        assert grade_in_notebook("sample", "scaled-relu", answer.name).status == "failed"
        quiz.locator(".tfh-quiz-import").set_input_files(notebook_folder / PROGRESS_FILE)
        assert "scaled-relu failed" in quiz.locator(".tfh-quiz-imported").inner_text()
        quiz.get_by_role("button", name="Submit answers").click()
        assert "Attempt 2: 2 of 3 right" in quiz.inner_text()
        item = quiz.locator('li[data-key="scaled-relu"]').first.inner_text()
        assert "Wrong · your answer: graded in a notebook, failed" in item

        # A grade of an older version of the question is kept but does not count here.
        stale = json.loads(terminal_file.read_text())
        stale["grades"][0].update(fingerprint="0" * 16, graded=1.0)
        terminal_file.write_text(json.dumps(stale))
        quiz.locator(".tfh-quiz-import").set_input_files(terminal_file)
        assert "not counted here: scaled-relu" in quiz.locator(".tfh-quiz-imported").inner_text()
    assert errors == []


@pytest.mark.sphinx("html", testroot="quiz")
def test_an_attempt_saved_before_coding_questions_were_marked_says_so(app, chromium, serve) -> None:
    app.build()
    with serve(app.outdir) as url:
        page = chromium.new_page()
        page.goto(f"{url}/part/chapter.html")
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        quiz.get_by_role("button", name="Start the quiz").click()
        state = saved_state(page)
        seed = state["current"]["seed"]
        keys = [v.key for v in attempt_questions(seed) if v.question.type != "code"]
        old = {**state["current"], "results": dict.fromkeys(keys, True), "score": 1.0,
               "passed": True, "finished": 1}  # fmt: skip
        state.update(attempts=[old], current=None)
        page.evaluate(
            "state => localStorage.setItem(Object.keys(localStorage).find(k => "
            "k.startsWith('tfhandbook-quiz:sample:')), JSON.stringify(state))",
            state,
        )
        page.reload()
        item = page.locator('.tfh-quiz[data-quiz="sample"] li[data-key="scaled-relu"]').first
        assert "Not marked in this attempt." in item.inner_text()
        assert "Wrong" not in item.inner_text()


@pytest.mark.long_running  # builds the whole book, once per run (the handbook_site fixture)
def test_on_the_site_a_coding_question_links_to_the_notebook_that_grades_it(
    chromium, serve, handbook_site: Path
) -> None:
    with serve(handbook_site) as url:
        page = chromium.new_page()
        page.goto(f"{url}/computer-vision/image-segmentation.html")
        quiz = page.locator('.tfh-quiz[data-quiz="image-segmentation"]')
        quiz.get_by_role("button", name="Start the quiz").click()  # every attempt has one
        link = quiz.locator("fieldset.tfh-quiz-code .tfh-quiz-notebook a")
        href = link.get_attribute("href")
        assert link.inner_text() == "download the chapter's notebook"  # no repository set
        assert href.endswith("/_sources/computer-vision/image-segmentation.ipynb")
        notebook = page.request.get(href)
        assert notebook.ok
        assert "grade_in_notebook('image-segmentation', 'write-per-class-iou'" in notebook.text()
        page.close()
