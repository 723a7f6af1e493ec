extensions = ["myst_parser", "tfhandbook.sphinxext.not_executed"]
