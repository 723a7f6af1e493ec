extensions = ["myst_parser", "tfhandbook.book.sphinxext.quiz"]
