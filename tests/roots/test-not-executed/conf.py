extensions = ["myst_parser", "tfhandbook.book.sphinxext.not_executed"]
