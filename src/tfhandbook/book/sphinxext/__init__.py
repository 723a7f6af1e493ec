"""Sphinx extensions of the handbook; ``conf.py`` lists each module by import path."""
