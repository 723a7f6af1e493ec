extensions = ["myst_parser", "tfhandbook.book.sphinxext.myst_plot"]
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 50)]
