"""The book's build: the Sphinx extensions (:mod:`~tfhandbook.book.sphinxext`) and the
modules they call (notebook export, ``{src}`` lookup, measured tables)."""
