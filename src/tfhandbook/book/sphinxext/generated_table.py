"""The ``{generated-table}`` directive: a table of measurements made when the book is built.

````markdown
```{generated-table} snippets.part2.graph_mode.execution_times
:caption: One training step, in milliseconds
```
````

The function returns ``(header, rows)`` (see :mod:`tfhandbook.book.measured_tables`); the table is
followed by the machine it was measured on. A missing function or a malformed table is a
build error that names the page and line.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from tfhandbook.book.measured_tables import TableFunctionError, run_table_function
from tfhandbook.book.sphinxext.tables import cell, table
from tfhandbook.settings import describe_machine


class GeneratedTableDirective(SphinxDirective):
    """Call a measuring function and render what it returns as a captioned table."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"caption": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        try:
            header, rows = run_table_function(self.arguments[0])
        except TableFunctionError as error:
            raise self.error(f"{{generated-table}}: {error}") from error
        except Exception as error:  # the measurement itself failed: report it, not a traceback
            raise self.error(
                f"{{generated-table}}: {self.arguments[0]} raised {type(error).__name__}: {error}"
            ) from error
        table = self._table(header, rows)
        machine = nodes.paragraph("", f"Measured on {describe_machine()}.", classes=["measured-on"])
        container = nodes.container("", table, machine, classes=["generated-table"])
        self.set_source_info(container)
        return [container]

    def _table(self, header: list[str], rows: list[list[str]]) -> nodes.table:
        measured = table(header, [[cell(text) for text in row] for row in rows])
        if caption := self.options.get("caption"):
            title_nodes, _ = self.parse_inline(caption, lineno=self.lineno)
            measured.insert(0, nodes.title(caption, "", *title_nodes))
        self.set_source_info(measured)
        return measured


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("generated-table", GeneratedTableDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
