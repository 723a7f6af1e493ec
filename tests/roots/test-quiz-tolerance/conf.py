extensions = ["myst_parser", "tfhandbook.sphinxext.quiz"]
