"""The package a reader installs holds what the notebooks import (issue 18's cheap guard).

`nox -s notebooks` runs every notebook in a fresh environment with only the wheel; these
checks keep the README's test command fast and still catch what would break that run: a
notebook without its install cell, or an import that neither the wheel nor its
requirements provide.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

from tfhandbook.book.chapters import chapter_pages
from tfhandbook.book.notebooks import DISTRIBUTION, chapter_notebook, install_cells
from tfhandbook.quiz.session import bank_folder

ROOT = Path(__file__).parents[1]
CHAPTERS = chapter_pages(ROOT / "docs")
WHEEL = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"][
    "build"
]["targets"]["wheel"]


def imported_modules(source: str) -> set[str]:
    """The top-level names `source` imports (absolute imports only); of a ``%%writefile``
    cell, those of the file it writes (an answer file, run by the grader)."""
    if source.startswith("%%writefile "):
        source = source.split("\n", 1)[1]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group()).lower()


@functools.cache
def requirement_closure(distribution: str) -> frozenset[str]:
    """`distribution` and everything it requires, transitively (extras left out)."""
    seen, todo = set(), [distribution]
    while todo:
        name = _name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [req for req in requires if "extra ==" not in req]
    return frozenset(seen)


@functools.cache
def owners() -> dict[str, list[str]]:
    """Which installed distributions provide each top-level module."""
    return importlib.metadata.packages_distributions()


@functools.cache
def notebook(page: Path) -> dict:
    return chapter_notebook(page)


def wheel_packages() -> set[str]:
    """The top-level packages the wheel holds: the folders it includes, past `sources`."""
    return {Path(path).name for path in WHEEL["include"] if "*" not in path}


def unprovided(modules: set[str]) -> set[str]:
    """Modules neither the standard library, the wheel nor its requirements provide."""
    provided = requirement_closure(DISTRIBUTION)
    return {
        module
        for module in modules
        if module not in sys.stdlib_module_names
        and module not in wheel_packages()
        and not any(_name(owner) in provided for owner in owners().get(module, []))
    }


def notebook_imports(page: Path) -> set[str]:
    modules: set[str] = set()
    for cell in notebook(page)["cells"]:
        tags = cell["metadata"].get("tags", [])
        if cell["cell_type"] == "code" and "raises-exception" not in tags:
            modules |= imported_modules("".join(cell["source"]))
    return modules


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.stem)
def test_every_notebook_starts_by_installing_the_package_it_imports(page: Path) -> None:
    cells = notebook(page)["cells"]
    explanation, install = install_cells()
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]) == explanation
    assert cells[1]["metadata"]["tags"] == ["install"] and "".join(cells[1]["source"]) == install


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.stem)
def test_every_module_a_notebook_imports_comes_with_the_package(page: Path) -> None:
    assert unprovided(notebook_imports(page)) == set()


def test_every_module_the_snippets_import_comes_with_the_package() -> None:
    sources = [path.read_text(encoding="utf-8") for path in ROOT.glob("snippets/**/*.py")]
    modules = set().union(*map(imported_modules, sources))
    assert unprovided(modules) == set()


def test_an_import_nothing_provides_is_caught() -> None:
    assert unprovided({"numpy", "json", "snippets", "tfhandbook"}) == set()
    # Sphinx and pytest are installed here (tooling groups) but no requirement of the package.
    assert unprovided({"sphinx", "pytest", "not_a_module"}) == {"sphinx", "pytest", "not_a_module"}


def test_the_wheel_holds_the_chapters_code_the_runtime_and_every_bank() -> None:
    assert wheel_packages() == {"tfhandbook", "snippets"}
    banks = sorted(ROOT.glob("docs/*/*.quiz.yaml"))
    assert banks and all(path.relative_to(ROOT).match(WHEEL["include"][-1]) for path in banks)
    assert WHEEL["sources"]["docs"] == "tfhandbook/banks"


def test_the_quiz_engine_reads_the_installed_banks_outside_a_checkout(tmp_path: Path) -> None:
    assert bank_folder(ROOT / "docs") == ROOT / "docs"
    installed = bank_folder(tmp_path / "docs")
    assert installed.parts[-2:] == ("tfhandbook", "banks")


def test_the_notebook_run_reads_whole_quiz_ids_from_the_listing() -> None:
    from tfhandbook.tools.reader_notebooks import listed_quizzes

    listing = "variational-autoencoders    best  0%  (0 attempts)\nPart quizzes: part:generative\n"
    assert "variational-autoencoders" in listed_quizzes(listing)
    assert "autoencoders" not in listed_quizzes(listing)
