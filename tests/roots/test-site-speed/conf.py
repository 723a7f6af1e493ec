from pathlib import Path

extensions = ["myst_parser"]
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["first.css", "second.css", "nested/third.css", ("print.css", {"media": "print"})]


def _copy_late_stylesheet(app, exception):
    # As sphinx-exercise does: its stylesheet reaches the output only when the build ends.
    (Path(app.outdir) / "_static" / "late.css").write_text(".late { color: green; }\n")


def setup(app):
    app.add_css_file("late.css")
    app.connect("build-finished", _copy_late_stylesheet)
