extensions = ["myst_parser", "tfhandbook.book.sphinxext.src_role"]
