"""The ``{quiz}`` directive: what the page holds (and does not), and build errors."""

from __future__ import annotations

import json
import re

import pytest


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


@pytest.mark.sphinx("html", testroot="quiz-broken")
def test_a_malformed_bank_fails_the_build_naming_file_line_and_question(app) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert "broken.md:3" in warnings
    assert "broken.quiz.yaml:6 (question 'q1'): answer 'c' is not one of the choices" in warnings
