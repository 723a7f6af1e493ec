extensions = ["myst_parser", "tfhandbook.sphinxext.src_role"]
