"""A figure's smallest text is measured at phone width, and a figure too small to read fails."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from tfhandbook.harness.figure_legibility import (
    FIGURE_DPI,
    PHONE_COLUMN_PX,
    PHONE_MIN_TEXT_PX,
    smallest_text,
)

PLUGIN_ARGS = ("-p", "tfhandbook.harness.pytest_plugin", "-p", "no:doctest", "-p", "no:xdist")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def labelled(width: float, points: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(width, 3), dpi=FIGURE_DPI)
    ax.plot([0, 1], [0, 1], label="the small one")
    ax.legend(fontsize=points)
    ax.tick_params(labelsize=points + 2)
    ax.set_title("a larger title", fontsize=points + 4)
    fig.tight_layout()
    return fig


def test_the_width_is_the_saved_pngs(tmp_path: Path) -> None:
    fig = labelled(6.0, 8)
    measured = smallest_text(fig)
    fig.savefig(tmp_path / "figure.png", dpi=FIGURE_DPI, bbox_inches="tight")
    with Image.open(tmp_path / "figure.png") as image:
        width_px = image.width
    assert measured.figure_inches == pytest.approx(width_px / FIGURE_DPI, abs=0.02)


def test_the_smallest_text_and_its_size_on_a_phone() -> None:
    measured = smallest_text(labelled(6.0, 8))
    assert (measured.text, measured.points) == ("the small one", 8)
    natural = measured.figure_inches * FIGURE_DPI
    assert measured.phone_px == pytest.approx(8 / 72 * FIGURE_DPI * PHONE_COLUMN_PX / natural)


def test_a_figure_narrower_than_the_column_keeps_its_size() -> None:
    measured = smallest_text(labelled(2.0, 8))
    assert measured.figure_inches * FIGURE_DPI < PHONE_COLUMN_PX
    assert measured.phone_px == pytest.approx(8 / 72 * FIGURE_DPI)


@pytest.mark.parametrize(("width", "readable"), [(4.9, True), (5.3, False)])
def test_the_boundary_at_8_pt(width: float, readable: bool) -> None:
    # 8-point text is 8 px tall at phone width when the figure is 8 / 72 * 364 / 8 = 5.06 in.
    measured = smallest_text(labelled(width, 8))
    assert bool(measured.phone_px >= PHONE_MIN_TEXT_PX) is readable


def test_text_an_axes_does_not_draw_is_not_measured() -> None:
    fig, (image, plot) = plt.subplots(1, 2, figsize=(4, 2))
    image.imshow([[0, 1], [1, 0]])
    image.tick_params(labelsize=4)
    image.axis("off")  # its tick labels stay visible Text objects, but are never drawn
    plot.plot([0, 1])
    assert smallest_text(fig).points == plt.rcParams["font.size"]


def test_the_message_names_the_text_its_size_and_the_width_to_narrow_to() -> None:
    message = smallest_text(labelled(9.0, 8)).describe()
    assert message.startswith("its smallest text, 'the small one' at 8 pt in a figure ")
    assert " px tall on a phone (at least 8 px: " in message
    assert "narrow the figure to 5.1 in or enlarge the text)" in message


def test_a_figure_too_wide_fails_its_chapter_naming_page_and_line(
    pytester: pytest.Pytester,
) -> None:
    chapter = """\
        # Figures

        ```{plot}
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([1, 2, 3], label="readable")
        ax.legend(fontsize=9)
        ```

        ```{plot}
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(11, 4))
        ax.plot([1, 2, 3], label="tiny legend")
        ax.legend(fontsize=8)
        ```
        """
    path = pytester.path / "docs" / "figures.md"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(chapter), encoding="utf-8")
    (pytester.path / "snippets").mkdir()
    result = pytester.runpytest(*PLUGIN_ARGS)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*figures.md line=10 column=1*",
            "*figure 1 is hard to read on a phone: its smallest text, 'tiny legend' at 8 pt*",
        ]
    )
