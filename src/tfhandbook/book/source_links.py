"""Resolve a dotted name of a TensorFlow or Keras internal to its source file and line, and to
the same line in the public repository at the installed release."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

#: Abbreviations readers know, expanded before import.
ALIASES = {"tf": "tensorflow"}

#: Top-level package -> (distribution, repository URL). A release tag is ``v`` + version.
REPOSITORIES = {
    "keras": ("keras", "https://github.com/keras-team/keras"),
    "tensorflow": ("tensorflow", "https://github.com/tensorflow/tensorflow"),
}


def private_parts(name: str) -> list[str]:
    """The parts of a dotted `name` that are private by Python's convention: a leading
    underscore, as in ``_compile_loss`` or ``__mangled``. A dunder such as ``__call__`` is
    public protocol, not private.

    >>> private_parts("keras.src.trainers.trainer.Trainer._compile_loss")
    ['_compile_loss']
    >>> private_parts("keras.src.layers.layer.Layer.__call__")
    []
    """
    return [
        part
        for part in name.lstrip("~").split(".")
        if part.startswith("_")
        and not (len(part) > 4 and part.startswith("__") and part.endswith("__"))
    ]


class UnresolvedReference(LookupError):
    """A name that the installed packages do not define, or whose source is unpublished."""


@dataclass(frozen=True)
class SourceLocation:
    """Where an object is defined: a path inside its repository, a line, and the URL."""

    name: str
    qualname: str
    path: str
    line: int
    url: str


def _import_longest_prefix(name: str) -> tuple[object, list[str]]:
    parts = name.split(".")
    parts[0] = ALIASES.get(parts[0], parts[0])
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            return importlib.import_module(module_name), parts[cut:]
        except ImportError:
            continue
    raise UnresolvedReference(f"no module named {parts[0]!r}")


def resolve(name: str) -> object:
    """Import the object a dotted `name` names, e.g. ``keras.src.layers.layer.Layer.__call__``."""
    obj, attributes = _import_longest_prefix(name)
    owner = name.rsplit(".", len(attributes))[0] if attributes else name
    for attribute in attributes:
        try:
            # Static lookup keeps a property or staticmethod as written in the class body.
            obj = inspect.getattr_static(obj, attribute)
        except AttributeError:
            # Lazily loaded modules (tensorflow's API) only answer a real getattr.
            try:
                obj = getattr(obj, attribute)
            except AttributeError:
                raise UnresolvedReference(f"{owner!r} has no attribute {attribute!r}") from None
        owner = f"{owner}.{attribute}"
    return obj


def _definition(obj: object) -> object:
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    return inspect.unwrap(obj)  # type: ignore[arg-type]


def _package_root(top_level: str) -> Path:
    module = sys.modules.get(top_level) or importlib.import_module(top_level)
    return Path(module.__file__).resolve().parent.parent  # type: ignore[arg-type]


def _path_in_repository(name: str, source_file: Path) -> tuple[str, str]:
    """The top-level package that holds `source_file`, and the file's path in its repository."""
    for top_level in REPOSITORIES:
        root = _package_root(top_level)
        if source_file.is_relative_to(root / top_level):
            return top_level, source_file.relative_to(root).as_posix()
    raise UnresolvedReference(
        f"{name!r} is defined in {source_file}, outside the packages the book links to "
        f"({', '.join(REPOSITORIES)})"
    )


def locate(name: str) -> SourceLocation:
    """Find where `name` is defined in the installed version, and link to it."""
    obj = _definition(resolve(name))
    try:
        source_file = inspect.getsourcefile(obj)  # type: ignore[arg-type]
        _, line = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    except (TypeError, OSError):
        raise UnresolvedReference(
            f"{name!r} has no Python source (a builtin, a C++ op or a plain value)"
        ) from None
    if source_file is None:
        raise UnresolvedReference(f"{name!r} has no Python source file")
    top_level, path = _path_in_repository(name, Path(source_file).resolve())
    distribution, repository = REPOSITORIES[top_level]
    if Path(path).name.startswith("gen_"):
        raise UnresolvedReference(
            f"{name!r} is in {path}, which TensorFlow generates at build time and does not "
            "publish; refer to the op's Python wrapper or its gradient instead"
        )
    version = importlib.metadata.version(distribution)
    line = max(line, 1)
    qualname = getattr(obj, "__qualname__", None) or name.rsplit(".", 1)[-1]
    url = f"{repository}/blob/v{version}/{path}#L{line}"
    return SourceLocation(name=name, qualname=qualname, path=path, line=line, url=url)
