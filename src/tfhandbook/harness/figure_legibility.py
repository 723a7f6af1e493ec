"""How large a figure's smallest text is on a phone, so a figure too wide to read fails.

A figure's image scales to the width of the page's column, so its text shrinks with it: on a
412 px phone the column is 364 CSS px wide, and a 10-point label of a 9-inch figure ends up
5.6 px tall. The harness measures every figure it draws and fails one whose smallest text
would be below `PHONE_MIN_TEXT_PX` there; such a figure is drawn narrower (panels stacked)
or with larger text. A tap on a figure still opens it at full size.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.text import Text

from tfhandbook.settings import FIGURE_DPI

#: The column a figure fills on a 412 px phone (the theme's padding taken off).
PHONE_COLUMN_PX = 364
#: The smallest text a reader should have to read there, in CSS pixels.
PHONE_MIN_TEXT_PX = 8.0
#: What ``savefig(bbox_inches="tight")`` adds around the drawn area, per side
#: (Matplotlib's default ``savefig.pad_inches``, which ``docs/conf.py`` keeps).
TIGHT_PAD_INCHES = 0.1


@dataclass(frozen=True)
class SmallestText:
    """The smallest text of a figure and its size at phone width."""

    text: str
    points: float
    figure_inches: float

    @property
    def phone_px(self) -> float:
        # The page shows one image pixel per CSS pixel until the column is narrower.
        natural = self.figure_inches * FIGURE_DPI  # the image's width in CSS px, unscaled
        return self.points / 72 * FIGURE_DPI * min(1.0, PHONE_COLUMN_PX / natural)

    @property
    def readable_inches(self) -> float:
        """The widest figure in which this text is still `PHONE_MIN_TEXT_PX` on a phone."""
        return self.points / 72 * PHONE_COLUMN_PX / PHONE_MIN_TEXT_PX

    def describe(self) -> str:
        return (
            f"its smallest text, {self.text!r} at {self.points:g} pt in a figure "
            f"{self.figure_inches:.1f} in wide, is {self.phone_px:.1f} px tall on a phone "
            f"(at least {PHONE_MIN_TEXT_PX:g} px: stack the panels, narrow the figure to "
            f"{self.readable_inches:.1f} in or enlarge "
            "the text)"
        )


def smallest_text(figure: Figure) -> SmallestText | None:
    """The smallest text drawn in `figure`, and the width of the figure as saved with a tight
    bounding box (``savefig.bbox: tight`` in the book's ``plot_rcparams``).

    Only text that is drawn counts: a tick label of an axes turned off is still a visible
    `Text`, but its axes never draws it, so the texts are collected while the figure draws.
    """
    drawn: list[Text] = []
    draw = Text.draw

    def recording_draw(text: Text, renderer: object) -> None:
        if text.get_visible() and text.get_text().strip():
            drawn.append(text)
        draw(text, renderer)

    Text.draw = recording_draw  # type: ignore[method-assign]
    try:
        figure.canvas.draw()  # lays out tick labels too, which exist only once drawn
    finally:
        Text.draw = draw  # type: ignore[method-assign]
    # The tight box in inches, plus the pad savefig adds on each side.
    width = figure.get_tightbbox(figure.canvas.get_renderer()).width + 2 * TIGHT_PAD_INCHES
    if not drawn:
        return None
    smallest = min(drawn, key=Text.get_fontsize)
    return SmallestText(smallest.get_text().strip(), smallest.get_fontsize(), width)
