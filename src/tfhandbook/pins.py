"""The TensorFlow and Keras releases the book describes, and the check that they are installed.

Every ``{src}`` link, every claim about what TensorFlow does and every checked output was
verified against one release's source. Built or tested against another release, the book
would still pass here and there while describing code the reader does not have, so the
build (:mod:`tfhandbook.book.sphinxext.pinned_versions`) and the tests
(:mod:`tfhandbook.harness.pytest_plugin`) refuse to start unless the installed TensorFlow and Keras
are the pinned ones. The only way past is on purpose: name the packages in
:data:`OTHER_RELEASES`, as ``nox -s compat`` does for the release it tries.

This module is the settings module of the check: the noxfile reads it with ``runpy`` before
the project is installed, so it imports nothing outside the standard library at import time.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from pathlib import Path

#: The distributions whose installed version must be the pinned one.
CHECKED = ("tensorflow", "keras")

#: An environment variable: a comma-separated list of distributions in :data:`CHECKED` that
#: may be another release than the pinned one (``tensorflow``), for a session that asks for
#: another release on purpose. Unset or empty, every distribution is checked.
OTHER_RELEASES = "TFHANDBOOK_OTHER_RELEASES"

# Where the pins live: constraints.txt at the root of the checkout, the file every nox
# session installs from and `nox -s lock` regenerates. A copy of the versions anywhere else
# (here, or in pyproject.toml, which holds ranges by design) would drift from what is
# installed. Building and testing the book need the checkout anyway (its chapters, snippets
# and tests), and every session installs the tooling from it in editable mode, so the file
# is found beside the `src/` this module sits in. A wheel installed elsewhere carries no
# constraints file; it can take quizzes, but building or testing with it is refused below.
CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints.txt"


class WrongVersions(RuntimeError):
    """The installed TensorFlow or Keras is not the release the book is pinned to."""


def _normalised(name: str) -> str:
    """A distribution name as PEP 503 compares it: `Keras_Nightly` is `keras-nightly`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(constraints: Path = CONSTRAINTS) -> dict[str, str]:
    """The exact version each :data:`CHECKED` distribution is pinned to in `constraints`."""
    try:
        lines = constraints.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise WrongVersions(
            f"Cannot check the TensorFlow and Keras versions: there is no {constraints}. "
            "The book is built and tested from its checkout, with the tooling installed from "
            "it in editable mode: run `nox -s tests` or `nox -s docs` there."
        ) from None
    pins = {}
    for line in lines:
        name, separator, version = line.split("#", 1)[0].partition("==")
        if separator:
            pins[_normalised(name.strip())] = version.strip()
    missing = [name for name in CHECKED if name not in pins]
    if missing:
        raise WrongVersions(
            f"Cannot check the TensorFlow and Keras versions: {constraints} pins no version "
            f"of {', '.join(missing)}"
        )
    return {name: pins[name] for name in CHECKED}


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None if it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def allowed_other_releases() -> set[str]:
    """The distributions :data:`OTHER_RELEASES` lets differ from their pins."""
    value = os.environ.get(OTHER_RELEASES, "")
    named = {_normalised(name.strip()) for name in value.split(",") if name.strip()}
    unknown = named - set(CHECKED)
    if unknown:
        raise WrongVersions(
            "Cannot check the TensorFlow and Keras versions: "
            f"{OTHER_RELEASES}={value!r} names {', '.join(sorted(unknown))}; "
            f"it takes a comma-separated list of {', '.join(CHECKED)}"
        )
    return named


def _same_release(installed: str, pinned: str) -> bool:
    # packaging ships with pytest and Sphinx, the two callers; `2.21` equals `2.21.0`.
    from packaging.version import InvalidVersion, Version

    try:
        return Version(installed) == Version(pinned)
    except InvalidVersion:
        return installed == pinned


def check_versions(fix: str, constraints: Path = CONSTRAINTS) -> None:
    """Raise :class:`WrongVersions` unless TensorFlow and Keras are the pinned releases, or a
    differing one is named in :data:`OTHER_RELEASES`. `fix` is the command that reinstalls
    the pinned versions for the caller (``nox -s tests``, ``nox -s docs``)."""
    pins = pinned_versions(constraints)
    allowed = allowed_other_releases()
    wrong = {}
    for name, pinned in pins.items():
        installed = installed_version(name)
        if name not in allowed and (installed is None or not _same_release(installed, pinned)):
            wrong[name] = (installed, pinned)
    if not wrong:
        return
    found = "; ".join(
        f"{name} {installed} is installed, pinned {pinned}"
        if installed
        else f"{name} is not installed, pinned {pinned}"
        for name, (installed, pinned) in wrong.items()
    )
    raise WrongVersions(
        f"Wrong TensorFlow or Keras version: {found} (in {constraints.name}). The book's "
        "links, claims and outputs describe the pinned releases' source. Reinstall with the "
        f"constraints: `{fix}` does it (it installs with `-c {constraints.name}`). To use "
        f"another release on purpose, as `nox -s compat` does, set "
        f"{OTHER_RELEASES}={','.join(wrong)}."
    )
