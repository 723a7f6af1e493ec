"""Render ``$...$`` and ``$$...$$`` as MathML when the book is built.

Browsers display MathML natively, so pages need no MathJax: no script from a CDN, nothing
to download at read time, and the formulas are there on first paint. LaTeX the converter
cannot handle is a build warning naming the page and line, shown as code.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)


def _mathml(translator: HTML5Translator, node: nodes.Element, display: str) -> str:
    latex = node.astext()
    try:
        return convert(latex, display=display)
    except Exception as error:  # the converter raises many types on bad input
        logger.warning("cannot render math %r as MathML: %s", latex, error, location=node)
        return f"<code>{translator.encode(latex)}</code>"


def visit_math(translator: HTML5Translator, node: nodes.math) -> None:
    translator.body.append(f'<span class="math">{_mathml(translator, node, "inline")}</span>')
    raise nodes.SkipNode


def visit_displaymath(translator: HTML5Translator, node: nodes.math_block) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})</span>')
    translator.body.append(_mathml(translator, node, "block"))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
