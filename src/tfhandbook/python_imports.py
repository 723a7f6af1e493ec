"""What a piece of Python code imports, read from its syntax tree without running it.

The figure cache follows a figure's imports into ``snippets`` to know when to redraw it, and
the grader preloads a question's libraries before its child locks itself down.
"""

from __future__ import annotations

import ast


def imported_names(code: str) -> list[str]:
    """Every module `code` imports directly, as written, in order: ``import a.b`` gives
    ``a.b``; ``from a import b`` gives ``a`` and ``a.b`` (``b`` may be a module). Relative
    imports are left out. A syntax error is raised as it is."""
    names = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names
