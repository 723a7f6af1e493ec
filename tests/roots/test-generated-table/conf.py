import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # for measurements.py

extensions = ["myst_parser", "tfhandbook.book.sphinxext.generated_table"]
