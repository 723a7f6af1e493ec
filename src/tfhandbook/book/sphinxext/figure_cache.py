"""Figures are drawn again only when what they draw changes.

Matplotlib's plot directive decides whether a figure is current by comparing the page's
modification time with the image's. For this book that is wrong both ways: editing a
sentence of a chapter retrains every model its figures show, and editing the snippet that
draws a figure leaves the old image in place, because the page did not change.

This extension keys each figure on what it depends on: its code, the source of every
module of the book's own packages that the code imports (followed through their imports),
and the TensorFlow, Keras and Matplotlib versions. The key is stored beside the images. A
figure whose key matches is reused; one whose key differs is drawn again. A page is also
re-read when a snippet its figures import changes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from matplotlib.sphinxext import plot_directive
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from tfhandbook.python_imports import imported_names

#: Packages whose modules a figure's key follows; set ``figure_cache_packages`` to change.
DEFAULT_PACKAGES = ("snippets",)
_VERSIONED = ("tensorflow", "keras", "matplotlib")
_IMAGE_SUFFIXES = {".png", ".svg", ".pdf", ".jpg", ".jpeg"}


def imported_modules(code: str, packages: Iterable[str]) -> list[str]:
    """Names of the modules under `packages` that `code` imports, directly."""
    packages = tuple(packages)
    try:
        names = imported_names(code)
    except SyntaxError:  # a doctest-style figure: the directive reports it, not this
        return []
    return [name for name in names if name.split(".")[0] in packages]


def module_file(name: str) -> Path | None:
    """The source file of module `name`, or None when `name` is not a module with source
    (a function imported from a module, say). Finds the file without importing it, so a
    snippet's import-time side effects happen once, when the figure runs."""
    top, *rest = name.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not spec.submodule_search_locations:  # a plain module, not a package
        origin = spec.origin or ""
        return Path(origin) if not rest and origin.endswith(".py") else None
    for location in spec.submodule_search_locations:
        base = Path(location, *rest)
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def source_files(code: str, packages: Iterable[str]) -> list[Path]:
    """Every source file of `packages` that `code` depends on, through imports, sorted."""
    packages = tuple(packages)
    seen: dict[Path, None] = {}
    pending = imported_modules(code, packages)
    while pending:
        path = module_file(pending.pop())
        if path is None or path in seen:
            continue
        seen[path] = None
        pending += imported_modules(path.read_text(encoding="utf-8"), packages)
    return sorted(seen)


def figure_key(code: str, packages: Iterable[str]) -> str:
    """A digest of everything a figure drawn by `code` depends on."""
    digest = hashlib.sha256(code.encode())
    for path in source_files(code, packages):
        digest.update(path.name.encode() + path.read_bytes())
    for name in _VERSIONED:
        digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
    return digest.hexdigest()


def _images(output_dir: str, output_base: str) -> list[Path]:
    folder = Path(output_dir)
    # "page-1.png" and "page-1_00.png" belong to figure 1; "page-10.png" does not.
    return [
        path
        for path in folder.glob(f"{output_base}*")
        if path.stem == output_base or path.stem.startswith(f"{output_base}_")
        if path.suffix in _IMAGE_SUFFIXES  # not the figure's source, written beside it
    ]


#: The packages of the build in progress (a process may build several projects in turn).
_packages: list[str] = list(DEFAULT_PACKAGES)


def keyed(render_figures: Callable[..., Any]) -> Callable[..., Any]:
    """`render_figures` made to trust the key file instead of modification times."""

    @functools.wraps(render_figures)
    def render(
        code: str,
        code_path: str,
        output_dir: str,
        output_base: str,
        context: bool,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        stamp = Path(output_dir, f"{output_base}.key")
        key = figure_key(code, _packages)
        current = stamp.exists() and stamp.read_text(encoding="utf-8") == key
        # Newer than the page, however far ahead the page's clock is: the directive keeps it.
        newer = max(time.time(), Path(code_path).stat().st_mtime + 1)
        for image in _images(output_dir, output_base):
            if current:
                os.utime(image, (newer, newer))
            else:
                image.unlink()  # stale: the directive draws it again
        results = render_figures(code, code_path, output_dir, output_base, context, *args, **kwargs)
        stamp.write_text(key, encoding="utf-8")
        return results

    return render


def note_figure_dependencies(env: BuildEnvironment, code: str) -> None:
    """Re-read the page when a module the figure imports changes."""
    for path in source_files(code, env.config.figure_cache_packages):
        env.note_dependency(str(path))


def _use_packages(app: Sphinx, config: Config) -> None:
    _packages[:] = config.figure_cache_packages


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("matplotlib.sphinxext.plot_directive")
    app.add_config_value("figure_cache_packages", list(DEFAULT_PACKAGES), "env")
    app.connect("config-inited", _use_packages)
    if not hasattr(plot_directive.render_figures, "__wrapped__"):
        plot_directive.render_figures = keyed(plot_directive.render_figures)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
