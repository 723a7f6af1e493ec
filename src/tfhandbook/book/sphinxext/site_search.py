"""What the book's search indexes: each page's article, marked for Pagefind.

Pagefind (run over the built site by :mod:`tfhandbook.book.search_index`) indexes only the
elements marked ``data-pagefind-body`` once any page has one, so the theme's header,
sidebars and footer, which every page repeats, match no query. Pagefind weights the words
of each heading by its level (``h1`` most), so a chapter whose title or a section heading
holds the query ranks before a page that only mentions it.

Pages that list other pages' text are indexed at a low weight: the error index quotes every
chapter's error messages, and a pasted message must find the chapter that explains it first.
The search page, the general index and the 404 page are not indexed.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

#: Pages left out of the index: no article a reader searches for.
NOT_INDEXED = {"search", "genindex", "404"}
#: Pages that quote other pages' text, and the weight of their words (Pagefind's default is 1).
QUOTING_PAGES = {"appendix/error-index": 0.2}


def mark_article(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Wrap the page's body (the article's content) in Pagefind's body marker."""
    body = context.get("body")
    if not body or pagename in NOT_INDEXED:
        return
    weight = QUOTING_PAGES.get(pagename)
    if weight is not None:
        body = f'<div data-pagefind-weight="{weight}">{body}</div>'
    context["body"] = f"<div data-pagefind-body>{body}</div>"


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", mark_article)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
