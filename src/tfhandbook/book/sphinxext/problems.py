"""``{problem}``: one thing that goes wrong, reproduced, explained and fixed; and
``{error-index}``: every problem's message on one page, by part.

A chapter's *When it goes wrong* section holds its problems::

    ````{problem} EarlyStopping watches a metric that is not in the logs
    :message: Early stopping conditioned on metric `val_acc` which is not available
    :old-message: Keras 2.15: Early stopping conditioned on metric `val_acc` which is not available
    :reported: https://github.com/keras-team/keras/issues/0000

    The symptom, reproduced by an executed example; the cause; the fix, executed.
    ````

``:message:`` is the text the pinned versions print. The tests check that an executed
example inside the problem shows it in its expected output, so a message that changes with a
new release fails the tests instead of going stale here. ``:old-message:`` is a wording an
older release printed, which readers still paste into search boxes: the release, a colon,
the text. A problem that prints more than one message, or whose old wordings differ by
release, gives one per line: the options go in a ``---`` YAML block, with ``message: |``
or ``old-message: |`` and the wordings indented below it. A problem without a message is
a silent failure (training that does nothing, a loss that turns NaN): its title names the
symptom. ``:reported:`` lists, separated by spaces, public reports of the problem.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from tfhandbook.book.sphinxext.course_differences import reading_order

#: An old wording's label: the release that printed it, before the colon.
OLD_MESSAGE = re.compile(
    r"^(?P<release>(?:Keras|tf\.keras|TensorFlow|TF|tf_keras) [\w.x*-]+"
    r"(?: to [\w.x*-]+| and earlier| and later)?)"
    r":\s*(?P<text>\S.*)$"
)


class error_index(nodes.General, nodes.Element):  # docutils names nodes in lower case
    """Placeholder, replaced by the index when the page is resolved."""


def wordings(value: str | None) -> list[str]:
    """An option's messages: one per non-blank line."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _one_line_each(argument: str | None) -> str:
    """A message option, refused when empty: a ``:key: |`` line gives MyST an empty value,
    since the wordings indented below it are not option lines."""
    if not (argument or "").strip(" |>-\n"):
        raise ValueError(
            "no message: a ':key:' line holds one line only; for several messages, put "
            "the options in a --- YAML block (message: | and the wordings indented below)"
        )
    return argument.strip()


def _old_message(argument: str) -> str:
    _one_line_each(argument)
    for wording in wordings(argument):
        if not OLD_MESSAGE.match(wording):
            raise ValueError(
                f"{wording!r}: write the release that printed it, a colon, then the text, "
                "e.g. 'Keras 2.15: Early stopping conditioned on ...'"
            )
    return argument.strip()


class ProblemDirective(SphinxDirective):
    """A problem: its title, the messages it prints, and its content (Markdown)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar = {
        "message": _one_line_each,
        "old-message": _old_message,
        "reported": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0]
        ids = [_unique_id(self.state.document, "problem-" + nodes.make_id(title))]
        box = nodes.container(classes=["problem"], ids=ids)
        box += nodes.rubric("", "", *self.parse_inline(title)[0], classes=["problem-title"])
        messages = wordings(self.options.get("message"))
        old = [OLD_MESSAGE.match(w).groupdict() for w in wordings(self.options.get("old-message"))]
        for message in messages:
            box += _labelled("Message:", nodes.literal(message, message))
        if not messages:
            box += nodes.paragraph("", "", nodes.emphasis("", "A silent failure: no message."))
        for wording in old:
            label = f"{wording['release']} printed:"
            box += _labelled(label, nodes.literal(wording["text"], wording["text"]))
        box += self.parse_content_to_nodes(allow_section_headings=False)
        reported = self.options.get("reported", "").split()
        if reported:
            links = [nodes.reference(uri, _short(uri), refuri=uri) for uri in reported]
            box += _labelled("Reported in:", *_joined(links))
        self.env.tfhandbook_problems.setdefault(self.env.docname, []).append(
            {
                "title": title,
                "id": ids[0],
                "messages": messages,
                "old": old,
            }
        )
        return [box]


def _unique_id(document: nodes.document, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... if the page has it already."""
    candidate, number = wanted, 1
    while candidate in document.ids:
        number += 1
        candidate = f"{wanted}-{number}"
    document.ids[candidate] = document  # reserved for this problem's box
    return candidate


def _labelled(label: str, *content: nodes.Node) -> nodes.paragraph:
    return nodes.paragraph("", "", nodes.strong(label, label), nodes.Text(" "), *content)


def _joined(links: list[nodes.Node]) -> list[nodes.Node]:
    joined: list[nodes.Node] = []
    for index, link in enumerate(links):
        joined += [nodes.Text(", ")] if index else []
        joined.append(link)
    return joined


def _short(uri: str) -> str:
    """``github.com/keras-team/keras/issues/123`` as ``keras-team/keras#123``."""
    match = re.match(r"https://github\.com/([^/]+/[^/]+)/(?:issues|pull)/(\d+)", uri)
    return f"{match.group(1)}#{match.group(2)}" if match else uri


class ErrorIndexDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.tfhandbook_error_index_pages.add(self.env.docname)
        return [error_index()]


def _index(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(error_index)):
        placeholder.replace_self(_parts(app, docname))


def _parts(app: Sphinx, page: str) -> list[nodes.Node]:
    """One section per part: its messages in reading order, then its silent failures."""
    env = app.env
    by_part: dict[str, list[tuple[str, dict]]] = {}
    for chapter in reading_order(app):
        for problem in env.tfhandbook_problems.get(chapter, []):
            by_part.setdefault(chapter.split("/")[0], []).append((chapter, problem))
    if not by_part:
        return [nodes.paragraph(text="No chapter describes a problem yet.")]
    sections = []
    for part, problems in by_part.items():
        index_page = f"{part}/index"
        heading = env.titles[index_page].astext() if index_page in env.titles else part
        section = nodes.section(ids=[f"errors-{part}"])
        section += nodes.title(heading, heading)
        messages = nodes.bullet_list()
        silent = nodes.bullet_list()
        for chapter, problem in problems:
            link = _link(app, page, chapter, problem)
            for message in problem["messages"]:
                messages += _entry(nodes.literal(message, message), link)
            if not problem["messages"]:
                silent += _entry(nodes.Text(problem["title"]), link)
            for old in problem["old"]:
                label = nodes.Text(f" ({old['release']})")
                messages += _entry(nodes.literal(old["text"], old["text"]), link, label)
        if messages.children:
            section += messages
        if silent.children:
            section += nodes.rubric("Silent failures", "Silent failures")
            section += silent
        sections.append(section)
    return sections


def _link(app: Sphinx, page: str, chapter: str, problem: dict) -> nodes.reference:
    uri = app.builder.get_relative_uri(page, chapter) + "#" + problem["id"]
    chapter_title = app.env.titles[chapter].astext()
    text = f"{problem['title']} ({chapter_title})"
    return nodes.reference(text, text, refuri=uri)


def _entry(message: nodes.Node, link: nodes.reference, *after: nodes.Node) -> nodes.list_item:
    return nodes.list_item("", nodes.paragraph("", "", message, *after, nodes.Text(" → "), link))


def _init(app: Sphinx) -> None:
    env = app.env  # a fresh one, or the last build's, with its problems
    if not hasattr(env, "tfhandbook_problems"):
        env.tfhandbook_problems = {}
        env.tfhandbook_error_index_pages = set()


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.tfhandbook_problems.pop(docname, None)
    env.tfhandbook_error_index_pages.discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Problems read by parallel processes join the main environment."""
    env.tfhandbook_problems.update(other.tfhandbook_problems)
    env.tfhandbook_error_index_pages |= other.tfhandbook_error_index_pages


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """The index pages are written again whenever any page is, so they never go stale."""
    return sorted(env.tfhandbook_error_index_pages) if added | changed | removed else []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(error_index)
    app.add_directive("problem", ProblemDirective)
    app.add_directive("error-index", ErrorIndexDirective)
    app.connect("builder-inited", _init)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-resolved", _index)
    return {
        "version": "2",
        # What a problem records changed (several messages per problem): a saved environment
        # holding the old records is read again, not reused.
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
