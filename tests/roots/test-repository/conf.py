extensions = [
    "myst_parser",
    "tfhandbook.book.sphinxext.notebook_download",
    "tfhandbook.book.sphinxext.repository_links",
]
html_theme = "sphinx_book_theme"
html_theme_options = {
    "article_header_end": ["repository-links.html", "article-header-buttons.html"]
}
tfhandbook_docs_folder = ""  # this test project's root is the repository's root
