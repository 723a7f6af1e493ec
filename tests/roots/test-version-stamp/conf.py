extensions = ["tfhandbook.book.sphinxext.version_stamp"]
html_theme = "sphinx_book_theme"
html_theme_options = {"article_header_end": ["tested-with.html"]}
