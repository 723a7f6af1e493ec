project = "A small book"
copyright = "the authors"
extensions = [
    "myst_parser",
    "sphinx_design",  # its cards' nodes have html visitors only
    "sphinx_exercise",  # registers singlehtml visitors, which hid the html ones
    "tfhandbook.book.sphinxext.ebooks",
]
myst_enable_extensions = ["colon_fence"]
html_theme = "sphinx_book_theme"  # its download menu lists the whole book
