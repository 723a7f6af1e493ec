"""The ``{not-executed}`` directive: Python the reader sees but the tests do not run.

Every other Python block in the book is executed. The few that cannot be (code from the
course that no longer runs on Keras 3, code that needs a GPU or a download) go here, and the
reason is printed above the code for the reader. Give it as the argument, or, when it
contains code (CommonMark forbids backticks in a backtick fence's info string), as ``:reason:``:

````markdown
```{not-executed} Keras 2 only, removed in Keras 3
from keras.layers.merge import concatenate
```

```{not-executed}
:reason: Keras 2 only: `keras.layers.merge` is gone in Keras 3

from keras.layers.merge import concatenate
```
````
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class NotExecutedDirective(SphinxDirective):
    """A highlighted Python block captioned with why the test suite does not run it."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "reason": directives.unchanged_required,
        "language": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        reason = self.options.get("reason") or (self.arguments[0] if self.arguments else "")
        if not reason.strip():
            raise self.error("{not-executed} needs a reason the reader can see")
        if not self.content:
            raise self.error("{not-executed} needs the code it shows")
        code = "\n".join(self.content)
        literal = nodes.literal_block(code, code, language=self.options.get("language", "python"))
        self.set_source_info(literal)
        reason_nodes, messages = self.parse_inline(reason, lineno=self.lineno)
        caption = nodes.paragraph("", "", nodes.strong("Not executed: ", "Not executed: "))
        caption.extend(reason_nodes)
        container = nodes.container("", caption, literal, classes=["not-executed"])
        self.set_source_info(container)
        return [container, *messages]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("not-executed", NotExecutedDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
