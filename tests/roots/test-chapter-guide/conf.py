extensions = ["myst_parser", "tfhandbook.book.sphinxext.chapter_guide"]
