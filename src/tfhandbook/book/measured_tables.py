"""Tables of measurements that a chapter shows but cannot check: timings, throughput.

A chapter names a function in ``snippets`` that runs the measurement and returns
``(header, rows)``, all strings. The ``{generated-table}`` directive calls it when the book is
built and the test suite calls it when the chapter is tested, so the code behind every table
runs in both, and the numbers on the page come from the machine named under the table.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Sequence

Table = tuple[list[str], list[list[str]]]


class TableFunctionError(ValueError):
    """The function named by a ``{generated-table}`` is missing or returned a malformed table."""


def run_table_function(dotted_name: str) -> Table:
    """Import and call the function named ``package.module.function``; validate its table."""
    module_name, _, function_name = dotted_name.strip().rpartition(".")
    if not module_name:
        raise TableFunctionError(f"{dotted_name!r} is not a dotted name: use module.function")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise TableFunctionError(f"cannot import {dotted_name}: {error}") from error
    return _validated(dotted_name, function())


def _validated(dotted_name: str, table: object) -> Table:
    if not (isinstance(table, tuple) and len(table) == 2):
        raise TableFunctionError(f"{dotted_name} must return (header, rows), got {table!r:.80}")
    header, rows = table
    if not _strings(header) or not header:
        raise TableFunctionError(f"{dotted_name}: the header must be a non-empty list of str")
    for number, row in enumerate(rows, start=1):
        if not _strings(row) or len(row) != len(header):
            raise TableFunctionError(
                f"{dotted_name}: row {number} must be {len(header)} str, got {row!r:.80}"
            )
    return list(header), [list(row) for row in rows]


def _strings(values: object) -> bool:
    return isinstance(values, Sequence) and all(isinstance(value, str) for value in values)
