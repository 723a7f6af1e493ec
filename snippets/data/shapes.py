"""Generated images of simple shapes with a class for every pixel, for segmentation.

Each image is a dark, slightly noisy background with a few filled circles, squares and
triangles, each of a random brightness. The mask gives every pixel its class:
``0`` background, ``1`` circle, ``2`` square, ``3`` triangle. Brightness says nothing about
the class, so a model has to look at a pixel's neighbourhood to label it. Every function
is seeded and returns NumPy arrays.
"""

from __future__ import annotations

import numpy as np

#: Class names, indexed by the values in a mask.
SHAPE_CLASSES = ("background", "circle", "square", "triangle")

#: Shapes are at least this bright and the background noise stays below ``NOISE``, so
#: ``image > INK_THRESHOLD`` marks exactly the pixels that belong to some shape.
MIN_BRIGHTNESS = 0.5
NOISE = 0.1
INK_THRESHOLD = 0.3


def shape_mask(kind: int, size: int, cy: float, cx: float, radius: float) -> np.ndarray:
    """A boolean ``(size, size)`` mask of one filled shape centred at ``(cy, cx)``.

    `kind` is ``1`` (a circle of the given radius), ``2`` (an axis-aligned square of
    half-side `radius`) or ``3`` (an upward triangle inscribed in that square).

    >>> shape_mask(2, 6, cy=2, cx=2, radius=1.5).astype(int)
    array([[0, 0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0, 0],
           [0, 1, 1, 1, 0, 0],
           [0, 1, 1, 1, 0, 0],
           [0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0]])
    >>> shape_mask(3, 7, cy=3, cx=3, radius=3).astype(int)
    array([[0, 0, 0, 1, 0, 0, 0],
           [0, 0, 0, 1, 0, 0, 0],
           [0, 0, 1, 1, 1, 0, 0],
           [0, 0, 1, 1, 1, 0, 0],
           [0, 1, 1, 1, 1, 1, 0],
           [0, 1, 1, 1, 1, 1, 0],
           [0, 0, 0, 0, 0, 0, 0]])
    """
    y, x = np.mgrid[0:size, 0:size].astype("float64")
    dy, dx = y - cy, x - cx
    if kind == 1:
        return dy**2 + dx**2 <= radius**2
    if kind == 2:
        return (np.abs(dy) <= radius) & (np.abs(dx) <= radius)
    if kind == 3:
        # Apex at the top centre, base along the bottom edge of the square: the half-width
        # at height dy grows linearly from 0 at the apex to `radius` at the base.
        inside_rows = (dy >= -radius) & (dy < radius)
        return inside_rows & (np.abs(dx) <= (dy + radius) / 2)
    raise ValueError(f"unknown shape kind {kind}")


def make_shapes(
    n: int = 500,
    size: int = 32,
    max_shapes: int = 3,
    radius_range: tuple[float, float] = (4.0, 8.0),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """`n` images of 1 to `max_shapes` shapes, with their per-pixel class masks.

    Returns ``(images, masks)``: images ``(n, size, size, 1)`` float32 in [0, 1], masks
    ``(n, size, size)`` int32 with values in ``0..3`` (see `SHAPE_CLASSES`). A shape drawn
    later covers the ones below it, in the image and in the mask alike.

    >>> images, masks = make_shapes(n=4, size=32, seed=0)
    >>> images.shape, images.dtype, masks.shape, masks.dtype
    ((4, 32, 32, 1), dtype('float32'), (4, 32, 32), dtype('int32'))
    >>> sorted(np.unique(masks).tolist())
    [0, 1, 2, 3]

    Thresholding the image recovers exactly the pixels the mask assigns to a shape:

    >>> bool(np.array_equal(images[..., 0] > INK_THRESHOLD, masks > 0))
    True
    """
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.0, NOISE, size=(n, size, size)).astype("float32")
    masks = np.zeros((n, size, size), dtype="int32")
    for i in range(n):
        for _ in range(int(rng.integers(1, max_shapes + 1))):
            kind = int(rng.integers(1, 4))
            radius = float(rng.uniform(*radius_range))
            cy, cx = rng.uniform(radius, size - radius, size=2)
            region = shape_mask(kind, size, cy, cx, radius)
            brightness = rng.uniform(MIN_BRIGHTNESS, 1.0)
            images[i][region] = brightness - rng.uniform(0.0, NOISE, size=int(region.sum()))
            masks[i][region] = kind
    return images[..., np.newaxis], masks
