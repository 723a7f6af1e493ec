import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # so the figure can import figuredata

extensions = ["myst_parser", "tfhandbook.book.sphinxext.myst_plot"]
figure_cache_packages = ["figuredata"]
plot_formats = [("png", 30)]
