"""Sphinx configuration of The Advanced TensorFlow Handbook: configuration only; behaviour
lives in the ``tfhandbook.book.sphinxext`` extensions."""

from __future__ import annotations

import importlib.metadata
import os
from urllib.parse import urlparse

from tfhandbook.settings import FIGURE_DPI

project = "The Advanced TensorFlow Handbook"
author = "The Advanced TensorFlow Handbook authors"
copyright = "2026, the handbook's authors"
language = "en"

extensions = [
    # First: the build stops at once unless TensorFlow and Keras are the pinned releases.
    "tfhandbook.book.sphinxext.pinned_versions",
    "myst_parser",
    "sphinx.ext.doctest",  # renders {doctest} blocks; the test suite runs them
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "tfhandbook.book.sphinxext.myst_plot",  # Matplotlib's plot directive, working in MyST pages
    "tfhandbook.book.sphinxext.tensorflow_runtime",
    "tfhandbook.book.sphinxext.src_role",
    "tfhandbook.book.sphinxext.version_stamp",
    "tfhandbook.book.sphinxext.not_executed",
    "tfhandbook.book.sphinxext.generated_table",
    "tfhandbook.book.sphinxext.quiz",
    "tfhandbook.book.sphinxext.notebook_download",
    "tfhandbook.book.sphinxext.repository_links",  # source, edit, issue and launch links
    "tfhandbook.book.sphinxext.status_page",
    "tfhandbook.book.sphinxext.course_differences",
    "tfhandbook.book.sphinxext.problems",  # {problem} and the error index
    "tfhandbook.book.sphinxext.chapter_guide",  # reading time, assumptions, objectives
    "tfhandbook.book.sphinxext.sitemap",
    "tfhandbook.book.sphinxext.ebooks",  # the whole book as PDF and EPUB, in the download menu
    "tfhandbook.book.sphinxext.site_search",  # what Pagefind indexes: each page's article
    "tfhandbook.book.sphinxext.mathml",  # formulas as MathML: no MathJax download
    "sphinxext.opengraph",
    "notfound.extension",
]

exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
nitpicky = True
nitpick_ignore: list[tuple[str, str]] = []

html_math_renderer = "mathml"

# -- MyST --------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist", "attrs_inline", "substitution"]
myst_heading_anchors = 3
myst_substitutions = {
    "tensorflow_version": importlib.metadata.version("tensorflow"),
    "keras_version": importlib.metadata.version("keras"),
}

# -- Figures made from code at build time ---------------------------------------
plot_pre_code = (
    "from tfhandbook.runtime import reset_state\n"
    "reset_state()  # the same fixed seeds and fresh session the tests start from\n"
)
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", FIGURE_DPI)]
plot_rcparams = {"figure.dpi": FIGURE_DPI, "savefig.bbox": "tight"}

# -- Copy buttons: copy the code, not the prompts or the printed output ----------------
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# -- Hosting: canonical URL, sitemap, social previews, 404 page ---------------------
# Read the Docs sets READTHEDOCS_CANONICAL_URL; the GitHub Pages workflow sets HANDBOOK_BASE_URL.
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL") or os.environ.get(
    "HANDBOOK_BASE_URL", "https://advanced-tensorflow-handbook.readthedocs.io/en/latest/"
)
ogp_site_url = html_baseurl
ogp_site_name = "The Advanced TensorFlow Handbook"
ogp_social_cards = {"enable": False}  # cards are drawn with Matplotlib: slow, and not needed
notfound_urls_prefix = urlparse(html_baseurl).path or "/"

# -- HTML -----------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "The Advanced TensorFlow Handbook"
html_static_path = ["_static"]
html_css_files = ["handbook.css", "search.css"]
html_js_files = [
    ("wrap_points.js", {"defer": "defer"}),
    ("figure_zoom.js", {"defer": "defer"}),
    ("search.js", {"defer": "defer"}),  # search as you type, on Pagefind's index
]
html_favicon = "_static/favicon.svg"
html_last_updated_fmt = "%Y-%m-%d"
html_context = {"default_mode": "auto"}  # follow the reader's system setting until they choose
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "navbar_persistent": [],  # search lives in the sidebar; no second search box on top
    "article_header_end": [
        "tested-with.html",
        "repository-links.html",
        "article-header-buttons.html",
    ],
    "footer_content_items": ["tested-with.html", "copyright.html", "last-updated.html"],
}

# -- Where the book lives: one setting turns on every link to the repository -----------
# Unset (a local build), no repository, edit, issue or launch link is drawn. The Pages
# workflow sets both from the repository it runs in.
# The folder `nox -s ebook` wrote the PDF and EPUB to (the Pages workflow sets it).
tfhandbook_ebooks = os.environ.get("HANDBOOK_EBOOKS", "")
tfhandbook_repository = os.environ.get("HANDBOOK_REPOSITORY", "")
tfhandbook_repository_branch = os.environ.get("HANDBOOK_BRANCH", "main")
