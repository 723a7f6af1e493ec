"""Refuse to build the book with a TensorFlow or Keras other than the pinned releases.

Listed first in ``conf.py``'s extensions: the check runs when Sphinx
loads it, before any page is read or any ``{src}`` name imported, and the build stops with
one message naming the installed and pinned versions and the command that fixes them. See
:mod:`tfhandbook.pins` for where the pins live and the one way to build another release.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from tfhandbook.pins import WrongVersions, check_versions


def setup(app: Sphinx) -> dict[str, Any]:
    try:
        check_versions(fix="nox -s docs")
    except WrongVersions as error:
        # Not a SphinxError: sphinx-build turns every Exception, its own errors included,
        # into a crash report (platform, traceback, "please report this to Sphinx") that
        # buries the one line that matters. SystemExit passes through its `except
        # Exception`: the build stops with status 1 and prints only the message.
        raise SystemExit(str(error)) from None
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
