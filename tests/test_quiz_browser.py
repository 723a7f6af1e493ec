"""A quiz in a real browser: started, answered, reloaded, submitted, retried, and closed
once its attempts run out."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tfhandbook.quiz.bank import load_bank
from tfhandbook.quiz.sampling import draw
from tfhandbook.quiz.types.code import grading_fingerprint
from tfhandbook.quiz.variants import expand

BANK = Path(__file__).parent / "roots" / "test-quiz" / "part" / "chapter.quiz.yaml"


def graded_file(folder: Path, question_id: str, status: str = "passed", fingerprint=None) -> Path:
    """A progress file as `tfhandbook quiz export` writes it, holding one graded answer."""
    question = load_bank(BANK).question(question_id)
    grade = {
        "id": 1, "quiz": "sample", "question": question_id,
        "fingerprint": fingerprint or grading_fingerprint(question), "status": status,
        "summary": f"{status} by hand", "graded": time.time(), "via": "terminal",
    }  # fmt: skip
    file = folder / f"{question_id}-{status}.json"
    file.write_text(
        json.dumps({"format": "tfhandbook-progress/1", "attempts": [], "grades": [grade]})
    )
    return file


def answer_right(page, quiz, seed: int, folder: Path) -> None:
    """Fill in the right answers for the attempt drawn from `seed`, worked out in Python;
    a coding question's pass is imported from a progress file, as the terminal writes it."""
    bank = load_bank(BANK)
    for drawn in draw(bank, expand(bank), seed):
        variant = drawn.variant
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
                field.locator("input").fill(f"`{variant.answer[0].upper()}` ")
            case "code":
                quiz.locator(".tfh-quiz-import").set_input_files(
                    graded_file(folder, variant.question.id)
                )


def answer_one_wrong(quiz, seed: int) -> None:
    """Answer the attempt's first question wrongly, and leave the rest empty."""
    bank = load_bank(BANK)
    variant = draw(bank, expand(bank), seed)[0].variant
    field = quiz.locator(f'fieldset[data-key="{variant.key}"]')
    if variant.question.type in ("single", "multiple"):
        wrong = next(choice for choice in variant.choices if choice not in variant.answer)
        field.locator(f'input[value="{variant.choices.index(wrong)}"]').check()
    else:
        field.locator("input").fill("7")  # no numeric or text answer in the bank is 7


def saved_state(page) -> dict:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('tfhandbook-quiz:sample:'))))"
    )


@pytest.mark.sphinx("html", testroot="quiz")
def test_a_quiz_from_first_attempt_to_the_last(app, chromium, serve, tmp_path: Path) -> None:
    app.build()
    errors: list[str] = []
    with serve(app.outdir) as url:
        page = chromium.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(  # the test project has no favicon; anything else missing is an error
            "response",
            lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
        )
        page.goto(f"{url}/part/chapter.html")
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        assert "Attempts used: 0 of 2" in quiz.inner_text()

        # Attempt 1: answer one question, reload, find it kept; submit it mostly empty.
        quiz.get_by_role("button", name="Start the quiz").click()
        first = saved_state(page)["current"]
        answer_one_wrong(quiz, first["seed"])
        page.reload()
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        assert saved_state(page)["current"]["seed"] == first["seed"]  # not redrawn on reload
        assert saved_state(page)["current"]["answers"]
        quiz.get_by_role("button", name="Submit answers").click()
        # Mostly empty: it asks first, and "Keep answering" spends nothing.
        assert "no answer, and submitting uses one of your attempts" in quiz.inner_text()
        quiz.get_by_role("button", name="Keep answering").click()
        assert quiz.locator(".tfh-quiz-confirm").count() == 0
        assert saved_state(page)["attempts"] == []
        quiz.get_by_role("button", name="Submit answers").click()
        quiz.get_by_role("button", name="Submit anyway").click()
        text = quiz.inner_text()
        assert "(not passed)" in text and "your answer: no answer" in text
        assert "Answers and explanations appear after a pass" in text
        first_keys = set(saved_state(page)["attempts"][0]["results"])

        # Attempt 2, the last: all right, so it passes with the second attempt's weight.
        quiz.get_by_role("button", name="Try again").click()
        second_seed = saved_state(page)["current"]["seed"]
        answer_right(page, quiz, second_seed, tmp_path)
        quiz.get_by_role("button", name="Submit answers").click()
        text = quiz.inner_text()
        marked = len(saved_state(page)["attempts"][1]["results"])
        score = "Attempt 2 counts 80%, so it scores 80% (passed)."
        assert f"Attempt 2: {marked} of {marked} right (100%). {score}" in text
        assert "best score 80% (attempt 2)" in text
        bank = load_bank(BANK)
        for drawn in draw(bank, expand(bank), second_seed):  # what you answered, beside the mark
            variant = drawn.variant
            item = quiz.locator(f'li[data-key="{variant.key}"]').first.inner_text()
            match variant.question.type:
                case "single":
                    assert f"Right · your answer: {variant.answer}" in item
                case "multiple":
                    assert f"Right · your answer: {'; '.join(variant.answer)}" in item
                case "numeric" | "text":
                    assert "Right · your answer: " in item
                case "code":
                    assert "Right · your answer: graded in the terminal, passed" in item
        assert "Wrong" not in text.split("Questions from your earlier attempts:")[0]
        assert "Attempts used: 2 of 2" in text and "no attempts left" in text
        assert "Answer:" in text  # answers are revealed after the pass
        # ...and so is every question of the first attempt that this one did not draw.
        shown = {key for key in first_keys if quiz.locator(f'li[data-key="{key}"]').count()}
        assert shown == first_keys
        assert quiz.get_by_role("button", name="Try again").count() == 0

        # Progress survives a reload; the part quiz beside it is untouched.
        page.reload()
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        assert "so it scores 80% (passed)" in quiz.inner_text()
        assert (
            "Attempts used: 0 of" in page.locator('.tfh-quiz[data-quiz="part:part"]').inner_text()
        )
    assert errors == []


@pytest.mark.sphinx("html", testroot="quiz")
def test_the_page_hashes_and_draws_exactly_as_python_does(app, chromium, serve) -> None:
    import hashlib

    from tfhandbook.quiz.sampling import Mulberry32

    app.build()
    with serve(app.outdir) as url:
        page = chromium.new_page()
        page.goto(f"{url}/part/chapter.html")
        text = "salt\x1fkey\x1f(none,4) ünïcode " * 5
        assert (
            page.evaluate("t => tfhandbookQuiz.sha256(t)", text)
            == hashlib.sha256(text.encode()).hexdigest()
        )
        js = page.evaluate(
            "() => { const r = tfhandbookQuiz.mulberry32(99); return [r.next(), r.next()]; }"
        )
        rng = Mulberry32(99)
        assert js == [rng.next_uint32(), rng.next_uint32()]
        assert json.loads(json.dumps(js))  # plain numbers


@pytest.mark.sphinx("html", testroot="quiz")
def test_a_coding_question_copies_its_starter_and_its_command(app, chromium, serve) -> None:
    app.build()
    with serve(app.outdir) as url:
        context = chromium.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        page.goto(f"{url}/part/chapter.html")
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        quiz.get_by_role("button", name="Start the quiz").click()
        question = quiz.locator("fieldset.tfh-quiz-code")
        question.get_by_role("button", name="Copy the starter code").click()
        clipboard = page.evaluate("() => navigator.clipboard.readText()")
        assert clipboard.startswith("def scaled_relu(x, alpha):")
        question.get_by_role("button", name="Copy the grading command").click()
        clipboard = page.evaluate("() => navigator.clipboard.readText()")
        assert "grade sample scaled-relu answer.py" in clipboard
        assert (
            question.get_by_role("button", name="Copy the grading command").inner_text() == "Copied"
        )
        context.close()


TOLERANCE_BANK = Path(__file__).parent / "roots" / "test-quiz-tolerance" / "part"
TOLERANCE_BANK = TOLERANCE_BANK / "chapter.quiz.yaml"

#: Texts around the edges of each interval, and texts only one language calls a number.
NUMERIC_RESPONSES = [
    "10", "11", "9", "11.4", "8.6", "10.6", "11.0000001", "8.9999999", " 9.0 ", "+11", "1e1",
    "11.", ".3", "0.4", "0.2", "0.19999999999999998", "0.40000000000000002", "0.1", "0.5",
    "15", "15.0", "15.000000000000002", "1.5e1", "", " ", "1_0", "0x0A", "0xF", "nan", "NaN",
    "Infinity", "inf", "1e999", "-1e999", "\u0661\u0660", "10 0", "ten", "10,0",
]  # fmt: skip


@pytest.mark.sphinx("html", testroot="quiz-tolerance")
def test_the_page_and_the_terminal_accept_the_same_numbers(app, chromium, serve) -> None:
    """11.4 for an answer of 10 within 1 (1.4 times the tolerance away) is wrong in both;
    and every text near the edges gets the same verdict from quiz.js and from marking.py."""
    from tfhandbook.quiz.marking import is_correct

    app.build()
    bank = load_bank(TOLERANCE_BANK)
    variants = {v.key: v for vs in expand(bank).values() for v in vs}
    with serve(app.outdir) as url:
        page = chromium.new_page()
        page.goto(f"{url}/part/chapter.html")
        quiz = page.locator('.tfh-quiz[data-quiz="tolerance"]')

        # As a learner: 11.4 to "10, give or take 1" is marked wrong; 10.9 right.
        quiz.get_by_role("button", name="Start the quiz").click()
        quiz.locator('fieldset[data-key="ten"] input').fill("11.4")
        quiz.locator('fieldset[data-key="tenth"] input').fill("0.39")
        quiz.get_by_role("button", name="Submit answers").click()
        if quiz.get_by_role("button", name="Submit anyway").count():  # the other questions
            quiz.get_by_role("button", name="Submit anyway").click()
        assert quiz.locator('li[data-key="ten"] .tfh-quiz-wrong').count() == 1
        assert quiz.locator('li[data-key="tenth"] .tfh-quiz-right').count() == 1

        page_verdicts = page.evaluate(
            """responses => {
                const root = document.querySelector('.tfh-quiz[data-quiz="tolerance"]');
                const data = JSON.parse(root.querySelector('.tfh-quiz-data').textContent);
                const verdicts = {};
                for (const [variant] of data.pools[0].questions)
                    verdicts[variant.key] = responses.map(
                        r => tfhandbookQuiz.isCorrect(data, variant, r));
                return verdicts;
            }""",
            NUMERIC_RESPONSES,
        )
    assert set(page_verdicts) == {"ten", "tenth", "exact"}
    for key, verdicts in page_verdicts.items():
        terminal = [is_correct(variants[key], response) for response in NUMERIC_RESPONSES]
        assert dict(zip(NUMERIC_RESPONSES, verdicts, strict=True)) == dict(
            zip(NUMERIC_RESPONSES, terminal, strict=True)
        )
    assert dict(zip(NUMERIC_RESPONSES, page_verdicts["ten"], strict=True))["11.4"] is False
    assert sum(page_verdicts["ten"]) >= 5  # the comparison can say yes, too
