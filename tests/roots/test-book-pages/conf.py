extensions = [
    "myst_parser",
    "tfhandbook.book.sphinxext.course_differences",
    "tfhandbook.book.sphinxext.status_page",
    "tfhandbook.book.sphinxext.notebook_download",
]
html_theme = "sphinx_book_theme"  # its download menu lists the notebook
