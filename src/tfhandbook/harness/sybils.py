"""How the book's examples are found and run: Sybil configured for MyST chapters and snippets.

A chapter is one Sybil document: its blocks, read by :mod:`tfhandbook.book.chapters` (the
reader the notebook export uses too), run top to bottom in one namespace, which starts from
fixed seeds in a fresh Keras session. What runs:

- every ```` ```python ```` fence: plain code is executed; code that starts with ``>>>`` is a
  doctest, checked with :class:`~tfhandbook.harness.checker.TensorFlowOutputChecker`;
- ```` ```{doctest} ```` directives, checked the same way;
- invisible setup in ``<!-- invisible-code-block: python ... -->`` comments;
- ```` ```{plot} ```` figures, each in a namespace of its own, as the Sphinx build runs them;
- the measuring function behind each ```` ```{generated-table} ````;
- the doctests in ``snippets/**/*.py`` docstrings.

Nothing can be skipped invisibly: code the reader sees but the tests do not run goes in a
``{not-executed}`` directive, which shows its reason on the page.
"""

from __future__ import annotations

import doctest
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sybil import Document, Example, Lexeme, Region, Sybil
from sybil.evaluators.doctest import DocTestEvaluator, DocTestRunner
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract import DocTestStringParser
from sybil.parsers.rest import DocTestParser as DocstringDocTestParser

from tfhandbook.book.chapters import Block, read_text, walk
from tfhandbook.book.measured_tables import run_table_function
from tfhandbook.harness.checker import TensorFlowOutputChecker
from tfhandbook.runtime import import_tensorflow_quietly, reset_state

#: Doctest flags for every example: `...` matches anything, runs of whitespace are equal.
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


class TensorFlowDocTestRunner(DocTestRunner):
    """Sybil's doctest runner with the TensorFlow-aware output checker, whose failure reports
    quote the example's source (Sybil already names the file and line)."""

    def __init__(self, optionflags: int) -> None:
        super().__init__(optionflags)
        # doctest.DocTestRunner keeps its checker here and offers no setter.
        self._checker = TensorFlowOutputChecker()

    def _failure_header(self, test: doctest.DocTest, example: doctest.Example) -> str:
        lines = example.source.rstrip("\n").splitlines()
        quoted = [f"    {'>>>' if i == 0 else '...'} {line}" for i, line in enumerate(lines)]
        return "\n".join(["Source:", *quoted]) + "\n"


class TensorFlowDocTestEvaluator(DocTestEvaluator):
    """Evaluate ``>>>`` examples with :class:`TensorFlowDocTestRunner`."""

    def __init__(self, optionflags: int = OPTIONFLAGS) -> None:
        self.runner = TensorFlowDocTestRunner(optionflags)


def _doctest_string_parser() -> DocTestStringParser:
    return DocTestStringParser(TensorFlowDocTestEvaluator())


class ChapterParser:
    """The examples of a chapter, from the one reader of chapters
    (:func:`tfhandbook.book.chapters.read_chapter`), so the tests run what the notebook
    export writes out:

    - a ```` ```python ```` fence or invisible code runs as code, or as checked doctests when
      it starts with ``>>>``; so does a ```` ```{doctest} ````;
    - a ```` ```{plot} ```` runs the way Sphinx's plot directive does: in a fresh namespace,
      so a figure that only works after the chapter's other examples fails here instead of in
      the build;
    - a ```` ```{generated-table} ```` calls its function as the build does, so a table
      whose code breaks fails the tests, not only the build.
    """

    def __init__(self) -> None:
        self.doctests = _doctest_string_parser()
        self.python = PythonEvaluator()

    def __call__(self, document: Document) -> Iterable[Region]:
        for block in walk(read_text(document.text, document.path)):
            yield from self._regions(block, document)

    def _regions(self, block: Block, document: Document) -> Iterable[Region]:
        # Sybil pads code with the newlines before its first line, so tracebacks name the
        # chapter's lines: `line_offset` counts the option lines between fence and code.
        line_offset = document.text.count("\n", block.start, block.content_start) - 1
        offset = block.content_start - block.start
        if block.kind in ("python", "invisible", "doctest"):
            if block.kind == "doctest" or block.content.startswith(">>>"):
                # The lines as the file has them, so each example's line is its own.
                raw = document.text[block.content_start : block.content_end]
                source = Lexeme(raw, offset=offset, line_offset=line_offset)
                container = Region(block.start, block.end)
                for region in self.doctests(source, document.path):
                    region.adjust(container, source)
                    yield region
            else:
                code = Lexeme(block.content, offset=offset, line_offset=line_offset)
                yield Region(block.start, block.end, code, self.python)
        elif block.kind == "plot":
            code = Lexeme(block.content, offset=offset, line_offset=line_offset)
            yield Region(block.start, block.end, code, self.draw)
        elif block.kind == "table":
            yield Region(block.start, block.end, block.argument, self.tabulate)

    def draw(self, example: Example) -> None:
        import matplotlib.pyplot as plt

        from tfhandbook.harness.figure_legibility import PHONE_MIN_TEXT_PX, smallest_text

        chapter_namespace = example.namespace
        example.namespace = {"__name__": "__plot__"}
        reset_state()  # what conf.py's plot_pre_code does before each figure in the build
        try:
            self.python(example)
            for number in plt.get_fignums():
                smallest = smallest_text(plt.figure(number))
                if smallest and smallest.phone_px < PHONE_MIN_TEXT_PX:
                    raise AssertionError(
                        f"figure {number} is hard to read on a phone: " + smallest.describe()
                    )
        finally:
            example.namespace = chapter_namespace
            plt.close("all")

    @staticmethod
    def tabulate(example: Example) -> None:
        run_table_function(example.parsed)


class DocstringParser(DocstringDocTestParser):
    """Doctests in the snippets' docstrings."""

    def __init__(self) -> None:
        super().__init__()
        self.string_parser = _doctest_string_parser()


def start_document(namespace: dict[str, Any]) -> None:
    """Give each chapter fixed seeds, a fresh Keras session and a scratch working folder."""
    import_tensorflow_quietly()
    reset_state()
    namespace["__previous_cwd__"] = os.getcwd()
    namespace["__scratch__"] = scratch = tempfile.TemporaryDirectory(prefix="tfhandbook-")
    # Examples that save models or logs write here, never into the checkout.
    os.chdir(scratch.name)


def end_document(namespace: dict[str, Any]) -> None:
    """Return to the previous folder and remove the chapter's scratch files."""
    import matplotlib.pyplot as plt

    plt.close("all")
    os.chdir(namespace.pop("__previous_cwd__"))
    namespace.pop("__scratch__").cleanup()


def book_sybils(root: Path) -> list[Sybil]:
    """The Sybil configurations for a checkout at `root`: chapters and snippets."""
    chapters = Sybil(
        parsers=[ChapterParser()],
        path=str(root / "docs"),
        patterns=["*.md"],
        excludes=["_build/*"],
        setup=start_document,
        teardown=end_document,
        name="chapter",
    )
    snippets = Sybil(
        parsers=[DocstringParser()],
        path=str(root / "snippets"),
        patterns=["*.py"],
        setup=start_document,
        teardown=end_document,
        name="snippet",
    )
    return [chapters, snippets]
