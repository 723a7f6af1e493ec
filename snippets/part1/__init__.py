"""Part 1: custom models, layers and loss functions."""
