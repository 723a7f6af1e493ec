"""A chapter as a Jupyter notebook: the same code, in the same order, runnable as is.

The conversion follows the harness's rules, so the notebook runs what the tests run:
``python`` fences and invisible setup blocks become code cells (a doctest becomes one cell
per ``>>>`` example, without its expected output); ``{plot}`` figures and the solutions of
exercises become code cells; prose, ``{literalinclude}`` listings and ``{not-executed}`` code
become Markdown. The first code cell starts from the seeds the tests start from.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<marks>`{3,}|~{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
_TARGET = re.compile(r"^\(([^)]+)\)=\s*$")
_INVISIBLE = re.compile(r"<!--\s*invisible-code-block:\s*python\s*\n(?P<code>.*?)-->", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
#: Directives whose content is prose and code: the notebook keeps it, under a bold title.
_CONTAINERS = {"exercise", "solution", "note", "tip", "warning", "important", "admonition",
               "hint", "seealso", "caution", "dropdown", "margin", "sidebar", "topic",
               "grid", "grid-item-card"}  # fmt: skip
#: Directives that only make sense on the built page (navigation, generated pages).
_DROPPED = {"toctree", "contents", "test-status", "glossary", "course-differences"}


class UnknownDirective(ValueError):
    """A chapter uses a directive the notebook export has no rule for. Silently turning it
    into a plain block would give the notebook content the page does not have."""


SETUP = (
    "# The handbook's tests start every chapter from these seeds; so does this notebook.\n"
    "from tfhandbook.runtime import import_tensorflow_quietly, reset_state\n\n"
    "import_tensorflow_quietly()\n"
    "reset_state()"
)


@dataclass
class _Cells:
    cells: list[dict] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)

    def text(self, line: str) -> None:
        self.prose.append(line)

    def flush(self) -> None:
        text = "\n".join(self.prose).strip("\n")
        self.prose = []
        if text.strip():
            self.cells.append(_cell("markdown", text))

    def code(self, source: str, tags: tuple[str, ...] = ()) -> None:
        self.flush()
        if source.strip():
            self.cells.append(_cell("code", source.strip("\n"), tags))


def _cell(kind: str, source: str, tags: tuple[str, ...] = ()) -> dict:
    cell: dict = {"cell_type": kind, "metadata": {"tags": list(tags)} if tags else {},
                  "source": source.splitlines(keepends=True)}  # fmt: skip
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def doctest_sources(block: str) -> list[tuple[str, bool]]:
    """Each ``>>>`` example in a doctest block: its source without prompts, and whether its
    expected output is a traceback (the example shows an error on purpose).

    As in :mod:`doctest`, ``...`` lines directly after source lines continue the source;
    after an output line they are output (an ELLIPSIS).
    """
    examples: list[tuple[list[str], list[bool]]] = []
    in_source = False
    for line in block.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            examples.append(([stripped[4:]], [False]))
            in_source = True
        elif in_source and (stripped == "..." or stripped.startswith("... ")):
            examples[-1][0].append(stripped[4:])
        else:
            if in_source and stripped.startswith("Traceback (most recent call last)"):
                examples[-1][1][0] = True
            in_source = False
    return [("\n".join(lines).rstrip(), raises[0]) for lines, raises in examples]


def plain_roles(text: str) -> str:
    """MyST roles as plain Markdown: {src}`~a.b.C` becomes `C`, {doc}`x` becomes x."""

    def replace(match: re.Match[str]) -> str:
        role, body = match.group("role"), match.group("text")
        title = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^>]+)>$", body)
        if title:
            body = title.group("title")
        elif body.startswith("~"):
            body = body[1:].rsplit(".", 1)[-1]
        return f"`{body}`" if role in ("src", "code", "py:func", "py:class") else body

    return _ROLE.sub(replace, text)


def include_listing(chapter: Path, argument: str, options: dict[str, str]) -> str:
    """The code a ``{literalinclude}`` shows: a ``:pyobject:`` or the whole file."""
    path = (chapter.parent / argument).resolve()
    source = path.read_text(encoding="utf-8")
    name = options.get("pyobject")
    if not name:
        return source
    tree = ast.parse(source)
    scope: list[ast.stmt] = tree.body
    for part in name.split("."):
        node = next(n for n in scope if getattr(n, "name", None) == part)
        scope = getattr(node, "body", [])
    lines = source.splitlines()
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(lines[start - 1 : node.end_lineno])


def chapter_notebook(chapter: Path, kernel: str = "python3") -> dict:
    """The notebook (nbformat 4, as a dict) for the MyST chapter at `chapter`."""
    text = chapter.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text[text.index("\n---\n", 4) + 5 :]
    cells = _Cells()
    cells.code(SETUP, tags=("setup",))
    _convert(text, chapter, cells)
    cells.flush()
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": kernel, "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [dict(cell, id=f"cell-{index}") for index, cell in enumerate(cells.cells)],
    }


def _convert(text: str, chapter: Path, cells: _Cells) -> None:
    for kind, chunk in _split_invisible(text):
        if kind == "code":
            cells.code(chunk, tags=("setup",))
            continue
        lines = _COMMENT.sub("", chunk).splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            fence = _FENCE.match(line)
            if not fence:
                if not _TARGET.match(line) and not line.lstrip().startswith(":::"):
                    cells.text(plain_roles(line))
                index += 1
                continue
            end = _closing(lines, index, fence)
            body = lines[index + 1 : end]
            _fenced(
                fence.group("info").strip(), _dedent(body, fence.group("indent")), chapter, cells
            )
            index = end + 1


def _split_invisible(text: str) -> list[tuple[str, str]]:
    parts, position = [], 0
    for match in _INVISIBLE.finditer(text):
        parts.append(("text", text[position : match.start()]))
        parts.append(("code", match.group("code")))
        position = match.end()
    parts.append(("text", text[position:]))
    return parts


def _closing(lines: list[str], start: int, fence: re.Match[str]) -> int:
    marks = fence.group("marks")
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(marks[0] * len(marks)) and set(stripped) == {marks[0]}:
            return index
    return len(lines)


def _dedent(body: list[str], indent: str) -> list[str]:
    return [line[len(indent) :] if line.startswith(indent) else line for line in body]


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    options, index = {}, 0
    while index < len(body) and (match := re.match(r"^:([\w-]+):\s*(.*)$", body[index])):
        options[match.group(1)] = match.group(2)
        index += 1
    return options, body[index:]


def _fenced(info: str, body: list[str], chapter: Path, cells: _Cells) -> None:
    directive = _DIRECTIVE.match(info)
    if not directive:
        source = "\n".join(body)
        if info in ("python", "py", "python3"):
            if source.lstrip().startswith(">>>"):
                _doctest_cells(source, cells)
            else:
                cells.code(source)
        else:
            cells.text(f"```{info}\n{source}\n```")
        return
    name, argument = directive.group("name"), directive.group("argument")
    options, content = _options(body)
    source = "\n".join(content)
    if name in ("plot", "code-cell"):
        cells.code(source)
    elif name == "doctest":
        _doctest_cells(source, cells)
    elif name == "literalinclude":
        listing = include_listing(chapter, argument, options)
        cells.text(f"```python\n{listing}\n```")
    elif name == "not-executed":
        reason = options.get("reason", argument)
        cells.text(f"**Not executed:** {plain_roles(reason)}\n\n```python\n{source}\n```")
    elif name == "generated-table":
        module, _, function = argument.rpartition(".")
        cells.code(f"from {module} import {function}\n\n{function}()")
    elif name == "quiz":
        cells.text("*The quiz is on the chapter's page, or in the terminal:* "
                   f"`nox -s quiz -- take {chapter.stem}`")  # fmt: skip
    elif name in _CONTAINERS:
        title = "Solution" if name == "solution" else argument or name.capitalize()
        cells.text(f"**{plain_roles(title)}**")
        _convert(source, chapter, cells)
    elif name not in _DROPPED:
        raise UnknownDirective(
            f"{chapter}:{_directive_line(chapter, name)}: the notebook export has no rule "
            f"for the {{{name}}} directive; add one to tfhandbook.book.notebooks (keep its content "
            "as a container, run it as code, or drop it)"
        )


def _directive_line(chapter: Path, name: str) -> int:
    """The line of `chapter` whose fence opens the first `name` directive (0 if none)."""
    opening = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\{" + re.escape(name) + r"\}")
    for number, line in enumerate(chapter.read_text(encoding="utf-8").splitlines(), start=1):
        if opening.match(line):
            return number
    return 0


def _doctest_cells(source: str, cells: _Cells) -> None:
    for example, raises in doctest_sources(source):
        # Jupyter runs on past a cell tagged raises-exception: the error is the point.
        cells.code(example, tags=("raises-exception",) if raises else ())
