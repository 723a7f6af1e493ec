"""A quiz in a real browser: started, answered, reloaded, submitted, retried, and closed
once its attempts run out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tfhandbook.quiz.bank import load_bank
from tfhandbook.quiz.sampling import draw
from tfhandbook.quiz.variants import expand

BANK = Path(__file__).parent / "roots" / "test-quiz" / "part" / "chapter.quiz.yaml"


def answer_right(page, quiz, seed: int) -> None:
    """Fill in the right answers for the attempt drawn from `seed`, worked out in Python."""
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


def saved_state(page) -> dict:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('tfhandbook-quiz:sample:'))))"
    )


@pytest.mark.sphinx("html", testroot="quiz")
def test_a_quiz_from_first_attempt_to_the_last(app, chromium, serve) -> None:
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
        text_inputs = quiz.locator('fieldset input[type="text"]')
        if text_inputs.count():
            text_inputs.first.fill("7")
        else:
            quiz.locator("fieldset input").first.check()
        page.reload()
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        assert saved_state(page)["current"]["seed"] == first["seed"]  # not redrawn on reload
        assert saved_state(page)["current"]["answers"]
        quiz.get_by_role("button", name="Submit answers").click()
        assert "(not passed)" in quiz.inner_text()
        assert "Answers and explanations appear after a pass" in quiz.inner_text()

        # Attempt 2, the last: all right, so it passes with the second attempt's weight.
        quiz.get_by_role("button", name="Try again").click()
        answer_right(page, quiz, saved_state(page)["current"]["seed"])
        quiz.get_by_role("button", name="Submit answers").click()
        text = quiz.inner_text()
        assert "Attempt 2: 80% (passed)" in text
        assert "Attempts used: 2 of 2" in text and "no attempts left" in text
        assert "Answer:" in text  # answers are revealed after the pass
        assert quiz.get_by_role("button", name="Try again").count() == 0

        # Progress survives a reload; the part quiz beside it is untouched.
        page.reload()
        quiz = page.locator('.tfh-quiz[data-quiz="sample"]')
        assert "Attempt 2: 80% (passed)" in quiz.inner_text()
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
