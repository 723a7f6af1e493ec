"""The module a figure imports: each drawing is counted in $FIGURE_RUNS."""

import os

import matplotlib.pyplot as plt


def draw() -> None:
    with open(os.environ["FIGURE_RUNS"], "a", encoding="utf-8") as runs:
        runs.write("drawn\n")
    plt.plot([1, 2, 3])
    plt.title("first version")
