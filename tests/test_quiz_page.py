"""The ``{quiz}`` directive: what the page holds (and does not), and build errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape

import pytest

from tfhandbook.book.sphinxext.quiz import accept_key
from tfhandbook.quiz.bank import load_bank
from tfhandbook.quiz.marking import NUMBER_PATTERN, accepted_interval, is_correct
from tfhandbook.quiz.variants import expand


def quiz_data(html: str) -> list[dict]:
    found = re.findall(
        r'<script type="application/json" class="tfh-quiz-data">(.*?)</script>', html
    )
    return [json.loads(text.replace("<\\/", "</")) for text in found]


@pytest.mark.sphinx("html", testroot="quiz")
def test_the_page_embeds_the_bank_without_plain_answers(app) -> None:
    app.build()
    html = (app.outdir / "part" / "chapter.html").read_text(encoding="utf-8")
    chapter, part = quiz_data(html)
    assert (chapter["quiz"], chapter["attempts"], chapter["passMark"]) == ("sample", 2, 0.5)
    assert part["quiz"] == "part:part"
    dense = chapter["pools"][0]["questions"][2]
    assert len(dense) == 4 and "<code>Dense(3)</code>" in dense[0]["prompt"]
    assert "Python floats become float32" not in html  # explanations are obfuscated
    code = chapter["pools"][1]["questions"][0][0]
    assert code["command"] == "nox -s quiz -- grade sample scaled-relu answer.py"
    assert "a static page can only advise, not enforce" in html
    assert (app.outdir / "_static" / "quiz.js").exists()


@pytest.mark.sphinx("html", testroot="quiz")
def test_the_rules_before_the_first_attempt_are_read_from_the_bank(app) -> None:
    """Counts written by hand in a chapter drift from its bank: the page states them."""
    app.build()
    html = (app.outdir / "part" / "chapter.html").read_text(encoding="utf-8")
    rules = unescape(re.search(r'<p class="tfh-quiz-rules">(.*?)</p>', html).group(1))
    bank = load_bank(app.srcdir / "part" / "chapter.quiz.yaml")
    assert (bank.draw_total, len(bank.questions), bank.attempts) == (3, 5, 2)
    assert rules == (
        "Each attempt draws 3 questions at random from a bank of 5; one is a coding question, "
        "graded in your terminal or the chapter's notebook, then imported here. You have 2 "
        "attempts; an attempt passes with 50% of its "
        "questions right. Its points are the share right times 1 and 0.8 on attempts 1 and 2, "
        "and the quiz keeps your best. Answers and explanations appear after a pass or your "
        "last attempt."
    )


@pytest.mark.sphinx("html", testroot="quiz-broken")
def test_a_malformed_bank_fails_the_build_naming_file_line_and_question(app) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert "broken.md:3" in warnings
    assert "broken.quiz.yaml:6 (question 'q1'): answer 'c' is not one of the choices" in warnings


def unmask(masked: str, key: str) -> object:
    """What ``quiz.js`` reads from an obfuscated field: base64, XOR with a SHA-256 key
    stream, JSON."""
    data = base64.b64decode(masked)
    stream = b"".join(
        hashlib.sha256(f"{key}:{counter}".encode()).digest()
        for counter in range(len(data) // 32 + 1)
    )
    return json.loads(bytes(a ^ b for a, b in zip(data, stream, strict=False)))


@pytest.mark.sphinx("html", testroot="quiz-tolerance")
def test_the_page_holds_the_interval_the_terminal_accepts(app) -> None:
    """The page compares with the two floats marking.accepted_interval gives; with the old
    grid of hashes it took 11.4 for an answer of 10 within 1, which the terminal refuses."""
    app.build()
    (data,) = quiz_data((app.outdir / "part" / "chapter.html").read_text(encoding="utf-8"))
    bank = load_bank(app.srcdir / "part" / "chapter.quiz.yaml")
    variants = {v.key: v for vs in expand(bank).values() for v in vs}
    assert data["numberPattern"] == NUMBER_PATTERN
    intervals = {}
    for (page_variant,) in data["pools"][0]["questions"]:
        variant = variants[page_variant["key"]]
        key = accept_key(data["salt"], variant.key)
        intervals[variant.key] = tuple(unmask(page_variant["accept"], key))
        assert intervals[variant.key] == accepted_interval(
            variant.answer, variant.question.tolerance
        )
        assert page_variant["digests"] == [] and "tolerance" not in page_variant
        assert f"{variant.answer:g}" not in json.dumps(page_variant)  # not in plain text
    low, high = intervals["ten"]  # 10 within 1
    assert not low <= 11.4 <= high and low <= 11 <= high
    ten = variants["ten"]
    assert not is_correct(ten, "11.4") and not is_correct(ten, "8.6")
    assert is_correct(ten, "11") and is_correct(ten, " 9.0 ")
    assert intervals["exact"] == (15.0, 15.0)
