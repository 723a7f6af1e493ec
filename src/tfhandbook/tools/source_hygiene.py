"""Reject control characters and stray escapes in the chapters, banks and snippets.

Two kinds of slip pass every other check and still spoil a page:

- **Control characters.** A vertical tab where ``\\varepsilon`` was meant renders as
  "arepsilon" and looks like a typo. Every character in U+0000-U+001F except the newline is
  rejected, and U+007F and the C1 range U+0080-U+009F too. That includes the tab: the book
  indents with spaces (ruff's format, MyST's examples), YAML forbids tabs in indentation, a
  tab in a code block shows at the browser's width (8) rather than the editor's, and a
  copied tab mixed with spaces is a ``TabError``; an output that holds a tab prints it as
  ``\\t`` in a repr. A carriage return is rejected as well: the files end lines with LF.
- **Stray escapes in Python.** In a string that is not raw, ``"$\\beta$"`` holds a
  backspace and ``"\\frac"`` a form feed: an escape turned a LaTeX command into a control
  character. Reported where ``\\a \\b \\f \\n \\r \\t \\v`` starts a known LaTeX command
  (``\\alpha``, ``\\nabla``, ``\\varepsilon``), or any word in a string that looks like LaTeX
  (it also holds ``$``, ``\\\\`` or a backslash before another letter). Invalid escape
  sequences (``"\\sigma"``, ruff's W605, Python's SyntaxWarning, an error in a future
  Python) are reported too.

The Python checked is every snippet module and every code block the test harness runs
from the chapters (Python fences, ``{plot}`` and ``{doctest}`` directives, invisible code
blocks, doctest prompts removed) and the banks (the literal block scalars of ``code``,
``answer_code``, ``setup``, ``starter``, ``solution`` and ``probe``). Positions are those
in the file itself: ``path:line:column`` (both from 1) and the character.

Standard library only, so ``nox -s lint`` runs it without installing TensorFlow::

    python -m tfhandbook.tools.source_hygiene            # the whole checkout
    python -m tfhandbook.tools.source_hygiene docs/generative/gans.md
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

#: What is checked, relative to the checkout; built pages are copies and are left out.
PATTERNS = ("docs/**/*.md", "docs/**/*.quiz.yaml", "snippets/**/*.py")
EXCLUDED = ("docs/_build",)

#: Characters rejected anywhere: C0 controls except the newline, DEL, and the C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {
    "\x00": "null",
    "\x07": "bell",
    "\x08": "backspace",
    "\t": "tab",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\r": "carriage return",
    "\x1b": "escape",
    "\x7f": "delete",
}

#: LaTeX commands that an escape can swallow: they start with a, b, f, n, r, t or v.
#: Reported in any string that is not raw; other words only in a string that looks like LaTeX.
LATEX_COMMANDS = frozenset(
    """
    alpha amalg angle approx approxeq arccos arcsin arctan arg ast asymp
    backslash bar barwedge because beta beth big bigcap bigcirc bigcup bigg biggl biggr bigl
    bigodot bigoplus bigotimes bigr bigsqcup bigstar biguplus bigvee bigwedge binom bmod
    boldsymbol bot bowtie boxed boxplus boxtimes breve bullet
    flat forall frac frown
    nabla natural ne nearrow neg neq newline nexists ngeq ni nleq nmid nonumber not notin
    nparallel nsim nsubseteq nu nwarrow
    rangle rbrace rbrack rceil rfloor rho right rightarrow rightharpoonup rightleftharpoons
    rm rtimes
    tan tanh tau tbinom text textbf textit textrm texttt tfrac therefore theta tilde times
    to top triangle triangleleft triangleright
    varepsilon varkappa varnothing varphi varpi varrho varsigma vartheta vdash vdots vec
    vee veebar vert
    """.split()  # noqa: SIM905 (a word list reads better as text than as 100 quoted strings)
)
_SWALLOWING = "abfnrtv"
_ESCAPE_NAMES = {
    "a": "a bell",
    "b": "a backspace",
    "f": "a form feed",
    "n": "a newline",
    "r": "a carriage return",
    "t": "a tab",
    "v": "a vertical tab",
}
_VALID_ESCAPES = set("\n\\'\"abfnrtv01234567x")
_VALID_IN_STR_ONLY = set("NuU")

#: Bank keys whose literal block scalars are Python.
BANK_CODE_KEYS = ("answer_code", "code", "probe", "setup", "solution", "starter")


class Problem(NamedTuple):
    """One finding, printed as ``path:line:column: message``."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def describe(character: str) -> str:
    """``U+000B (vertical tab)``: how a report names a control character."""
    name = _CONTROL_NAMES.get(character, "C1 control" if ord(character) >= 0x80 else "control")
    return f"U+{ord(character):04X} ({name})"


def control_characters(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, message) of each control character in `text`, both from 1."""
    for number, line in enumerate(text.split("\n"), start=1):
        for found in CONTROL_CHARACTERS.finditer(line):
            yield number, found.start() + 1, f"control character {describe(found.group())}"


# -- Python string literals -----------------------------------------------------------


def _literals(code: str) -> Iterator[tuple[str, int, int]]:
    """Each string literal in `code` as (text, line from 1, column from 0), f-strings whole:
    Python 3.12 splits them into FSTRING_START/MIDDLE/END tokens, 3.11 does not."""
    lines = code.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    opened: list[tuple[int, int]] = []
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.STRING and not opened:
            yield token.string, *token.start
        elif token.type == fstring_start:
            opened.append(token.start)
        elif token.type == fstring_end:
            start = opened.pop()
            if not opened:  # a nested f-string is checked as part of the outer one
                (first, col), (last, end) = start, token.end
                text = code[starts[first - 1] + col : starts[last - 1] + end]
                yield text, first, col


def _looks_like_latex(body: str) -> bool:
    if "$" in body or "\\\\" in body:
        return True
    for found in re.finditer(r"\\(.)", body, flags=re.DOTALL):
        if found.group(1).isalpha() and found.group(1) not in _VALID_ESCAPES | _VALID_IN_STR_ONLY:
            return True
    return False


def literal_problems(text: str) -> Iterator[tuple[int, int, str]]:
    """(line offset, column, message) of each stray escape in one literal's source `text`.

    The line offset counts from the literal's first line; the column is from its first
    character when the offset is 0 and from the start of the line otherwise (from 0)."""
    prefix = re.match(r"[A-Za-z]*", text).group()
    if "r" in prefix.lower():
        return
    is_bytes = "b" in prefix.lower()
    quote = text[len(prefix) : len(prefix) + 3]
    opening = 3 if quote in ('"""', "'''") else 1
    body = text[len(prefix) + opening : len(text) - opening]
    latex = _looks_like_latex(body)
    line, column = 0, len(prefix) + opening
    index = 0
    while index < len(body):
        character = body[index]
        if character == "\n":
            line, column = line + 1, 0
            index += 1
            continue
        if character != "\\" or index + 1 == len(body):
            column += 1
            index += 1
            continue
        escaped = body[index + 1]
        valid = escaped in _VALID_ESCAPES or (not is_bytes and escaped in _VALID_IN_STR_ONLY)
        if not valid:
            yield (
                line,
                column,
                f"invalid escape sequence '\\{escaped}' (a SyntaxWarning now, an error in a "
                f"future Python): write '\\\\{escaped}' or make the string raw (r\"...\")",
            )
        elif escaped in _SWALLOWING:
            word = re.match(r"[A-Za-z]*", body[index + 1 :]).group()
            if word in LATEX_COMMANDS or (latex and len(word) > 1):
                yield (
                    line,
                    column,
                    f"'\\{escaped}' in '\\{word}' is {_ESCAPE_NAMES[escaped]}, not LaTeX's "
                    f"\\{word}: make the string raw (r\"...\") or write '\\\\{word}'",
                )
        if escaped == "\n":
            line, column = line + 1, 0
        else:
            column += 2
        index += 2


def escape_problems(code: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, message) of each stray escape in Python `code`, both from 1. Code
    that does not tokenize is left to the tests, which run it and report the error."""
    try:
        literals = list(_literals(code))
    except (tokenize.TokenError, SyntaxError):
        return
    for text, first, col in literals:
        for offset, column, message in literal_problems(text):
            yield first + offset, (column + col if offset == 0 else column) + 1, message


# -- Where the Python is --------------------------------------------------------------


class Block(NamedTuple):
    """Python from a chapter or a bank, laid out so that its line ``n`` is the file's line
    ``first + n - 1`` and its column ``c`` the file's column ``c + indent``."""

    first: int
    indent: int
    code: str


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\n]*)$")
_PYTHON_FENCES = re.compile(r"(python|py|\{plot\}.*|\{doctest\}.*)")
_INVISIBLE = re.compile(r"^(?P<indent>[ \t]*)<!--\s*invisible-code-block:\s*python\s*$")


def _dedented(lines: list[str]) -> tuple[int, list[str]]:
    filled = [line for line in lines if line.strip()]
    indent = min((len(line) - len(line.lstrip(" ")) for line in filled), default=0)
    return indent, [line[indent:] for line in lines]


def _without_prompts(lines: list[str]) -> list[str]:
    """A doctest's source with each prompt turned into spaces and each output line
    emptied, so that lines and columns stay where they were."""
    result = []
    in_source = False
    for line in lines:
        if line.startswith(">>>"):
            in_source = True
            result.append("    " + line[4:] if line[3:4] == " " else "")
        elif in_source and line.startswith("..."):
            result.append("    " + line[4:] if line[3:4] == " " else "")
        else:
            in_source = False
            result.append("")
    return result


def _without_options(lines: list[str]) -> list[str]:
    """A directive's body with its ``:option:`` lines and ``---`` front matter emptied."""
    result = list(lines)
    index = 0
    if result and result[0].strip() == "---":
        index = 1
        while index < len(result) and result[index].strip() != "---":
            index += 1
        index += 1
        result[:index] = [""] * min(index, len(result))
    while index < len(result) and re.match(r"\s*:[\w-]*:", result[index]):
        result[index] = ""
        index += 1
    return result


def _block(first: int, lines: list[str], directive: bool) -> Block:
    indent, lines = _dedented(lines)
    if directive:
        lines = _without_options(lines)
    if any(line.strip() for line in lines) and next(
        line for line in lines if line.strip()
    ).startswith(">>>"):
        lines = _without_prompts(lines)
    return Block(first, indent, "\n".join(lines) + "\n")


def markdown_python(text: str) -> Iterator[Block]:
    """The Python blocks of a chapter, wherever they are, as the harness finds them: also
    inside exercise, solution and Markdown-sample fences."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        invisible = _INVISIBLE.match(lines[index])
        if fence and _PYTHON_FENCES.fullmatch(fence["info"].strip()):
            closing = re.compile(
                rf"^[ \t]*{re.escape(fence['fence'][0])}{{{len(fence['fence'])},}}\s*$"
            )
            end = index + 1
            while end < len(lines) and not closing.match(lines[end]):
                end += 1
            yield _block(index + 2, lines[index + 1 : end], fence["info"].startswith("{"))
            index = end + 1
        elif invisible:
            end = index + 1
            while end < len(lines) and "-->" not in lines[end]:
                end += 1
            yield _block(index + 2, lines[index + 1 : end], directive=False)
            index = end + 1
        else:
            index += 1


_BANK_CODE = re.compile(
    rf"^(?P<indent>[ \t]*)(?:-[ \t]+)?(?:{'|'.join(BANK_CODE_KEYS)}):[ \t]*\|[-+]?[ \t]*$"
)


def bank_python(text: str) -> Iterator[Block]:
    """The Python in a bank's literal block scalars: YAML keeps their text as written, so
    the code's lines are the file's lines, shifted right by the block's indentation."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        key = _BANK_CODE.match(line)
        if not key:
            continue
        key_indent = len(key["indent"])
        end = index + 1
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip(" ")) > key_indent
        ):
            end += 1
        yield _block(index + 2, lines[index + 1 : end], directive=False)


# -- Files and the command line -------------------------------------------------------


def check_text(text: str, path: str) -> list[Problem]:
    """Every problem in the text of one file; `path` says which kind it is."""
    problems = [Problem(path, *found) for found in control_characters(text)]
    if path.endswith(".py"):
        blocks: Iterable[Block] = [Block(1, 0, text)]
    elif path.endswith(".md"):
        blocks = markdown_python(text)
    elif path.endswith((".yaml", ".yml")):
        blocks = bank_python(text)
    else:
        blocks = []
    for block in blocks:
        for line, column, message in escape_problems(block.code):
            problems.append(Problem(path, block.first + line - 1, column + block.indent, message))
    return sorted(set(problems), key=lambda problem: (problem.line, problem.column))


def checked_files(root: Path) -> list[Path]:
    """The chapters, banks and snippets of the checkout at `root`."""
    found = {
        path
        for pattern in PATTERNS
        for path in root.glob(pattern)
        if not any(path.relative_to(root).as_posix().startswith(part) for part in EXCLUDED)
    }
    return sorted(found)


def check(root: Path, paths: Iterable[Path] | None = None) -> list[Problem]:
    """Every problem in `paths`, or in every checked file of the checkout at `root`."""
    problems = []
    for path in checked_files(root) if paths is None else paths:
        # newline="" keeps a carriage return in the text, so that it is reported.
        with open(path, encoding="utf-8", newline="") as file:
            text = file.read()
        shown = path.resolve().relative_to(root.resolve()) if path.is_absolute() else path
        problems.extend(check_text(text, shown.as_posix()))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tfhandbook.tools.source_hygiene", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="files to check (default: the whole checkout)"
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the checkout")
    arguments = parser.parse_args(argv)
    problems = check(arguments.root, arguments.paths or None)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in chapters, banks or snippets", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
