extensions = ["myst_parser", "tfhandbook.book.sphinxext.problems"]
