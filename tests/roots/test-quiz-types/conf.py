extensions = ["myst_parser", "tfhandbook.book.sphinxext.quiz"]
# The test writes the guide's example renderer here (_static/quiz-types/ordering.js).
html_static_path = ["_static"]
