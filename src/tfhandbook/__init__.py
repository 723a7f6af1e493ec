"""Tooling for The Advanced TensorFlow Handbook, grouped by who uses it.

- :mod:`tfhandbook.book`: the book's build (Sphinx extensions, notebooks, the post-build
  site optimiser, and the readers of chapters they share);
- :mod:`tfhandbook.harness`: the test harness (sybil setup, output checker, pytest plugin,
  isolation, the status record);
- :mod:`tfhandbook.quiz`: the quiz engine and the ``tfhandbook quiz`` command;
- :mod:`tfhandbook.tools`: the maintainer's tools (bench, flake, audit, local server, source
  hygiene).

Beside them, read by all: :mod:`~tfhandbook.settings` (environment, flags, paths),
:mod:`~tfhandbook.pins` (the pinned versions), :mod:`~tfhandbook.runtime` (what an example
runs with: seeds, quiet TensorFlow) and :mod:`~tfhandbook.python_imports`.
"""

__version__ = "0.1.0"
