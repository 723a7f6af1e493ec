"""A chapter as a Jupyter notebook: the same code, in the same order, runnable as is.

The blocks come from the reader the tests use (:mod:`tfhandbook.book.chapters`), so the
notebook runs what the tests run, and a directive without a rule fails here as it does in
the tests. ``python`` fences and invisible setup blocks become code cells (a doctest becomes
one cell per ``>>>`` example, without its expected output); ``{plot}`` figures and the
solutions of exercises become code cells; prose, ``{literalinclude}`` listings and
``{not-executed}`` code become Markdown. The notebook opens with a cell that installs the
handbook's package (the chapters' code, the runtime and the quiz engine) when the
environment lacks it, then a cell that starts from the seeds the tests start from. The
code of a solution is collapsed, so the reader tries the exercise first. It ends with the
coding questions of the chapter's quiz bank: for each, the prompt, the starter code in a
cell that saves it as an answer file, and a grading cell that runs the CLI's sandboxed
grader on that file (:mod:`tfhandbook.quiz.notebook`).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
from dataclasses import dataclass, field
from pathlib import Path

from tfhandbook.book.chapters import Block, Node, Prose, read_chapter
from tfhandbook.quiz.bank import bank_path_for, load_bank
from tfhandbook.quiz.notebook import PROGRESS_FILE
from tfhandbook.quiz.types import REGISTRY

_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
_TARGET = re.compile(r"^\(([^)]+)\)=\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

#: The distribution the notebooks import from, and the book's version, which it shares.
DISTRIBUTION = "tfhandbook"
BOOK_VERSION = importlib.metadata.version(DISTRIBUTION)
#: Where a reader's pip finds it: an index, once published (see `install_cells`).
INDEX_REQUIREMENT = f"{DISTRIBUTION}=={BOOK_VERSION}"

SETUP = (
    "# The handbook's tests start every chapter from these seeds; so does this notebook.\n"
    "from tfhandbook.runtime import import_tensorflow_quietly, reset_state\n\n"
    "import_tensorflow_quietly()\n"
    "reset_state()"
)


def install_cells(requirement: str = INDEX_REQUIREMENT) -> tuple[str, str]:
    """The Markdown that explains the install cell, and the install cell: pip installs
    `requirement` unless the book's version of the package is already there."""
    text = (
        "**Before you run this notebook.** It imports the handbook's package, "
        f"`{DISTRIBUTION}` {BOOK_VERSION}: the chapter's code (`snippets`), the runtime that "
        "fixes the seeds, the quiz engine with its question banks, and the pinned "
        "TensorFlow and Keras as its requirements. The next cell installs it with pip "
        f"(`{requirement}`) when this environment does not have that version, and does "
        "nothing when it does. From a clone of the handbook's repository, "
        "`pip install .` installs the same package."
    )
    code = (
        f"# Installs {DISTRIBUTION} {BOOK_VERSION} unless this environment has it.\n"
        "import importlib.metadata\n"
        "import subprocess\n"
        "import sys\n\n"
        "try:\n"
        f"    present = importlib.metadata.version({DISTRIBUTION!r})\n"
        "except importlib.metadata.PackageNotFoundError:\n"
        "    present = None\n"
        f"if present != {BOOK_VERSION!r}:\n"
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "--quiet", {requirement!r}],\n'
        "        check=True,\n"
        "    )"
    )
    return text, code


#: The code cells every notebook starts with, before the chapter's own: install, seeds.
PREAMBLE_CODE_CELLS = 2

#: A solution's code cells: collapsed in Jupyter, and tagged so tools can find them.
SOLUTION_METADATA = {"jupyter": {"source_hidden": True}, "tags": ["solution"]}


@dataclass
class _Cells:
    cells: list[dict] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    in_solution: bool = False

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
            cell = _cell("code", source.strip("\n"), tags)
            if self.in_solution:
                cell["metadata"] = {
                    **SOLUTION_METADATA,
                    "tags": [*SOLUTION_METADATA["tags"], *tags],
                }
            self.cells.append(cell)


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


def chapter_notebook(
    chapter: Path, kernel: str = "python3", requirement: str = INDEX_REQUIREMENT
) -> dict:
    """The notebook (nbformat 4, as a dict) for the MyST chapter at `chapter`; its first
    code cell installs `requirement` where the package is missing."""
    cells = _Cells()
    explanation, install = install_cells(requirement)
    cells.text(explanation)
    cells.code(install, tags=("install",))
    cells.code(SETUP, tags=("setup",))
    _convert(read_chapter(chapter), chapter, cells)
    _coding_questions(chapter, cells)
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


def _convert(nodes: list[Node], chapter: Path, cells: _Cells) -> None:
    for node in nodes:
        if isinstance(node, Prose):
            for line in _COMMENT.sub("", node.text).splitlines():
                if not _TARGET.match(line):
                    cells.text(plain_roles(line))
            continue
        _block(node, chapter, cells)


def _block(block: Block, chapter: Path, cells: _Cells) -> None:
    source = block.content.strip("\n")
    match block.kind:
        case "python" | "invisible" | "doctest":
            if block.kind == "doctest" or source.lstrip().startswith(">>>"):
                _doctest_cells(source, cells)
            else:
                cells.code(source, tags=("setup",) if block.kind == "invisible" else ())
        case "plot":
            cells.code(source)
        case "text":
            cells.text(_fenced(source, block.name))
        case "listing":
            listing = include_listing(chapter, block.argument, block.options)
            cells.text(_fenced(listing, "python"))
        case "not-executed":
            reason = block.options.get("reason", block.argument)
            cells.text(f"**Not executed:** {plain_roles(reason)}\n\n{_fenced(source, 'python')}")
        case "table":
            module, _, function = block.argument.rpartition(".")
            cells.code(f"from {module} import {function}\n\n{function}()")
        case "quiz":
            cells.text("*The quiz is on the chapter's page, or in the terminal:* "
                       f"`nox -s quiz -- take {chapter.stem}`")  # fmt: skip
        case "container":
            # A grid's argument is its column counts; every other container's is a title.
            title = "Solution" if block.name == "solution" else block.argument
            if block.name == "solution":
                title += " (its code is collapsed: try the exercise first)"
            if block.name != "grid":
                cells.text(f"**{plain_roles(title or block.name.capitalize())}**")
            outer, cells.in_solution = cells.in_solution, block.name == "solution"
            _convert(list(block.children), chapter, cells)
            cells.flush()
            cells.in_solution = outer
        case "page-only":
            pass
        case _:
            raise ValueError(f"{chapter}:{block.line}: no notebook rule for {block.kind} blocks")


CODING_INTRO = (
    "## Coding questions\n\n"
    "These are the coding questions of the chapter's quiz. For each, edit the starter code "
    "in its first cell and run the cell: it saves your code as an answer file. Then run "
    "the grading cell. It runs the grader `tfhandbook quiz grade` runs: your code in an "
    "operating-system sandbox (bubblewrap, on Linux), against public and hidden checks, "
    "compared with the reference solution. The verdict is kept in your progress and "
    f"written to `{PROGRESS_FILE}`; choose that file under *Import progress* on the quiz "
    "on the chapter's page, and the question counts in the attempt you submit there. Where "
    "the sandbox cannot run, the grading cell says that the answer cannot be graded, and "
    "nothing is kept."
)


def _coding_questions(chapter: Path, cells: _Cells) -> None:
    """The coding questions of the chapter's bank: prompt, answer cell, grading cell."""
    path = bank_path_for(chapter)
    if not path.exists():
        return
    bank = load_bank(path)
    questions = [q for q in bank.questions if REGISTRY[q.type].runs_code]
    if not questions:
        return
    cells.text(CODING_INTRO)
    for question in questions:
        answer = f"answer-{question.id}.py"
        cells.text(
            f"### {question.id}\n\n{question.prompt.strip()}\n\n"
            f"*Edit the next cell and run it (it saves `{answer}`), then run the grading cell.*"
        )
        cells.flush()
        cells.code(f"%%writefile {answer}\n{question.starter.strip()}", tags=("answer",))
        cells.code(
            "from tfhandbook.quiz.notebook import grade_in_notebook\n\n"
            f"verdict = grade_in_notebook({bank.quiz!r}, {question.id!r}, {answer!r})",
            tags=("grade",),
        )


def _fenced(source: str, language: str) -> str:
    """`source` as a Markdown code block whose fence is longer than any run of backticks in
    it (a Markdown example that holds fences of its own stays one block)."""
    longest = max((len(run) for run in re.findall("`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{source}\n{fence}"


def _doctest_cells(source: str, cells: _Cells) -> None:
    for example, raises in doctest_sources(source):
        # Jupyter runs on past a cell tagged raises-exception: the error is the point.
        cells.code(example, tags=("raises-exception",) if raises else ())
