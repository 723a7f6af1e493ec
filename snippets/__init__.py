"""Code the handbook's chapters embed and learners import: one module per chapter."""
