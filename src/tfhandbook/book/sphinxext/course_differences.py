"""The ``{course-differences}`` directive: every chapter's *Coming from the course* section,
collected on one page in reading order, each under a link to its chapter.

The sections are copied from the chapters' resolved doctrees when the page is written, so the
collection is never out of date; links inside them are rewritten to work from this page.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

SECTION_TITLE = "Coming from the course"


class course_differences(nodes.General, nodes.Element):  # docutils names nodes in lower case
    """Placeholder, replaced when the page is resolved."""


class CourseDifferencesDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        # Re-read this page whenever any chapter changes.
        for path in Path(self.env.srcdir).rglob("*.md"):
            if "_build" not in path.parts:
                self.env.note_dependency(str(path))
        return [course_differences()]


def reading_order(app: Sphinx) -> list[str]:
    """Documents in the order of the root toctree, depth first."""
    order: list[str] = []

    def visit(docname: str) -> None:
        for child in app.env.toctree_includes.get(docname, []):
            if child not in order:
                order.append(child)
                visit(child)

    visit(app.config.root_doc)
    return order


def _collect(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(course_differences)):
        collected = [
            section
            for chapter in reading_order(app)
            if chapter != docname and (section := _chapter_section(app, chapter, docname))
        ]
        if not collected:
            collected = [nodes.paragraph(text="No chapter has a Coming from the course section.")]
        placeholder.replace_self(collected)


def _chapter_section(app: Sphinx, chapter: str, page: str) -> nodes.section | None:
    tree = app.env.get_and_resolve_doctree(chapter, app.builder, tags=app.tags)
    for section in tree.findall(nodes.section):
        if section[0].astext().strip() != SECTION_TITLE:
            continue
        chapter_uri = app.builder.get_relative_uri(page, chapter)
        anchor = section["ids"][0] if section["ids"] else ""
        title_text = app.env.titles[chapter].astext()
        link = nodes.reference("", title_text, refuri=f"{chapter_uri}#{anchor}")
        copy = nodes.section(ids=[f"from-{chapter.replace('/', '-')}"])
        copy += nodes.title("", "", link)
        for child in section.children[1:]:
            copy += _relinked(child.deepcopy(), chapter_uri, chapter)
        return copy
    return None


def _relinked(node: nodes.Element, chapter_uri: str, chapter: str) -> nodes.Element:
    """Make links that were relative to the chapter work from the collecting page, and
    keep ids unique on it."""
    base = posixpath.dirname(chapter_uri)
    prefix = chapter.replace("/", "-")
    for element in node.findall(nodes.Element):
        element["ids"] = [f"{prefix}-{id_}" for id_ in element.get("ids", [])]
        if isinstance(element, nodes.reference) and "refid" in element:
            # An anchor in the chapter: link to it there.
            element["refuri"] = f"{chapter_uri}#{element.attributes.pop('refid')}"
            continue
        uri = element.get("refuri")
        if isinstance(element, nodes.reference) and uri and "://" not in uri:
            if uri.startswith("#"):
                element["refuri"] = chapter_uri + uri
            elif not uri.startswith(("/", "mailto:")):
                element["refuri"] = posixpath.normpath(posixpath.join(base, uri))
    return node


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(course_differences)
    app.add_directive("course-differences", CourseDifferencesDirective)
    app.connect("doctree-resolved", _collect)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": False}
