"""Small datasets for the handbook's examples, all offline: generated here, or shipped inside
a pinned package (scikit-learn's digits). Every function is seeded and returns NumPy arrays,
so an example gets the same data on every machine.
"""

from __future__ import annotations

import numpy as np


def load_digits(*, flat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 handwritten digits that ship with scikit-learn, scaled to [0, 1].

    Images come as ``(n, 8, 8, 1)`` float32 arrays, or ``(n, 64)`` with ``flat=True``;
    labels as int32 class indices 0-9.

    >>> images, labels = load_digits()
    >>> images.shape, images.dtype, labels[:5]
    ((1797, 8, 8, 1), dtype('float32'), array([0, 1, 2, 3, 4], dtype=int32))
    >>> float(images.max())
    1.0
    """
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = (digits.images / 16.0).astype("float32")
    labels = digits.target.astype("int32")
    if flat:
        return images.reshape(len(images), -1), labels
    return images[..., np.newaxis], labels


def train_test_split(
    *arrays: np.ndarray, test_fraction: float = 0.2, seed: int = 0
) -> list[np.ndarray]:
    """Shuffle `arrays` together and split each into a train part and a test part.

    Returns ``[a_train, a_test, b_train, b_test, ...]``, as scikit-learn's function does.

    >>> x, y = np.arange(10), np.arange(10) * 10
    >>> x_train, x_test, y_train, y_test = train_test_split(x, y, test_fraction=0.3)
    >>> len(x_train), len(x_test), bool(np.all(y_test == x_test * 10))
    (7, 3, True)
    """
    n = len(arrays[0])
    order = np.random.default_rng(seed).permutation(n)
    cut = n - round(n * test_fraction)
    return [part for a in arrays for part in (a[order[:cut]], a[order[cut:]])]


def make_house_prices(n: int = 512, seed: int = 0) -> dict[str, np.ndarray]:
    """A synthetic housing table with two kinds of inputs and two targets.

    ``"numeric"`` holds four standardised features (area, rooms, age, distance to the
    centre); ``"neighbourhood"`` an integer category 0-4. The targets are ``"price"``,
    which depends on both inputs, and ``"days_on_market"``, which depends mostly on price
    and age: a shape that suits a two-input, two-output Functional model.

    >>> data = make_house_prices(n=8)
    >>> sorted(data), data["numeric"].shape, data["neighbourhood"].shape
    (['days_on_market', 'neighbourhood', 'numeric', 'price'], (8, 4), (8,))
    """
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n, 4)).astype("float32")
    neighbourhood = rng.integers(0, 5, size=n).astype("int32")
    area, rooms, age, distance = numeric.T
    neighbourhood_premium = np.array([-1.0, -0.3, 0.0, 0.6, 1.5], dtype="float32")
    price = (
        1.2 * area
        + 0.4 * rooms
        - 0.3 * age
        - 0.5 * distance
        + neighbourhood_premium[neighbourhood]
        + 0.1 * rng.normal(size=n)
    )
    days = 0.8 * price + 0.5 * age + 0.1 * rng.normal(size=n)
    return {
        "numeric": numeric,
        "neighbourhood": neighbourhood,
        "price": price.astype("float32")[:, np.newaxis],
        "days_on_market": days.astype("float32")[:, np.newaxis],
    }


def make_digit_pairs(
    images: np.ndarray, labels: np.ndarray, n_pairs: int = 1000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of digit images for a Siamese network: half show the same digit, half differ.

    Returns ``(left, right, same)`` where ``same`` is 1.0 for a matching pair, else 0.0.

    >>> images, labels = load_digits()
    >>> left, right, same = make_digit_pairs(images, labels, n_pairs=6)
    >>> left.shape, right.shape, same.tolist()
    ((6, 8, 8, 1), (6, 8, 8, 1), [1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    """
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
    left_index, right_index, same = [], [], []
    for i in range(n_pairs):
        anchor_class = int(rng.integers(len(by_class)))
        if i % 2 == 0:
            other_class = anchor_class
        else:
            other_class = int((anchor_class + rng.integers(1, len(by_class))) % len(by_class))
        left_index.append(rng.choice(by_class[anchor_class]))
        right_index.append(rng.choice(by_class[other_class]))
        same.append(float(other_class == anchor_class))
    return images[left_index], images[right_index], np.array(same, dtype="float32")
