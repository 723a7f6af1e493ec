"""One reader of chapters: a MyST page's blocks, as the book's build parses them.

The test harness (:mod:`tfhandbook.harness.sybils`) and the notebook export
(:mod:`tfhandbook.book.notebooks`) take a chapter's blocks from :func:`read_chapter`, so a
notebook holds exactly the code the tests run. The blocks come from MyST's own Markdown
parser (markdown-it with the extensions ``conf.py`` enables), the tokens Sphinx renders the
page from; the content of a directive that holds Markdown (an exercise, a note) is parsed
again, as MyST does. The figure cache needs no reader of its own: it receives each
figure's code from the ``{plot}`` directive in the build.

Every directive has a rule in :data:`DIRECTIVES`. A directive without one is an error that
names the file and line, in the tests and in the export alike: silently treating it as
text would show the reader code that nothing runs.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

#: The MyST extensions ``docs/conf.py`` enables (its ``myst_enable_extensions``).
MYST_EXTENSIONS = ("colon_fence", "dollarmath", "deflist", "attrs_inline", "substitution")

_CONTAINERS = ("exercise", "solution", "problem", "note", "tip", "warning", "important",
               "admonition", "hint", "seealso", "caution", "dropdown", "margin", "sidebar",
               "topic", "grid", "grid-item-card")  # fmt: skip
#: What each directive is, for the tests and the notebook:
#: ``container``: its content is Markdown (parsed again, code in it runs);
#: ``doctest``, ``plot``, ``table``: code the tests run (``table``: the argument names a
#: function); ``listing``: code from a file, shown; ``not-executed``: code shown with its
#: reason, never run; ``quiz``: the chapter's quiz; ``page-only``: navigation and generated
#: pages, nothing to run or export.
DIRECTIVES = {
    **dict.fromkeys(_CONTAINERS, "container"),
    "doctest": "doctest",
    "plot": "plot",
    "generated-table": "table",
    "literalinclude": "listing",
    "not-executed": "not-executed",
    "quiz": "quiz",
    **dict.fromkeys(("toctree", "contents", "test-status", "glossary", "course-differences",
                     "error-index", "repository-clone"),
                    "page-only"),
}  # fmt: skip
#: The one spelling of a Python fence; the others would be shown but not run.
PYTHON = "python"
_OTHER_PYTHON_SPELLINGS = {"py", "python3", "pycon", "ipython", "ipython3"}

_DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_INVISIBLE = re.compile(r"^\s*<!--\s*invisible-code-block:\s*python\s*\n(?P<code>.*?)-->", re.S)


class ChapterError(ValueError):
    """A chapter the reader cannot turn into blocks faithfully; the message names file:line."""


class UnknownDirective(ChapterError):
    """A chapter uses a directive that has no rule in :data:`DIRECTIVES`."""


@dataclass(frozen=True)
class Block:
    """A fenced block, a directive or invisible code, and where its content lies.

    `kind` is ``"python"`` (a Python fence: code, or a doctest when it starts with
    ``>>>``), ``"invisible"`` (setup code in an HTML comment), ``"text"`` (a fence in
    another language), or a directive's rule from :data:`DIRECTIVES`. `content` is what
    MyST passes on (dedented, options removed); ``text[content_start:content_end]`` is the
    same lines as the file has them.
    """

    kind: str
    name: str
    argument: str
    options: dict[str, str]
    content: str
    line: int
    start: int
    end: int
    content_start: int
    content_end: int
    children: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Prose:
    """Markdown between blocks, as the file has it."""

    text: str
    line: int


Node = Block | Prose


@functools.cache
def _markdown_parser():
    config = MdParserConfig(enable_extensions=set(MYST_EXTENSIONS))
    return create_md_parser(config, RendererHTML)


#: The folders of docs/ that are not parts: their pages are not chapters.
NOT_PARTS = ("appendix",)


def is_chapter(docname: str) -> bool:
    """Whether the page `docname` (``part/page``) is a chapter: a page of a part's folder
    other than the part's map."""
    part, _, page = docname.partition("/")
    return bool(page) and page != "index" and "/" not in page and part not in NOT_PARTS


def chapter_pages(docs: Path) -> list[Path]:
    """The book's chapters under `docs`."""
    return sorted(
        page
        for page in docs.glob("*/*.md")
        if is_chapter(page.relative_to(docs).with_suffix("").as_posix())
    )


def read_chapter(path: Path) -> list[Node]:
    """The blocks and the prose between them of the MyST page at `path`, in reading order."""
    return read_text(path.read_text(encoding="utf-8"), str(path))


def read_text(text: str, name: str) -> list[Node]:
    """The nodes of MyST `text`; `name` is the file errors name."""
    starts = [0] + [match.end() for match in re.finditer("\n", text)] + [len(text) + 1]
    return _Reader(text, name, starts).nodes(text, first_line=0)


def walk(nodes: list[Node]) -> list[Block]:
    """Every block of `nodes`, a container's blocks right after it, in reading order."""
    blocks: list[Block] = []
    for node in nodes:
        if isinstance(node, Block):
            blocks += [node, *walk(list(node.children))]
    return blocks


@dataclass
class _Reader:
    text: str
    name: str
    line_starts: list[int]

    def offset(self, line: int) -> int:
        """The character offset of 0-based `line` of the file (its end for lines past it)."""
        return self.line_starts[min(line, len(self.line_starts) - 1)]

    def nodes(self, markdown: str, first_line: int) -> list[Node]:
        """The nodes of `markdown`, whose first line is 0-based `first_line` of the file."""
        lines = markdown.splitlines(keepends=True)
        result: list[Node] = []
        covered = 0  # lines of `markdown` before this are in a node already
        # Fences are leaves of the token stream (a directive's content is raw text there),
        # so blocks never overlap; a fence in a list item is a block inside that prose.
        for token in _markdown_parser().parse(markdown):
            if token.map is None:
                continue
            block = self.block(token, first_line)
            if block is None and token.type != "front_matter":
                continue
            begin, finish = token.map
            if begin > covered:
                result.append(Prose("".join(lines[covered:begin]), first_line + covered + 1))
            if block is not None:
                result.append(block)
            covered = finish
        if covered < len(lines):
            result.append(Prose("".join(lines[covered:]), first_line + covered + 1))
        return result

    def block(self, token: Token, first_line: int) -> Block | None:
        line = first_line + token.map[0]  # type: ignore[index]  # 0-based line of the opening fence in the file
        where = f"{self.name}:{line + 1}"
        if token.type == "html_block":
            invisible = _INVISIBLE.match(token.content)
            if not invisible:
                return None  # a comment: not shown, not run
            return self._make("invisible", "", "", {}, invisible.group("code"), token, line, 1)
        if token.type not in ("fence", "colon_fence"):
            return None
        info = token.info.strip()
        directive = _DIRECTIVE_INFO.match(info)
        if not directive:
            language = info.split(maxsplit=1)[0] if info else ""
            if language in _OTHER_PYTHON_SPELLINGS:
                raise ChapterError(f"{where}: write ```{PYTHON}, not ```{language}")
            kind = "python" if language == PYTHON else "text"
            return self._make(kind, language, "", {}, token.content, token, line, 1)
        name = directive.group("name")
        if name not in DIRECTIVES:
            raise UnknownDirective(
                f"{where}: no rule for the {{{name}}} directive; add one to DIRECTIVES in "
                "tfhandbook.book.chapters (a container of Markdown, code that runs, or "
                "page-only)"
            )
        options, content, option_lines = _options(token.content, where)
        block = self._make(
            DIRECTIVES[name], name, directive.group("argument"), options, content, token, line,
            1 + option_lines,
        )  # fmt: skip
        if block.kind != "container":
            return block
        children = self.nodes(content, first_line=line + 1 + option_lines)
        return Block(**{**block.__dict__, "children": tuple(children)})

    def _closes(self, token: Token, line: int) -> bool:
        """Whether 0-based `line` of the file is the closing fence of `token`'s block (a fence
        left open runs to the end of its container)."""
        if token.type == "html_block" or not token.markup:
            return False
        closing = self.text[self.offset(line) : self.offset(line + 1)].strip()
        mark = token.markup[0]
        return len(closing) >= len(token.markup) and set(closing) == {mark}

    def _make(
        self, kind: str, name: str, argument: str, options: dict[str, str], content: str,
        token: Token, line: int, skipped: int,
    ) -> Block:  # fmt: skip
        begin, finish = token.map  # type: ignore[misc]
        content_first = line + skipped
        last = line + finish - begin - 1  # the fence's last line: its closing one if closed
        content_last = last if self._closes(token, last) else last + 1
        return Block(
            kind=kind,
            name=name,
            argument=argument,
            options=options,
            content=content,
            line=line + 1,
            start=self.offset(line),
            end=self.offset(line + finish - begin),
            content_start=self.offset(content_first),
            content_end=self.offset(max(content_first, content_last)),
        )


def _options(content: str, where: str) -> tuple[dict[str, str], str, int]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block), the content
    after them, and how many lines they took."""
    lines = content.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if closing is None:
            raise ChapterError(f"{where}: the directive's YAML options have no closing ---")
        options = yaml.safe_load("".join(lines[1:closing])) or {}
        return (
            {str(k): str(v) for k, v in options.items()},
            "".join(lines[closing + 1 :]),
            (closing + 1),
        )
    options: dict[str, str] = {}
    count = 0
    while count < len(lines) and (match := _OPTION.match(lines[count].rstrip("\n"))):
        value = match.group("value")
        # A value in quotes is a YAML string to MyST (as when it starts with a quote).
        options[match.group("key")] = str(yaml.safe_load(value)) if value[:1] in "'\"" else value
        count += 1
    return options, "".join(lines[count:]), count
