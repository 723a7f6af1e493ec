"""The ``{quiz}`` directive: a chapter's quiz, or a part's, rendered for the browser.

````markdown
```{quiz}
```

```{quiz} part
```
````

The first renders the bank beside the page (``custom-losses.md`` → ``custom-losses.quiz.yaml``),
the second a quiz over every bank in the page's folder. Every variant of every question is
prepared at build time: parameterised answers are computed with the installed TensorFlow,
texts are rendered from Markdown, and answers reach the page only as salted hashes, or for
a numeric question as the two ends of its accepted interval
(:func:`~tfhandbook.quiz.marking.accepted_interval`), obfuscated like the explanations until
the script may show them. ``quiz.js`` draws, marks and stores attempts in the browser.
A malformed bank is a build error naming file, line and question.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from markdown_it import MarkdownIt
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from tfhandbook.quiz.bank import Bank, BankError, bank_path_for, load_bank
from tfhandbook.quiz.marking import (
    ATTEMPT_DECAY,
    NUMBER_PATTERN,
    accepted_interval,
    answer_digests,
)
from tfhandbook.quiz.session import QuizError, part_bank
from tfhandbook.quiz.variants import Variant, expand

STATIC = Path(__file__).parent / "static"
_MARKDOWN = MarkdownIt("commonmark")

NOTICE = (
    "This quiz runs in your browser and keeps your progress there: a static page can only "
    "advise, not enforce, so the attempt limit is yours to respect. Coding questions are "
    "graded by running your code, which a web page cannot do safely: grade them with the "
    "command-line tool, as each one shows."
)


class QuizDirective(SphinxDirective):
    """Embed a quiz's data and the container ``quiz.js`` fills in."""

    optional_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        page = Path(self.env.doc2path(self.env.docname))
        try:
            if self.arguments and self.arguments[0] == "part":
                bank = part_bank(page.parent, title=f"Part quiz: {self.env.docname.split('/')[0]}")
                for path in page.parent.glob("*.quiz.yaml"):
                    self.env.note_dependency(str(path))
            elif self.arguments:
                raise self.error(f"{{quiz}} takes no argument or 'part', not {self.arguments[0]!r}")
            else:
                path = bank_path_for(page)
                if not path.exists():
                    raise self.error(f"{{quiz}}: no question bank at {path}")
                self.env.note_dependency(str(path))
                bank = load_bank(path)
            data = quiz_data(bank)
        except (BankError, QuizError) as error:
            raise self.error(f"{{quiz}}: {error}") from error
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        html = (
            f'<div class="tfh-quiz" data-quiz="{bank.quiz}">'
            f'<p class="tfh-quiz-notice">{NOTICE}</p>'
            f'<script type="application/json" class="tfh-quiz-data">{payload}</script>'
            f'<div class="tfh-quiz-body"><noscript>The quiz needs JavaScript; take it in the '
            f"terminal instead: <code>nox -s quiz -- take {bank.quiz}</code></noscript></div>"
            f"</div>"
        )
        return [nodes.raw("", html, format="html")]


def quiz_data(bank: Bank) -> dict[str, Any]:
    """Everything the page needs to draw and mark attempts, answers only as hashes."""
    salt = hashlib.sha256(f"{bank.quiz}:{bank.fingerprint}".encode()).hexdigest()[:16]
    variants = expand(bank)
    return {
        "quiz": bank.quiz,
        "title": bank.title,
        "fingerprint": bank.fingerprint,
        "attempts": bank.attempts,
        "passMark": bank.pass_mark,
        "decay": ATTEMPT_DECAY,
        "salt": salt,
        "numberPattern": NUMBER_PATTERN,
        "pools": [
            {
                "id": pool.id,
                "draw": pool.draw,
                "questions": [
                    [_variant(variant, bank, salt) for variant in variants[question.id]]
                    for question in pool.questions
                ],
            }
            for pool in bank.pools
        ],
    }


def _variant(variant: Variant, bank: Bank, salt: str) -> dict[str, Any]:
    question = variant.question
    data: dict[str, Any] = {
        "key": variant.key,
        "type": question.type,
        "prompt": _MARKDOWN.render(variant.prompt),
        "choices": [_MARKDOWN.renderInline(choice) for choice in variant.choices],
        "digests": answer_digests(variant, salt),
    }
    if question.type == "numeric":  # quiz.js compares with these two floats, nothing else
        interval = accepted_interval(variant.answer, question.tolerance)
        data["accept"] = _obfuscate(json.dumps(interval), accept_key(salt, variant.key))
    reveal = {"explanation": _MARKDOWN.render(question.explanation or "")}
    if question.type == "code":
        data["starter"] = question.starter
        data["publicChecks"] = [check.probe for check in question.public_checks]
        data["command"] = f"nox -s quiz -- grade {bank.quiz} {question.id} answer.py"
    else:
        reveal["answer"] = _answer_html(variant)
    data["reveal"] = _obfuscate(json.dumps(reveal), f"{salt}:{variant.key}")
    return data


def _answer_html(variant: Variant) -> str:
    question = variant.question
    match question.type:
        case "single":
            return _MARKDOWN.renderInline(variant.answer)
        case "multiple":
            return ", ".join(_MARKDOWN.renderInline(answer) for answer in variant.answer)
        case "numeric":
            tolerance = f" (± {question.tolerance:g})" if question.tolerance else ""
            return f"{variant.answer:g}{tolerance}"
    return _MARKDOWN.renderInline(variant.answer[0])


def accept_key(salt: str, key: str) -> str:
    """The key a numeric variant's accepted interval is obfuscated with (``quiz.js`` too)."""
    return f"{salt}:{key}:accept"


def _obfuscate(text: str, key: str) -> str:
    """XOR with a SHA-256 key stream, base64: not secret, but not plain text in the page.
    ``quiz.js`` reverses it once an answer may be shown."""
    data = text.encode("utf-8")
    stream = b""
    counter = 0
    while len(stream) < len(data):
        stream += hashlib.sha256(f"{key}:{counter}".encode()).digest()
        counter += 1
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, stream, strict=False))).decode()


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("quiz", QuizDirective)
    app.connect("builder-inited", _add_static)
    app.add_js_file("quiz.js", loading_method="defer")
    app.add_css_file("quiz.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
