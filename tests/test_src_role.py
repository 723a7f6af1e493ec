"""The `{src}` role links to the installed version's source and fails loudly when stale."""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from pathlib import Path

import keras
import pytest

from tfhandbook.book.source_links import UnresolvedReference, locate, private_parts

KERAS = importlib.metadata.version("keras")
TENSORFLOW = importlib.metadata.version("tensorflow")


def test_locate_points_at_the_installed_line() -> None:
    location = locate("keras.src.layers.layer.Layer.__call__")
    _, line = inspect.getsourcelines(keras.layers.Layer.__call__)
    assert location.path == "keras/src/layers/layer.py"
    assert location.line == line
    assert location.url == (
        f"https://github.com/keras-team/keras/blob/v{KERAS}/keras/src/layers/layer.py#L{line}"
    )


def test_locate_expands_the_tf_alias_to_the_tensorflow_repository() -> None:
    location = locate("tf.GradientTape")
    assert location.path == "tensorflow/python/eager/backprop.py"
    assert location.url.startswith(
        f"https://github.com/tensorflow/tensorflow/blob/v{TENSORFLOW}/tensorflow/python/eager/"
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("keras.src.layers.layer.Layer.no_such_method", "has no attribute 'no_such_method'"),
        ("nosuchpackage.thing", "no module named 'nosuchpackage'"),
        ("numpy.linalg.norm", "outside the packages the book links to"),
        ("keras.src.backend.config.floatx.__name__", "has no Python source"),
    ],
)
def test_locate_rejects_what_it_cannot_link(name: str, reason: str) -> None:
    with pytest.raises(UnresolvedReference, match=re.escape(reason)):
        locate(name)


@pytest.mark.sphinx("html", testroot="src-role")
def test_role_renders_links_to_the_release_tag(app) -> None:
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert app.warning.getvalue() == ""
    assert f"https://github.com/keras-team/keras/blob/v{KERAS}/keras/src/layers/layer.py#L" in html
    assert '<span class="pre">keras.src.layers.layer.Layer.__call__</span></code></a>' in html
    assert '"pre">Layer.__call__</span></code></a>' in html  # the ~ short form
    assert '"pre">the</span> <span class="pre">tape</span></code></a>' in html
    assert 'title="keras/src/layers/layer.py, line ' in html
    assert f"blob/v{KERAS}/keras/src/ops/node.py#L1" in html


@pytest.mark.sphinx("html", testroot="src-role-stale")
def test_stale_reference_warns_with_file_and_line(app) -> None:
    app.build()
    warnings = app.warning.getvalue()
    assert re.search(
        r"index\.md:5: WARNING: \{src\} reference 'keras\.src\.layers\.layer\.Layer\."
        r"no_such_method' does not resolve: .*has no attribute 'no_such_method'",
        warnings,
    ), warnings
    assert re.search(r"index\.md:7: WARNING: .*keras\.src\.no_such_module", warnings), warnings
    assert re.search(r"index\.md:9: WARNING: .*numpy\.linalg\.norm", warnings), warnings
    assert "index.md:3" not in warnings  # the reference that resolves
    assert warnings.count("WARNING") == 3


def test_build_with_warnings_as_errors_fails_on_a_stale_reference(tmp_path, rootdir) -> None:
    from sphinx.cmd.build import build_main

    status = build_main(
        [
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(rootdir / "test-src-role-stale"),
            str(tmp_path / "html"),
        ]
    )
    assert status != 0


@pytest.mark.parametrize(
    ("name", "private"),
    [
        ("keras.src.trainers.trainer.Trainer._compile_loss", ["_compile_loss"]),
        ("tensorflow.python.eager.backprop._aggregate_grads", ["_aggregate_grads"]),
        ("~keras.src._private_module.Thing.__call__", ["_private_module"]),
        ("keras.src.thing.Class.__mangled", ["__mangled"]),
        ("keras.src.layers.layer.Layer.__call__", []),  # a dunder is public protocol
        ("keras.src.layers.layer.Layer.__init__", []),
        ("tf.GradientTape", []),
    ],
)
def test_private_parts_are_leading_underscores_but_not_dunders(name, private) -> None:
    assert private_parts(name) == private


def _paragraphs(html: str) -> dict[str, str]:
    """Each paragraph of the test page's body by its opening words (before the colon)."""
    found = re.findall(r"<p>(.*?)</p>", html, flags=re.DOTALL)
    return {paragraph.split(":", 1)[0]: paragraph for paragraph in found}


@pytest.mark.sphinx("html", testroot="src-role")
def test_private_names_carry_a_marker_and_public_ones_do_not(app) -> None:
    app.build()
    assert app.warning.getvalue() == ""
    paragraphs = _paragraphs((app.outdir / "index.html").read_text(encoding="utf-8"))
    marker = re.compile(
        r'</a>\xa0<abbr class="src-private" title="Private: `(?P<part>\w+)` is not part of the '
        r'public API, so it may change or disappear in any release without notice.">'
        r"private</abbr>"
    )
    for opening, part in [
        ("A private method", "_make_function"),
        ("A private function, short form", "_aggregate_grads"),
    ]:
        found = marker.search(paragraphs[opening])
        assert found, paragraphs[opening]
        assert found["part"] == part
    for opening in [
        "A method",
        "Short form",
        "Own title",
        "A property",
        "A module",
        "A public class in the same module",
    ]:
        assert "src-private" not in paragraphs[opening], paragraphs[opening]
        assert "<a " in paragraphs[opening]  # the reference itself rendered


def test_the_stylesheet_styles_the_private_marker_in_light_and_dark_mode() -> None:
    css = (Path(__file__).parents[1] / "docs/_static/handbook.css").read_text(encoding="utf-8")
    rules = re.findall(r"([^{}]*abbr\.src-private[^{}]*)\{([^}]*)\}", css)
    assert rules, "no rule for abbr.src-private in handbook.css"
    # Colours come from the theme's variables, which pydata-sphinx-theme sets per mode.
    declarations = " ".join(body for _, body in rules)
    assert re.search(r"(?<![-\w])color:\s*var\(--pst-color-", declarations), declarations
    assert re.search(r"background-color:\s*var\(--pst-color-", declarations), declarations
