"""Small photographs and textures that ship inside the scikit-image wheel.

`skimage.data` fetches some of its images from the network with pooch. This module never
does: it reads only the files that are inside the installed package, by path, and raises
`FileNotFoundError` for anything else. Images come back square, resized small, as float32
arrays in [0, 1] with three colour channels (grey images are repeated across them), so
every image works as a content image, a style image or a training image alike.

>>> sorted(BUNDLED_IMAGES)[:4]
['astronaut', 'brick', 'camera', 'chelsea']
"""

from __future__ import annotations

import importlib.resources
from functools import cache

import numpy as np

# Name -> file inside the installed `skimage/data/` folder. Every file listed here ships in
# the wheel; images that `skimage.data` downloads on first use are deliberately absent.
BUNDLED_IMAGES: dict[str, str] = {
    "astronaut": "astronaut.png",
    "brick": "brick.png",
    "camera": "camera.png",
    "chelsea": "chelsea.png",
    "coffee": "coffee.png",
    "grass": "grass.png",
    "gravel": "gravel.png",
    "hubble_deep_field": "hubble_deep_field.jpg",
    "immunohistochemistry": "ihc.png",
    "rocket": "rocket.jpg",
}


@cache
def _read_full_image(name: str) -> np.ndarray:
    """The image at full size as float32 RGB in [0, 1], read from the package folder."""
    from skimage import io

    if name not in BUNDLED_IMAGES:
        raise FileNotFoundError(
            f"{name!r} is not a bundled image; choose one of {sorted(BUNDLED_IMAGES)}"
        )
    path = importlib.resources.files("skimage.data") / BUNDLED_IMAGES[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not in the installed scikit-image")
    pixels = io.imread(str(path)).astype("float32") / 255.0
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., np.newaxis], 3, axis=-1)
    return pixels[..., :3]


def load_image(name: str, size: int = 64) -> np.ndarray:
    """A bundled image, centre-cropped to a square and resized to ``(size, size, 3)``.

    >>> cat = load_image("chelsea", size=64)
    >>> cat.shape, cat.dtype
    ((64, 64, 3), dtype('float32'))
    >>> bool(0.0 <= cat.min() and cat.max() <= 1.0)
    True
    >>> load_image("brick", size=32).shape      # a grey texture, repeated over RGB
    (32, 32, 3)
    >>> load_image("horse")
    Traceback (most recent call last):
    ...
    FileNotFoundError: 'horse' is not a bundled image; choose one of [...]
    """
    from skimage.transform import resize

    pixels = _read_full_image(name)
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = pixels[top : top + side, left : left + side]
    small = resize(square, (size, size), anti_aliasing=True, preserve_range=True)
    return np.clip(small, 0.0, 1.0).astype("float32")


def random_crops(name: str, n: int, size: int = 32, scale: int = 256, seed: int = 0) -> np.ndarray:
    """`n` random ``(size, size, 3)`` crops of a bundled image first resized to `scale`.

    The same seed gives the same crops, so a patch dataset is reproducible.

    >>> patches = random_crops("gravel", n=5, size=16, seed=1)
    >>> patches.shape, patches.dtype
    ((5, 16, 16, 3), dtype('float32'))
    >>> bool(np.array_equal(patches, random_crops("gravel", n=5, size=16, seed=1)))
    True
    """
    image = load_image(name, size=scale)
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, scale - size + 1, size=(n, 2))
    return np.stack([image[r : r + size, c : c + size] for r, c in corners])
