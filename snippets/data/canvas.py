"""Digits on a canvas: scikit-learn's 8x8 digits, enlarged and pasted onto a larger blank
image at a random place, with the bounding box of each digit's ink known exactly.

Boxes follow TensorFlow's convention for `tf.image` ops: ``[y_min, x_min, y_max, x_max]``,
normalised by the canvas size, so ``0.0`` is the top or left edge and ``1.0`` the bottom or
right edge. Every function is seeded and returns NumPy arrays.
"""

from __future__ import annotations

import numpy as np

from snippets.data import load_digits


def ink_box(digit: np.ndarray) -> tuple[int, int, int, int]:
    """The pixel box ``(top, left, bottom, right)`` of a digit's non-zero pixels, with
    ``bottom`` and ``right`` one past the last inked row and column.

    >>> digit = np.zeros((8, 8))
    >>> digit[2:5, 3:7] = 1.0
    >>> ink_box(digit)
    (2, 3, 5, 7)
    """
    rows = np.flatnonzero(digit.reshape(digit.shape[0], -1).max(axis=1) > 0)
    cols = np.flatnonzero(digit.reshape(digit.shape[0], digit.shape[1], -1).max(axis=(0, 2)) > 0)
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _enlarge(digit: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement of an ``(8, 8)`` digit by an integer factor."""
    return np.kron(digit, np.ones((scale, scale), dtype=digit.dtype))


def make_digit_canvases(
    n: int = 1000,
    canvas_size: int = 32,
    scales: tuple[int, ...] = (2, 3),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One digit per canvas, enlarged by a random factor from `scales`, at a random place.

    Returns ``(images, labels, boxes)``: images ``(n, canvas_size, canvas_size, 1)``
    float32 in [0, 1], labels ``(n,)`` int32 digit classes, boxes ``(n, 4)`` float32
    normalised ``[y_min, x_min, y_max, x_max]`` of the digit's ink.

    >>> images, labels, boxes = make_digit_canvases(n=4, canvas_size=32, seed=0)
    >>> images.shape, labels.shape, boxes.shape, images.dtype
    ((4, 32, 32, 1), (4,), (4, 4), dtype('float32'))
    >>> bool(np.all(boxes[:, :2] < boxes[:, 2:])), bool(np.all((boxes >= 0) & (boxes <= 1)))
    (True, True)

    The box is exact: the pixels inside it hold all the ink, and the rows and columns on
    its edges are inked.

    >>> top, left, bottom, right = (boxes[0] * 32).round().astype(int)
    >>> bool(images[0].sum() == images[0, top:bottom, left:right].sum())
    True
    >>> bool(images[0, top].max() > 0), bool(images[0, bottom - 1].max() > 0)
    (True, True)
    """
    rng = np.random.default_rng(seed)
    digits, digit_labels = load_digits()
    images = np.zeros((n, canvas_size, canvas_size, 1), dtype="float32")
    labels = np.zeros(n, dtype="int32")
    boxes = np.zeros((n, 4), dtype="float32")
    for i in range(n):
        k = int(rng.integers(len(digits)))
        scale = int(rng.choice(scales))
        patch = _enlarge(digits[k, :, :, 0], scale)
        size = patch.shape[0]
        y, x = rng.integers(0, canvas_size - size + 1, size=2)
        images[i, y : y + size, x : x + size, 0] = patch
        top, left, bottom, right = ink_box(patch)
        boxes[i] = np.array([y + top, x + left, y + bottom, x + right]) / canvas_size
        labels[i] = digit_labels[k]
    return images, labels, boxes


def make_multi_digit_canvases(
    n: int = 500,
    canvas_size: int = 48,
    max_digits: int = 3,
    scale: int = 2,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One to `max_digits` digits per canvas, enlarged by `scale`, with no two overlapping.

    Returns ``(images, labels, boxes)``: images ``(n, canvas_size, canvas_size, 1)``,
    labels ``(n, max_digits)`` int32 padded with ``-1`` where a canvas has fewer digits,
    boxes ``(n, max_digits, 4)`` normalised ``[y_min, x_min, y_max, x_max]`` padded with
    zeros. ``(labels >= 0).sum(axis=1)`` counts the digits on each canvas.

    >>> images, labels, boxes = make_multi_digit_canvases(n=5, seed=0)
    >>> images.shape, labels.shape, boxes.shape
    ((5, 48, 48, 1), (5, 3), (5, 3, 4))
    >>> (labels >= 0).sum(axis=1)
    array([3, 2, 1, 1, 2])
    >>> bool(np.all(boxes[labels < 0] == 0))
    True

    The digits' patches never overlap, so the boxes of one canvas are disjoint:

    >>> a, b = boxes[0, 0], boxes[0, 1]
    >>> bool(a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])
    True
    """
    rng = np.random.default_rng(seed)
    digits, digit_labels = load_digits()
    size = 8 * scale
    images = np.zeros((n, canvas_size, canvas_size, 1), dtype="float32")
    labels = np.full((n, max_digits), -1, dtype="int32")
    boxes = np.zeros((n, max_digits, 4), dtype="float32")
    for i in range(n):
        count = int(rng.integers(1, max_digits + 1))
        corners: list[tuple[int, int]] = []
        for _ in range(100):  # rejection sampling: retry until the patches do not overlap
            if len(corners) == count:
                break
            y, x = (int(v) for v in rng.integers(0, canvas_size - size + 1, size=2))
            if all(abs(y - cy) >= size or abs(x - cx) >= size for cy, cx in corners):
                corners.append((y, x))
        for j, (y, x) in enumerate(corners):
            k = int(rng.integers(len(digits)))
            patch = _enlarge(digits[k, :, :, 0], scale)
            images[i, y : y + size, x : x + size, 0] = patch
            top, left, bottom, right = ink_box(patch)
            boxes[i, j] = np.array([y + top, x + left, y + bottom, x + right]) / canvas_size
            labels[i, j] = digit_labels[k]
    return images, labels, boxes
