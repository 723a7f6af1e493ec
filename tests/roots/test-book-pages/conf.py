extensions = [
    "myst_parser",
    "tfhandbook.sphinxext.course_differences",
    "tfhandbook.sphinxext.status_page",
    "tfhandbook.sphinxext.notebook_download",
]
html_theme = "sphinx_book_theme"  # its download menu lists the notebook
