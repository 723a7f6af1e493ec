"""Compile code that exists only as a string so that `inspect` can still read it back.

AutoGraph converts a `tf.function`'s Python control flow by reading the function's source
with `inspect.getsource`. Code compiled from a string has no file to read, so a learner's
`@tf.function` with an `if` on a tensor would fail in the grader although it works in their
editor. Registering the string in `linecache` under the name it is compiled with gives
`inspect`, and so AutoGraph, the same view of it as of a file.
"""

from __future__ import annotations

import linecache
from types import CodeType


def compile_source(source: str, filename: str) -> CodeType:
    """`compile(source, filename, "exec")`, with `source` readable by `inspect` afterwards."""
    # A modification time of None tells `linecache.checkcache` never to discard the entry.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return compile(source, filename, "exec")
