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
(:func:`~tfhandbook.quiz.types.numeric.accepted_interval`), obfuscated like the explanations
until the script may show them. What each question carries is its type's
(:mod:`tfhandbook.quiz.types`). ``quiz.js`` draws, scores and stores attempts in the
browser; each type's renderer (``static/quiz-types/``), added to the pages whose quizzes use
the type, shows and marks its questions. A malformed bank is a build error naming file,
line and question.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from markdown_it import MarkdownIt
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from tfhandbook.quiz.bank import Bank, BankError, bank_path_for, load_bank
from tfhandbook.quiz.marking import ATTEMPT_DECAY, answer_digests, attempt_weight
from tfhandbook.quiz.session import QuizError, part_bank
from tfhandbook.quiz.types import REGISTRY
from tfhandbook.quiz.types.numeric import accept_key
from tfhandbook.quiz.variants import Variant, expand

__all__ = ["QuizDirective", "accept_key", "quiz_data", "setup"]

STATIC = Path(__file__).parent / "static"
#: The question types' renderers load before ``quiz.js`` (which has Sphinx's default, 500):
#: it starts them when it starts.
RENDERER_PRIORITY = 490
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
            f'<p class="tfh-quiz-rules">{escape(rules(bank))}</p>'
            f'<p class="tfh-quiz-notice">{NOTICE}</p>'
            f'<script type="application/json" class="tfh-quiz-data">{payload}</script>'
            f'<div class="tfh-quiz-body"><noscript>The quiz needs JavaScript; take it in the '
            f"terminal instead: <code>nox -s quiz -- take {bank.quiz}</code></noscript></div>"
            f"</div>"
        )
        used = sorted({question.type for question in bank.questions})
        # The page's html-page-context adds the renderers of these types (_add_renderers).
        return [nodes.raw("", html, format="html", tfh_quiz_types=used)]


#: Where a coding question is graded: the page cannot run code (``quiz-types/code.js``).
GRADED_ELSEWHERE = "graded in your terminal or the chapter's notebook, then imported here"


def rules(bank: Bank) -> str:
    """The quiz's rules, read from its bank, for the reader before the first attempt: how
    many questions an attempt draws from how many, how many run code, the attempts, the
    pass mark and how points decline."""
    runs_code = [[REGISTRY[q.type].runs_code for q in pool.questions] for pool in bank.pools]
    coding = sum(pool.draw for pool, code in zip(bank.pools, runs_code, strict=True) if all(code))
    mixed = any(any(code) and not all(code) for code in runs_code)
    text = f"Each attempt draws {bank.draw_total} questions at random from a bank of "
    text += f"{len(bank.questions)}"
    if mixed:
        text += f"; some may be coding questions, {GRADED_ELSEWHERE}"
    elif coding:
        text += f"; {_count(coding, 'is a coding question', 'are coding questions')}"
        text += f", {GRADED_ELSEWHERE}"
    text += f". You have {_count(bank.attempts, 'attempt', 'attempts')}; an attempt passes "
    text += f"with {bank.pass_mark:.0%} of its questions right"
    if bank.attempts > 1:
        numbers = [str(n) for n in range(1, bank.attempts + 1)]
        weights = [f"{attempt_weight(int(n)):g}" for n in numbers]
        text += (
            f". Its points are the share right times {_listed(weights)} on attempts "
            f"{_listed(numbers)}, and the quiz keeps your best"
        )
    return text + ". Answers and explanations appear after a pass or your last attempt."


def _count(number: int, one: str, many: str) -> str:
    return f"one {one}" if number == 1 else f"{number} {many}"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def quiz_data(bank: Bank) -> dict[str, Any]:
    """Everything the page needs to draw and mark attempts, answers only as hashes."""
    salt = hashlib.sha256(f"{bank.quiz}:{bank.fingerprint}".encode()).hexdigest()[:16]
    variants = expand(bank)
    page = _Page(bank.quiz, salt)
    settings = {
        key: value for kind in REGISTRY.values() for key, value in kind.page_settings().items()
    }
    return {
        "quiz": bank.quiz,
        "title": bank.title,
        "fingerprint": bank.fingerprint,
        "attempts": bank.attempts,
        "passMark": bank.pass_mark,
        "decay": ATTEMPT_DECAY,
        "salt": salt,
        **settings,
        "pools": [
            {
                "id": pool.id,
                "draw": pool.draw,
                "questions": [
                    [_variant(variant, page) for variant in variants[question.id]]
                    for question in pool.questions
                ],
            }
            for pool in bank.pools
        ],
    }


@dataclass(frozen=True)
class _Page:
    """What a question type's page hooks see (:class:`tfhandbook.quiz.types.base.Page`)."""

    quiz: str
    salt: str

    def markdown(self, text: str) -> str:
        return _MARKDOWN.render(text)

    def inline(self, text: str) -> str:
        return _MARKDOWN.renderInline(text)

    def obfuscate(self, text: str, key: str) -> str:
        return _obfuscate(text, key)


def _variant(variant: Variant, page: _Page) -> dict[str, Any]:
    question = variant.question
    kind = REGISTRY[question.type]
    data: dict[str, Any] = {
        "key": variant.key,
        "type": question.type,
        "prompt": page.markdown(variant.prompt),
        "choices": [page.inline(choice) for choice in variant.choices],
        "digests": answer_digests(variant, page.salt),
        **kind.page_data(variant, page),
    }
    reveal = {"explanation": page.markdown(question.explanation or "")}
    if (answer := kind.answer_html(variant, page)) is not None:
        reveal["answer"] = answer
    data["reveal"] = _obfuscate(json.dumps(reveal), f"{page.salt}:{variant.key}")
    return data


def scripts(types: Iterable[str]) -> list[str]:
    """The renderers the page needs for quizzes of these types, each once, in registry order."""
    wanted = set(types)
    return list(dict.fromkeys(kind.script for kind in REGISTRY.values() if kind.name in wanted))


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


def _add_renderers(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """Add the renderers of the question types a page's quizzes use, to that page only (as
    ``sphinx.ext.mathjax`` adds MathJax), before ``quiz.js``, which starts them."""
    if doctree is None:
        return
    used = [kind for node in doctree.findall(nodes.raw) for kind in node.get("tfh_quiz_types", ())]
    for script in scripts(used):
        app.add_js_file(script, priority=RENDERER_PRIORITY, loading_method="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("quiz", QuizDirective)
    app.connect("builder-inited", _add_static)
    app.connect("html-page-context", _add_renderers)
    app.add_js_file("quiz.js", loading_method="defer")
    app.add_css_file("quiz.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
