"""Run every chapter's notebook as a reader would: in a fresh environment that holds only the
handbook's wheel and its pinned requirements (``nox -s notebooks`` builds it offline).

Each notebook is the one the site offers for download, generated from the chapter, and runs
top to bottom in its own kernel, started from the reader's Python, in an empty folder (no
checkout on the path). Only a cell tagged ``raises-exception`` may raise. The installed
quiz banks are checked too: ``tfhandbook quiz list`` from that environment, outside any
checkout, must list every chapter's quiz.

    python -m tfhandbook.tools.reader_notebooks --python /path/to/reader/bin/python [chapter.md ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tfhandbook.book.chapters import chapter_pages
from tfhandbook.book.notebooks import chapter_notebook
from tfhandbook.settings import CHECKOUT, QUIET_TF, describe_machine

#: The kernel's name in the scratch Jupyter path: the reader's Python, nothing else.
KERNEL = "handbook-reader"


def chapters() -> list[Path]:
    """Every chapter of the checkout's book."""
    return chapter_pages(CHECKOUT / "docs")


def write_kernelspec(jupyter_path: Path, python: Path, data: Path) -> None:
    """A kernelspec that starts `python`'s ipykernel, found through $JUPYTER_PATH; the
    grading cells keep their verdicts in `data`, not in the reader's own progress."""
    folder = jupyter_path / "kernels" / KERNEL
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Handbook reader",
        "language": "python",
        "env": {**QUIET_TF, "TFHANDBOOK_DATA": str(data)},
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def run_notebook(page: Path, scratch: Path) -> dict:
    """Execute `page`'s notebook; what happened: seconds, cells, and the first error."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.reads(json.dumps(chapter_notebook(page, kernel=KERNEL)), as_version=4)
    folder = Path(tempfile.mkdtemp(prefix=page.stem + "-", dir=scratch))
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=900,
        resources={"metadata": {"path": str(folder)}},
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as failure:
        error = str(failure).strip().splitlines()[-1][:300]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    ran = sum(cell.get("execution_count") is not None for cell in code)
    return {
        "chapter": str(page.relative_to(CHECKOUT / "docs")),
        "seconds": round(time.perf_counter() - start, 1),
        "code_cells": len(code),
        "ran": ran,
        "error": error,
    }


def installed_quizzes(python: Path, scratch: Path) -> list[str]:
    """The quiz ids the reader's environment lists, run outside any checkout."""
    folder = Path(tempfile.mkdtemp(prefix="quiz-", dir=scratch))
    listing = subprocess.run(
        [str(python), "-m", "tfhandbook.quiz.cli", "quiz", "list"],
        cwd=folder,
        env={**os.environ, **QUIET_TF, "TFHANDBOOK_DATA": str(folder / "progress")},
        capture_output=True,
        text=True,
        check=True,
    )
    return [page.stem for page in chapters() if page.stem in listed_quizzes(listing.stdout)]


def listed_quizzes(listing: str) -> set[str]:
    """The quiz ids in ``tfhandbook quiz list``'s output: the first word of each line, so
    that "variational-autoencoders" does not stand in for a missing "autoencoders"."""
    return {line.split()[0] for line in listing.splitlines() if line.strip()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tfhandbook.tools.reader_notebooks", description=__doc__
    )
    parser.add_argument("--python", type=Path, required=True, help="the reader's Python")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("chapters", nargs="*", type=Path, help="default: every chapter")
    args = parser.parse_args(argv)
    pages = [page.resolve() for page in args.chapters] or chapters()
    python = args.python.absolute()  # not resolved: a venv's python is a symlink
    with tempfile.TemporaryDirectory(prefix="tfhandbook-reader-") as name:
        scratch = Path(name)
        os.environ["JUPYTER_PATH"] = str(scratch / "jupyter")
        write_kernelspec(scratch / "jupyter", python, scratch / "progress")
        missing = sorted(
            {page.stem for page in chapters()} - set(installed_quizzes(python, scratch))
        )
        print(describe_machine())
        print(f"{'chapter':<48} {'cells':>6} {'ran':>5} {'seconds':>8}  result")
        results = []
        for page in pages:
            result = run_notebook(page, scratch)
            results.append(result)
            print(
                f"{result['chapter']:<48} {result['code_cells']:>6} {result['ran']:>5} "
                f"{result['seconds']:>8.1f}  {result['error'] or 'ok'}",
                flush=True,
            )
    failed = [result for result in results if result["error"]]
    total = sum(result["seconds"] for result in results)
    print(f"\n{len(results) - len(failed)} of {len(results)} notebooks ran clean in {total:.0f} s")
    if missing:
        print(f"quizzes missing from the installed banks: {', '.join(missing)}")
    if args.json:
        args.json.write_text(
            json.dumps({"notebooks": results, "missing_quizzes": missing}, indent=1)
        )
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
