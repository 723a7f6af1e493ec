"""The ``{src}`` role: a checked reference to a TensorFlow or Keras internal.

```markdown
{src}`keras.src.layers.layer.Layer.__call__`     full dotted name, linked to its line
{src}`~keras.src.layers.layer.Layer.__call__`    shown as ``Layer.__call__``
{src}`the call wrapper <keras.src.layers.layer.Layer.__call__>`   your own text
```

The name is imported from the installed version at build time and linked to the same file
and line in the public repository at the installed release tag. A name that no longer
resolves is a build warning naming the chapter and line, which ``-W`` turns into a failure.

A name with a private part (a leading underscore anywhere in the dotted path, such as
``Trainer._compile_loss``; a dunder like ``__call__`` is public protocol) is followed by a
small "private" badge, an ``<abbr>`` whose title says the name may change without notice:
a reader sees which parts of a walk through the source a release may break.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import split_explicit_title

from tfhandbook.book.source_links import UnresolvedReference, locate, private_parts

logger = logging.getLogger(__name__)


class SourceRole(SphinxRole):
    """Render a dotted name as code linked to its source; warn if it does not resolve."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        has_title, title, target = split_explicit_title(self.text)
        short = target.startswith("~")
        target = target.lstrip("~")
        try:
            location = locate(target)
        except UnresolvedReference as error:
            logger.warning(
                "{src} reference %r does not resolve: %s",
                target,
                error,
                location=self.get_location(),
                type="tfhandbook",
                subtype="src",
            )
            shown = nodes.literal(self.rawtext, title if has_title else target)
            return [shown, *private_marker(target)], []
        shown = title if has_title else (location.qualname if short else target)
        link = nodes.reference(
            "",
            "",
            nodes.literal(shown, shown),
            refuri=location.url,
            reftitle=f"{location.path}, line {location.line}",
            classes=["src-ref"],
        )
        return [link, *private_marker(target)], []


def private_marker(name: str) -> list[nodes.Node]:
    """A "private" badge for `name` if it has a private part, else nothing.

    An ``abbreviation`` node is docutils' own and renders as ``<abbr title=...>`` in HTML
    (and as plain text elsewhere), so the explanation needs no custom node or translator.
    """
    private = private_parts(name)
    if not private:
        return []
    names = " and ".join(f"`{part}`" for part in private)
    verb = "is" if len(private) == 1 else "are"
    explanation = (
        f"Private: {names} {verb} not part of the public API, so it may change or disappear "
        "in any release without notice."
    )
    badge = nodes.abbreviation(
        "private", "private", explanation=explanation, classes=["src-private"]
    )
    # A no-break space: the badge never starts a line on its own, away from its name.
    return [nodes.Text("\N{NO-BREAK SPACE}"), badge]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_role("src", SourceRole())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
