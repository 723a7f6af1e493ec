"""A question type is one module plus its registration: the guide's example type, registered
through the registry and nowhere else, goes through the whole engine (bank, variants, draw,
the terminal, marking, the store, the page and its renderer in a browser); and no module
outside the types names a type."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tfhandbook.book.sphinxext.quiz import STATIC, quiz_data, scripts
from tfhandbook.quiz import cli
from tfhandbook.quiz.bank import BankError, load_bank
from tfhandbook.quiz.marking import answer_digests, is_correct
from tfhandbook.quiz.sampling import draw
from tfhandbook.quiz.session import load_quiz, start_or_resume, submit
from tfhandbook.quiz.store import Store
from tfhandbook.quiz.types import REGISTRY
from tfhandbook.quiz.types.base import QuestionType
from tfhandbook.quiz.variants import expand

SRC = Path(__file__).parents[1] / "src" / "tfhandbook"


GUIDE = Path(__file__).parents[1] / "docs" / "appendix" / "writing-quizzes.md"


def guide_block(language: str, containing: str) -> str:
    """The guide's ``language`` fence that holds `containing`."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```", GUIDE.read_text("utf-8"), re.M | re.S)
    (block,) = [block for block in blocks if containing in block]
    return block


def guide_type() -> QuestionType:
    """The guide's worked example, the ``ordering`` type, as its module defines it."""
    namespace: dict[str, Any] = {}
    exec(guide_block("python", "class Ordering(QuestionType)"), namespace)
    return namespace["ORDERING"]


#: A bank with one question of the guide's type.
BANK = (
    Path(__file__).parent / "roots" / "test-quiz-types" / "part" / "chapter.quiz.yaml"
).read_text()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    part = tmp_path / "docs" / "part"
    part.mkdir(parents=True)
    (part / "toy.quiz.yaml").write_text(BANK, encoding="utf-8")
    return tmp_path / "docs"


def test_a_type_registered_in_the_registry_goes_through_the_whole_engine(
    docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "progress.sqlite3"
    with REGISTRY.registered(guide_type()):
        bank = load_quiz(docs, "toy")
        (variant,) = expand(bank)["fit-steps"]
        assert variant.answer == ("call the model", "compute the loss", "apply the gradients")
        assert is_correct(variant, list(variant.answer))
        assert not is_correct(variant, list(reversed(variant.answer)))

        store = Store(path)
        attempt = start_or_resume(store, bank, seed=3)
        (question,) = attempt.questions
        shown = question["choices"]  # shuffled by the draw
        right = ",".join(str(shown.index(step) + 1) for step in variant.answer)
        replies = iter(["1,1,2", right])
        response = cli.ask_question(question, "toy", docs, lambda prompt: next(replies))
        assert "Not accepted: that is not every number once. Enter the numbers 1 to 3" in (
            capsys.readouterr().out
        )
        store.save_answer(attempt, question["key"], response)
        assert submit(store, bank, attempt) == (1.0, True)
        store.close()

        reopened = Store(path)
        (stored,) = reopened.attempts("toy")
        assert reopened.damage == []
        assert stored.results == {"fit-steps": True}
        assert stored.questions[0]["answer"] == list(variant.answer)
        exported = reopened.export()
        reopened.close()
        fresh = Store(tmp_path / "fresh.sqlite3")
        assert fresh.import_(json.loads(json.dumps(exported))) == 1
        fresh.close()

        data = quiz_data(bank)
        (page_variant,) = data["pools"][0]["questions"][0]
        assert page_variant["type"] == "ordering"
        assert page_variant["digests"] == answer_digests(variant, data["salt"])
        assert scripts(["ordering", "single"]) == ["quiz-types/choice.js", "quiz-types/ordering.js"]

    # Unregistered, the same bank and the same stored attempt are unknown.
    with pytest.raises(BankError, match="'type' must be one of single, multiple, numeric, text"):
        load_bank(docs / "part" / "toy.quiz.yaml")
    store = Store(path)
    assert store.attempts("toy") == []
    assert "question 1 is of type 'ordering', which this version does not know" in str(
        store.damage[0]
    )
    store.close()


def test_a_toy_types_bank_errors_name_the_file_line_and_question(docs: Path) -> None:
    bank = docs / "part" / "toy.quiz.yaml"
    bank.write_text(BANK.replace("answer: [call the model, ", "answer: ["), encoding="utf-8")
    with REGISTRY.registered(guide_type()), pytest.raises(BankError) as error:
        load_bank(bank)
    assert str(error.value) == (
        f"{bank}:6 (question 'fit-steps'): 'answer' must list every choice once, in order"
    )


def test_a_type_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="'single' is registered already"):
        REGISTRY.add(REGISTRY["single"])


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_type_has_a_renderer_that_registers_under_its_name(name: str) -> None:
    script = STATIC / REGISTRY[name].script
    assert re.search(rf"\btypes\.{name} = ", script.read_text(encoding="utf-8")), script


@pytest.mark.sphinx("html", testroot="quiz-types")
def test_the_guides_type_and_renderer_work_on_the_page(app, chromium, serve) -> None:
    """The page loads the renderer of the types its quiz uses, before quiz.js; the guide's
    renderer shows the question and the page marks a right order right."""
    renderer = Path(app.srcdir) / "_static" / "quiz-types" / "ordering.js"
    renderer.parent.mkdir(parents=True, exist_ok=True)
    renderer.write_text(guide_block("javascript", "types.ordering ="), encoding="utf-8")
    with REGISTRY.registered(guide_type()):
        app.build()
        bank = load_bank(Path(app.srcdir) / "part" / "chapter.quiz.yaml")
        variants = expand(bank)
    html = (Path(app.outdir) / "part" / "chapter.html").read_text(encoding="utf-8")
    scripts_on_page = re.findall(r'<script[^>]* src="[./]*_static/([^"?]+)', html)
    assert "quiz-types/ordering.js" in scripts_on_page
    assert scripts_on_page.index("quiz-types/ordering.js") < scripts_on_page.index("quiz.js")
    assert "quiz-types/choice.js" not in scripts_on_page  # no choice question on this page
    index_html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "quiz-types/" not in index_html  # nor on a page without a quiz

    errors: list[str] = []
    with serve(app.outdir) as url:
        page = chromium.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/part/chapter.html")
        quiz = page.locator('.tfh-quiz[data-quiz="toy"]')
        quiz.get_by_role("button", name="Start the quiz").click()
        seed = page.evaluate(
            "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
            ".find(k => k.startsWith('tfhandbook-quiz:toy:')))).current.seed"
        )
        (drawn,) = draw(bank, variants, seed)
        shown = drawn.shown_choices
        steps = quiz.locator("fieldset ol li").all_inner_texts()
        assert steps == shown
        right = ",".join(str(shown.index(step) + 1) for step in drawn.variant.answer)
        quiz.locator("fieldset input").fill(right)
        quiz.get_by_role("button", name="Submit answers").click()
        text = quiz.inner_text()
        assert "Attempt 1: 1 of 1 right (100%)" in text and "scores 100% (passed)" in text
        assert "Answer: call the model then compute the loss then apply the gradients" in text
    assert errors == []


#: Engine modules that dispatch through the registry. (The grader and sandbox run code for
#: the ``code`` type and name other things "text" and "code": values, not question types.)
DISPATCHING = [
    *(p for p in (SRC / "quiz").glob("*.py") if not p.name.startswith(("grading", "sandbox"))),
    SRC / "book" / "sphinxext" / "quiz.py",
    SRC / "book" / "sphinxext" / "static" / "quiz.js",
]
NAMING_A_TYPE = re.compile(
    r"""["'](single|multiple|numeric|text|code)["']\s*[:|\]]"""  # a case, a key, a lookup
    r"""|case\s+["'](single|multiple|numeric|text|code)["']"""
    r"""|(type|kind)\s*[!=]==?\s*["']"""  # question.type == "code", variant.type === "single"
    r"""|[(,]\s*["'](single|multiple|numeric|text|code)["']\s*[,)]"""  # ("single", "multiple")
)


@pytest.mark.parametrize("path", DISPATCHING, ids=lambda path: path.name)
def test_no_module_outside_the_types_names_a_question_type(path: Path) -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if NAMING_A_TYPE.search(line)
    ]
    assert found == []


def test_the_check_for_type_names_finds_them() -> None:
    """The pattern above catches each way the engine used to name a type."""
    for line in ['case "single":', 'if question.type == "code":', '"numeric": f"Enter',
                 'variant.type === "code"', 'case "single" | "multiple":',
                 'kind in ("single", "multiple")', 'kind == "numeric"']:  # fmt: skip
        assert NAMING_A_TYPE.search(line), line
