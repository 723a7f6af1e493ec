extensions = ["myst_parser", "tfhandbook.sphinxext.page_speed"]
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["first.css", "second.css", ("print.css", {"media": "print"})]
