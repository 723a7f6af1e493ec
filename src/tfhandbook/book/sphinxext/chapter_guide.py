"""What a chapter asks of its reader and gives back, under its title: the reading time, what
it assumes, and what you will be able to do after it.

A chapter's front matter says the last two; the reading time is counted from its prose::

    ---
    assumes:
      - custom-models/custom-layers          # a chapter: linked by its title
      - You have trained a Keras model with fit.
    objectives:
      - Write a loss as a function and as a Loss subclass.
    ---

A chapter (a page in a part's folder, other than the part's map) without either gets a
warning naming the page (``tfhandbook.chapter-guide``), which the book's ``-W`` build turns
into an error, so the landing page's promise that each chapter says what it assumes stays
true.
"""

from __future__ import annotations

import json
import re
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging

from tfhandbook.book.chapters import is_chapter

logger = logging.getLogger(__name__)

#: Words a reader reads in a minute, for technical prose with code beside it.
WORDS_PER_MINUTE = 200
_DOCNAME = re.compile(r"^[\w-]+/[\w-]+$")


def prose_words(doctree: nodes.document) -> int:
    """The words of a page's prose: its text outside code blocks, formulas and raw HTML."""
    skipped = (nodes.literal_block, nodes.math_block, nodes.raw, nodes.comment)
    count = 0
    for text in doctree.findall(nodes.Text):
        parent = text.parent
        while parent is not None and not isinstance(parent, skipped):
            parent = parent.parent
        if parent is None:
            count += len(text.astext().split())
    return count


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE))


def _assumption(item: str) -> nodes.Node:
    """A chapter's docname as a link to it, anything else as text."""
    if _DOCNAME.match(item.strip()):
        reference = addnodes.pending_xref(
            "", refdomain="std", reftype="doc", reftarget=f"/{item.strip()}", refexplicit=False
        )
        reference += nodes.inline(item, item)
        return reference
    return nodes.Text(item.strip())


def _guide(words: int, assumes: list[str], objectives: list[str]) -> nodes.container:
    box = nodes.container(classes=["chapter-guide"])
    minutes = reading_minutes(words)
    unit = "minute" if minutes == 1 else "minutes"
    box += nodes.paragraph(
        "", f"About {minutes} {unit} of reading, and more to run and change the examples."
    )
    if assumes:
        line = nodes.paragraph("", "", nodes.strong("Before this chapter:", "Before this chapter:"))
        for index, item in enumerate(assumes):
            line += nodes.Text(" " if index == 0 else "; ")
            line += _assumption(item)
        box += line
    if objectives:
        box += nodes.paragraph("", "", nodes.strong("After it, you can:", "After it, you can:"))
        items = nodes.bullet_list()
        for objective in objectives:
            items += nodes.list_item("", nodes.paragraph(objective, objective))
        box += items
    return box


def _as_list(value: Any) -> list[str]:
    """A front-matter list; MyST hands non-string values on as JSON text."""
    if isinstance(value, str) and value.startswith("["):
        value = json.loads(value)
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _add_guide(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not is_chapter(docname):
        return
    metadata = app.env.metadata.get(docname, {})
    assumes, objectives = _as_list(metadata.get("assumes")), _as_list(metadata.get("objectives"))
    for key, value in (("assumes", assumes), ("objectives", objectives)):
        if not value:
            logger.warning(
                f"a chapter without '{key}' in its front matter: say what it "
                + ("assumes" if key == "assumes" else "teaches its reader to do"),
                location=docname,
                type="tfhandbook",
                subtype="chapter-guide",
            )
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = section.next_node(nodes.title)
    title.parent.insert(
        title.parent.index(title) + 1, _guide(prose_words(doctree), assumes, objectives)
    )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", _add_guide)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
