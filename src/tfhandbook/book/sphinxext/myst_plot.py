"""Matplotlib's ``plot`` directive, made to work in MyST pages.

The directive renders its figure by handing reStructuredText to
``state_machine.insert_input``, which MyST-Parser's stand-in state machine does not
implement, so in a ``.md`` page the figure silently never reaches the HTML (an error, not an
image). This override collects that reStructuredText and parses it the way MyST parses an
``{eval-rst}`` block. In ``.rst`` pages the directive runs unchanged. Either way, figures are drawn
again only when what they draw changes (`tfhandbook.book.sphinxext.figure_cache`).

Every figure says what it shows: a figure without ``:alt:`` (for a reader who cannot see
it) or without ``:caption:`` gets a warning naming the page and line
(``tfhandbook.figure``), which the book's ``-W`` build turns into an error.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.utils import new_document
from matplotlib.sphinxext.plot_directive import PlotDirective
from myst_parser.mocking import MockRSTParser, MockStateMachine
from sphinx.application import Sphinx
from sphinx.util import logging

from tfhandbook.book.sphinxext.figure_cache import note_figure_dependencies

logger = logging.getLogger(__name__)

#: What every figure must say about itself, and why.
DESCRIPTIONS = {
    "alt": "alt text, for a reader who cannot see the figure",
    "caption": "a caption saying what the figure shows",
}


class MystPlotDirective(PlotDirective):
    """The plot directive, emitting its figure markup as nodes instead of inserted input."""

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        for option, what in DESCRIPTIONS.items():
            if not self.options.get(option, "").strip():
                logger.warning(
                    f"a figure without :{option}: ({what})",
                    location=(env.docname, self.lineno),
                    type="tfhandbook",
                    subtype="figure",
                )
        note_figure_dependencies(env, "\n".join(self.content))
        if not isinstance(self.state_machine, MockStateMachine):
            return super().run()
        generated: list[str] = []
        # An instance attribute shadows the mock's missing method for this one call.
        self.state_machine.insert_input = lambda lines, source: generated.extend(lines)
        try:
            messages = super().run()
        finally:
            del self.state_machine.insert_input
        document = self.state.document
        figure = new_document(document["source"], document.settings)
        figure.reporter = document.reporter
        MockRSTParser().parse("\n".join(generated), figure)
        # Adopt the nodes: each one remembers its document, and one still pointing at the
        # scratch document would pickle that document (and what it reaches) into the page's
        # doctree: megabytes per figure, read back on every build.
        for node in figure.findall():
            node.document = document
        return [*messages, *figure.children]


def setup(app: Sphinx) -> dict[str, Any]:
    # Registers the plot_* configuration values and the figure cache, then replaces the
    # directive.
    app.setup_extension("tfhandbook.book.sphinxext.figure_cache")
    app.add_directive("plot", MystPlotDirective, override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
