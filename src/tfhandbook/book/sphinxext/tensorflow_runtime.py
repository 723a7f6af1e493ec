"""Start TensorFlow quietly, and only when the build reads documents.

Figures run TensorFlow code and ``{src}`` references import Keras. Importing TensorFlow
here, muted, keeps its start-up log lines out of the build output; doing it only when
documents are read keeps a rebuild with nothing changed fast.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from tfhandbook.runtime import import_tensorflow_quietly


def _start_tensorflow(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if docnames:
        import_tensorflow_quietly()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-before-read-docs", _start_tensorflow)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
