"""Docutils tables for the directives that generate them (measurements, the test status)."""

from __future__ import annotations

from collections.abc import Sequence

from docutils import nodes


def cell(text: str) -> nodes.paragraph:
    return nodes.paragraph(text=text)


def table(
    header: Sequence[str], rows: Sequence[Sequence[nodes.Node]], classes: Sequence[str] = ()
) -> nodes.table:
    """A table with `header` as its head row and one body row per entry of `rows`."""
    group = nodes.tgroup(cols=len(header))
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    group += nodes.thead("", _row([cell(text) for text in header]))
    group += nodes.tbody("", *(_row(row) for row in rows))
    return nodes.table("", group, classes=list(classes))


def _row(cells: Sequence[nodes.Node]) -> nodes.row:
    return nodes.row("", *(nodes.entry("", content) for content in cells))
