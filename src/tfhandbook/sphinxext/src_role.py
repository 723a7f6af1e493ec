"""The ``{src}`` role: a checked reference to a TensorFlow or Keras internal.

```markdown
{src}`keras.src.layers.layer.Layer.__call__`     full dotted name, linked to its line
{src}`~keras.src.layers.layer.Layer.__call__`    shown as ``Layer.__call__``
{src}`the call wrapper <keras.src.layers.layer.Layer.__call__>`   your own text
```

The name is imported from the installed version at build time and linked to the same file
and line in the public repository at the installed release tag. A name that no longer
resolves is a build warning naming the chapter and line, which ``-W`` turns into a failure.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import split_explicit_title

from tfhandbook.source_links import UnresolvedReference, locate

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
            return [nodes.literal(self.rawtext, title if has_title else target)], []
        shown = title if has_title else (location.qualname if short else target)
        link = nodes.reference(
            "",
            "",
            nodes.literal(shown, shown),
            refuri=location.url,
            reftitle=f"{location.path}, line {location.line}",
            classes=["src-ref"],
        )
        return [link], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_role("src", SourceRole())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
