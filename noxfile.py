"""Every task a person runs on the handbook: `nox -l` lists them."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["docs", "tests"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
# The version check's settings: where the pins live and the one way to run another release.
# Read from the tooling's source, which imports only the standard library, so they are
# defined once and nox needs nothing installed to know them.
PINS = runpy.run_path("src/tfhandbook/pins.py")
# Exact versions for a reproducible build; `nox -s lock` regenerates the file.
CONSTRAINTS = os.path.relpath(PINS["CONSTRAINTS"])
# How the processes run (quiet TensorFlow, workers, build flags), defined once for the
# noxfile, the benchmark, the tests and the grader; standard library only as well.
SETTINGS = runpy.run_path("src/tfhandbook/settings.py")
QUIET_TF = SETTINGS["QUIET_TF"]
PARALLEL = SETTINGS["parallel_flags"]()
HTML = "docs/_build/html"


def install(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install the pinned dependency groups and, unless told not to, the project itself."""
    requirements = nox.project.dependency_groups(PYPROJECT, *groups)
    session.install("-c", CONSTRAINTS, *requirements, *(["-e", "."] if project else []))


#: The book's HTML build, defined once: sphinx-build with settings.HTML_BUILD_FLAGS, then the
#: site optimisation over the built folder (`python -m tfhandbook.book.site_speed -h`).
BUILD_HTML = ["python", "-m", "tfhandbook.book.site_speed", "build", "docs", HTML]


@nox.session(reuse_venv=True)
def docs(session: nox.Session) -> None:
    """Build the handbook as HTML into docs/_build/html."""
    install(session, "docs")
    session.run(*BUILD_HTML, *session.posargs, env=QUIET_TF)


@nox.session(reuse_venv=True)
def ebook(session: nox.Session) -> None:
    """Build the whole book as a PDF and an EPUB: `nox -s ebook -- [OUT]`."""
    install(session, "test")  # the docs' stack, and Playwright, which prints the PDF
    out, *options = session.posargs or ["docs/_build/ebook"]
    session.run("python", "-m", "tfhandbook.book.ebook", "docs", out, *options, env=QUIET_TF)


@nox.session(reuse_venv=True)
def serve(session: nox.Session) -> None:
    """Rebuild and reload the handbook in the browser while you write."""
    install(session, "serve")
    session.run(
        "sphinx-autobuild",
        "--watch",
        "snippets",  # chapters embed snippets, so a snippet edit rebuilds too
        "--watch",
        "src/tfhandbook",
        # After each rebuild, the same site optimisation `nox -s docs` runs.
        "--post-build",
        f"python -m tfhandbook.book.site_speed {HTML}",
        "docs",
        HTML,
        *session.posargs,
        env=QUIET_TF,
    )


@nox.session(reuse_venv=True)
def tests(session: nox.Session) -> None:
    """Run every example in the chapters and snippets, and the tooling's tests."""
    install(session, "test")
    session.run(
        "pytest",
        *PARALLEL,
        *session.posargs,
        env=QUIET_TF,
    )


@nox.session(reuse_venv=True)
def bench(session: nox.Session) -> None:
    """Time the suite (serial, parallel, per chapter), the HTML build and a notebook run."""
    install(session, "bench")
    session.run("python", "-m", "tfhandbook.tools.bench", *session.posargs, env=QUIET_TF)


@nox.session(reuse_venv=True)
def notebooks(session: nox.Session) -> None:
    """Run every chapter's notebook in a fresh offline environment holding only the wheel."""
    install(session, "bench")
    scratch = Path(session.create_tmp()).absolute()
    wheelhouse = scratch / "wheelhouse"
    # The one step that reaches the package index: the wheel and its pinned requirements,
    # plus ipykernel, without which no notebook runs.
    session.run(
        "pip", "wheel", "--quiet", "-c", CONSTRAINTS, "-w", str(wheelhouse), ".", "ipykernel"
    )
    reader = scratch / "reader"
    session.run("python", "-m", "venv", "--clear", str(reader))
    python = reader / "bin" / "python"
    session.run(
        str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links",
        str(wheelhouse), "tfhandbook", "ipykernel", external=True,
    )  # fmt: skip
    session.run(
        "python", "-m", "tfhandbook.tools.reader_notebooks", "--python", str(python),
        *session.posargs, env=QUIET_TF,
    )  # fmt: skip


@nox.session(reuse_venv=True)
def flake(session: nox.Session) -> None:
    """Run the suite 5 times with other hash seeds, threads and workers; compare outcomes."""
    install(session, "test")
    # `-- --sealed` cuts the network and mounts the checkout read-only (Linux, as root).
    session.run("python", "-m", "tfhandbook.tools.flake", *session.posargs, env=QUIET_TF)


#: The pinned TensorFlow and the release before it; Keras and everything else stay pinned.
TENSORFLOW_RELEASES = ["2.21", "2.20"]


@nox.session(reuse_venv=True)
@nox.parametrize("tensorflow", TENSORFLOW_RELEASES)
def compat(session: nox.Session, tensorflow: str) -> None:
    """Run every chapter's and snippet's examples against one TensorFlow release."""
    # The constraints pin TensorFlow and TensorBoard to the book's release: drop those two.
    pins = Path(CONSTRAINTS).read_text(encoding="utf-8").splitlines()
    relaxed = Path(session.create_tmp()) / "constraints.txt"
    relaxed.write_text(
        "\n".join(pin for pin in pins if not pin.startswith(("tensorflow=", "tensorboard="))),
        encoding="utf-8",
    )
    release = [f"tensorflow=={tensorflow}.*", f"tensorboard=={tensorflow}.*"]
    others = [
        requirement
        for requirement in PYPROJECT["project"]["dependencies"]
        if not requirement.startswith(("tensorflow", "tensorboard"))
    ]
    groups = nox.project.dependency_groups(PYPROJECT, "test")
    session.install("-c", str(relaxed), *release, *others, *groups)
    # The project's own metadata asks for the pinned release; this environment holds another.
    session.install("--no-deps", "-e", ".")
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        *PARALLEL,
        *(session.posargs or ["docs", "snippets"]),
        env={
            **QUIET_TF,
            "TFHANDBOOK_STATUS": str(Path(session.create_tmp()) / "status.json"),
            # Another TensorFlow on purpose: the tests accept it (Keras is still checked).
            PINS["OTHER_RELEASES"]: "tensorflow",
        },
    )


@nox.session(reuse_venv=True)
def quiz(session: nox.Session) -> None:
    """Take a quiz in the terminal: `nox -s quiz -- take custom-losses` (see `-- --help`)."""
    install(session)
    session.run("tfhandbook", "quiz", *(session.posargs or ["list"]), env=QUIET_TF)


@nox.session(reuse_venv=True)
def audit(session: nox.Session) -> None:
    """Lighthouse scores of the built handbook (landing page and two chapters)."""
    install(session, "docs")
    session.run(*BUILD_HTML, "-q", env=QUIET_TF)
    tools = Path(session.cache_dir) / "lighthouse"
    if not (tools / "node_modules" / ".bin" / "lighthouse").exists():
        tools.mkdir(parents=True, exist_ok=True)
        session.run(
            "npm",
            "install",
            "--prefix",
            str(tools),
            "--no-audit",
            "--no-fund",
            "lighthouse@12",
            external=True,
        )
    session.run(
        "python", "-m", "tfhandbook.tools.audit", HTML, str(tools / "node_modules/.bin/lighthouse")
    )


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    """Check style and spelling (ruff, codespell) and control characters in the sources."""
    install(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("codespell", "docs", "snippets", "src", "tests", "README.md")
    # Control characters and stray escapes in chapters, banks and snippets (standard library
    # only, so it runs as a script without installing the project).
    session.run("python", "src/tfhandbook/tools/source_hygiene.py")


@nox.session(venv_backend="venv")
def lock(session: nox.Session) -> None:
    """Regenerate constraints.txt: the exact versions CI and every session install."""
    requirements = nox.project.dependency_groups(PYPROJECT, "dev")
    session.install(*requirements, "-e", ".")
    frozen = session.run("pip", "freeze", "--exclude-editable", silent=True)
    header = "# Generated by `nox -s lock`; do not edit by hand.\n"
    with open(CONSTRAINTS, "w", encoding="utf-8") as file:
        file.write(header + frozen)
    session.log(f"wrote {CONSTRAINTS} ({len(frozen.splitlines())} pins)")


if os.environ.get("CI"):
    # CI never reuses an environment from an earlier run.
    nox.options.reuse_existing_virtualenvs = False
