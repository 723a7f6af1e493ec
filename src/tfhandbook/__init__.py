"""Tooling for The Advanced TensorFlow Handbook: the doctest harness and Sphinx extensions."""

__version__ = "0.1.0"
