"""Saliency maps, class activation maps and Grad-CAM on a small classifier whose evidence
sits at a known place, and the randomised-model sanity check of the "Interpretability"
chapter.

Each 32x32 image holds one of three 7x7 line patterns (a plus, an X, a hollow square) at a
random position, or none of them, plus a filled 5x5 block, the distractor, that appears in
every image whatever the class. The class is decided by the pattern alone, so a map that
explains the classifier should point at the pattern and not at the block.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Image side, pattern side and distractor side, in pixels.
SIZE, PATTERN, BLOCK = 32, 7, 5
#: Class names; the last class has no pattern.
CLASS_NAMES = ("plus", "cross", "square", "none")
#: Name of the last convolution (the maps' feature maps) and of the classifier layer.
LAST_CONV, LOGITS = "last_conv", "logits"


def line_patterns() -> np.ndarray:
    """The three 7x7 patterns, stacked as ``(3, 7, 7)``: a plus, an X and a hollow square.

    >>> line_patterns().sum(axis=(1, 2)).tolist()   # pixels lit in each
    [13.0, 13.0, 24.0]
    """
    middle = PATTERN // 2
    plus = np.zeros((PATTERN, PATTERN), dtype="float32")
    plus[middle, :] = plus[:, middle] = 1.0
    cross = np.maximum(np.eye(PATTERN), np.eye(PATTERN)[::-1]).astype("float32")
    square = np.zeros((PATTERN, PATTERN), dtype="float32")
    square[0, :] = square[-1, :] = square[:, 0] = square[:, -1] = 1.0
    return np.stack([plus, cross, square])


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int], gap: int) -> bool:
    """True if boxes ``(row0, col0, row1, col1)`` come within `gap` pixels of each other."""
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def make_pattern_images(n: int, seed: int = 0, noise: float = 0.15) -> dict[str, np.ndarray]:
    """`n` images with their labels, the pattern's box and the distractor's box.

    Boxes are ``(row0, col0, row1, col1)`` with exclusive ends; images of class ``"none"``
    get the box their pattern would have had, and nothing is drawn in it.

    >>> data = make_pattern_images(8)
    >>> data["images"].shape, data["labels"].shape, data["boxes"].shape
    ((8, 32, 32, 1), (8,), (8, 4))
    >>> bool(data["images"].min() >= 0.0 and data["images"].max() <= 1.0)
    True
    """
    rng = np.random.default_rng(seed)
    patterns = line_patterns()
    images = np.zeros((n, SIZE, SIZE, 1), dtype="float32")
    labels = rng.integers(0, len(CLASS_NAMES), size=n).astype("int32")
    boxes = np.zeros((n, 4), dtype="int32")
    blocks = np.zeros((n, 4), dtype="int32")
    for i in range(n):
        while True:
            row, col = rng.integers(0, SIZE - PATTERN + 1, size=2)
            block_row, block_col = rng.integers(0, SIZE - BLOCK + 1, size=2)
            box = (row, col, row + PATTERN, col + PATTERN)
            block = (block_row, block_col, block_row + BLOCK, block_col + BLOCK)
            if not _overlap(box, block, gap=2):
                break
        if labels[i] < len(patterns):
            images[i, row : row + PATTERN, col : col + PATTERN, 0] = patterns[labels[i]]
        images[i, block_row : block_row + BLOCK, block_col : block_col + BLOCK, 0] = 1.0
        boxes[i], blocks[i] = box, block
    images += noise * rng.normal(size=images.shape).astype("float32")
    return {
        "images": np.clip(images, 0.0, 1.0),
        "labels": labels,
        "boxes": boxes,
        "blocks": blocks,
    }


def build_gap_classifier() -> keras.Model:
    """Three convolutions, global average pooling and one `Dense` layer of logits.

    With nothing between the pooled features and the logits, each class score is a
    weighted sum of the last convolution's feature maps, which is what CAM needs.

    >>> model = build_gap_classifier()
    >>> model.get_layer(LAST_CONV).output.shape, model.output.shape
    ((None, 8, 8, 32), (None, 4))
    """
    inputs = keras.Input((SIZE, SIZE, 1), name="image")
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name=LAST_CONV)(x)
    pooled = layers.GlobalAveragePooling2D(name="gap")(x)
    logits = layers.Dense(len(CLASS_NAMES), name=LOGITS)(pooled)
    return keras.Model(inputs, logits, name="gap_classifier")


@functools.cache
def pattern_data() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The training set (1,200 images) and the test set (300 images), cached."""
    return make_pattern_images(1200, seed=0), make_pattern_images(300, seed=1)


@functools.cache
def trained_classifier(epochs: int = 4) -> keras.Model:
    """`build_gap_classifier` trained on `pattern_data`'s training set, cached.

    Seeded inside, so the model is the same whatever ran before.
    """
    keras.utils.set_random_seed(0)
    train, _ = pattern_data()
    model = build_gap_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(train["images"], train["labels"], epochs=epochs, batch_size=32, verbose=0)
    return model


def randomised_classifier(seed: int = 1) -> keras.Model:
    """The same architecture with freshly initialised weights: the sanity check's model."""
    keras.utils.set_random_seed(seed)
    return build_gap_classifier()


def saliency_map(model: keras.Model, images: Any, classes: Any) -> np.ndarray:
    """The absolute gradient of each image's class score with respect to its pixels.

    Returns ``(n, height, width)``: the maximum over channels of ``|d score / d pixel|``.
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images, dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(images)  # a constant is not watched unless you ask
        logits = model(images, training=False)
        scores = tf.gather(logits, classes, axis=1, batch_dims=1)
    gradients = tape.gradient(scores, images)
    return ops.convert_to_numpy(ops.max(ops.abs(gradients), axis=-1))


def feature_model(model: keras.Model, layer_name: str = LAST_CONV) -> keras.Model:
    """A Functional model from `model`'s input to ``[layer output, model output]``.

    A `Sequential` model's ``input`` and ``output`` raise even once it is built, so for one
    the graph is built anew: its layers, the same objects with the same weights, are called
    in order on a new `keras.Input`, keeping the output of `layer_name` on the way.
    """
    target = model.get_layer(layer_name)
    if not isinstance(model, keras.Sequential):
        return keras.Model(model.input, [target.output, model.output])
    inputs = x = keras.Input(batch_shape=model.inputs[0].shape)
    for layer in model.layers:
        x = layer(x)
        if layer is target:
            features = x
    return keras.Model(inputs, [features, x])


def class_activation_map(
    model: keras.Model, images: Any, classes: Any, size: int = SIZE
) -> np.ndarray:
    """CAM: the last feature maps weighted by the `Dense` weights of each image's class,
    upsampled to ``size x size``.

    Returns ``(n, size, size)``.
    """
    features, _ = feature_model(model)(images, training=False)
    weights = model.get_layer(LOGITS).kernel  # (channels, classes)
    class_weights = ops.transpose(ops.take(weights, classes, axis=1))  # (n, channels)
    maps = ops.einsum("nhwk,nk->nhw", features, class_weights)
    return upsample(maps, size)


def grad_cam(
    model: keras.Model,
    images: Any,
    classes: Any,
    size: int = SIZE,
    layer_name: str = LAST_CONV,
) -> np.ndarray:
    """Grad-CAM: the feature maps of `layer_name` weighted by the spatial mean of the class
    score's gradient with respect to them, summed over channels, through a ReLU, upsampled.

    Returns ``(n, size, size)``.
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images, dtype="float32")
    with tf.GradientTape() as tape:
        features, logits = feature_model(model, layer_name)(images, training=False)
        scores = tf.gather(logits, classes, axis=1, batch_dims=1)
    # Recorded without `tape.watch`: the convolutions read trainable kernels, which the
    # tape watches automatically.
    gradients = tape.gradient(scores, features)
    channel_weights = ops.mean(gradients, axis=(1, 2))  # (n, channels)
    maps = ops.relu(ops.einsum("nhwk,nk->nhw", features, channel_weights))
    return upsample(maps, size)


def upsample(maps: Any, size: int = SIZE) -> np.ndarray:
    """Resize ``(n, h, w)`` maps to ``(n, size, size)`` with bilinear interpolation.

    >>> upsample(np.ones((2, 8, 8)), 32).shape
    (2, 32, 32)
    """
    resized = ops.image.resize(ops.expand_dims(maps, -1), (size, size), interpolation="bilinear")
    return ops.convert_to_numpy(resized[..., 0])


def pointing_game(maps: np.ndarray, boxes: np.ndarray, pad: int = 2) -> np.ndarray:
    """For each map, whether its highest pixel falls inside its box grown by `pad` pixels.

    >>> heat = np.zeros((2, 32, 32)); heat[0, 5, 5] = heat[1, 30, 30] = 1.0
    >>> pointing_game(heat, np.array([[3, 3, 10, 10], [3, 3, 10, 10]])).tolist()
    [True, False]
    """
    flat_peak = np.argmax(maps.reshape(len(maps), -1), axis=1)
    rows, cols = np.unravel_index(flat_peak, maps.shape[1:])
    return (
        (rows >= boxes[:, 0] - pad)
        & (rows < boxes[:, 2] + pad)
        & (cols >= boxes[:, 1] - pad)
        & (cols < boxes[:, 3] + pad)
    )


METHODS = {"saliency": saliency_map, "CAM": class_activation_map, "Grad-CAM": grad_cam}


@functools.cache
def pointing_scores() -> dict[str, dict[str, float]]:
    """Pointing-game hit rates of each method on the test images that have a pattern, for
    the trained and the randomised model, and how often the peak lands on the distractor.

    Cached; the maps are computed for the true class of each image.
    """
    _, test = pattern_data()
    has_pattern = test["labels"] < len(CLASS_NAMES) - 1
    images = test["images"][has_pattern]
    classes = test["labels"][has_pattern]
    scores = {}
    for name, model in (("trained", trained_classifier()), ("random", randomised_classifier())):
        for method, explain in METHODS.items():
            maps = explain(model, images, classes)
            scores[f"{method}, {name}"] = {
                "pattern": float(pointing_game(maps, test["boxes"][has_pattern]).mean()),
                "distractor": float(pointing_game(maps, test["blocks"][has_pattern]).mean()),
            }
    return scores


def _draw_box(ax: Any, box: np.ndarray, color: str) -> None:
    from matplotlib.patches import Rectangle

    row0, col0, row1, col1 = box
    ax.add_patch(
        Rectangle((col0 - 0.5, row0 - 0.5), col1 - col0, row1 - row0, fill=False, lw=1.2, ec=color)
    )


def _region_max(maps: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The largest value of each map inside its ``[row0, col0, row1, col1]`` box."""
    return np.array(
        [m[r0:r1, c0:c1].max() for m, (r0, c0, r1, c1) in zip(maps, boxes, strict=True)]
    )


def _check_trained_maps(
    columns: dict[str, np.ndarray], boxes: np.ndarray, blocks: np.ndarray
) -> None:
    """What the chapter says of the trained model's figure: CAM and Grad-CAM peak on the
    pattern and stay dark on the block (under half the pattern's peak); saliency peaks on
    the pattern in most images but also has gradient on the block."""
    for name in ("CAM", "Grad-CAM"):
        assert pointing_game(columns[name], boxes).all(), name
        ratio = _region_max(columns[name], blocks) / _region_max(columns[name], boxes)
        assert np.all(ratio < 0.5), (name, ratio)
    saliency = columns["saliency"]
    assert pointing_game(saliency, boxes).mean() >= 0.5
    assert np.all(_region_max(saliency, blocks) > 0.1 * _region_max(saliency, boxes))


def plot_maps(model: keras.Model | None = None, n_examples: int = 4, title: str = "") -> Figure:
    """Test images with their saliency, CAM and Grad-CAM maps for the true class.

    The pattern's box is drawn in green, the distractor's in red; a white dot marks each
    map's peak.
    """
    import matplotlib.pyplot as plt

    trained = model is None
    model = trained_classifier() if trained else model
    _, test = pattern_data()
    # The first test image of each pattern class, then more in order.
    order = [int(np.flatnonzero(test["labels"] == c)[0]) for c in range(3)]
    order += [i for i in range(len(test["labels"])) if test["labels"][i] < 3 and i not in order]
    index = np.array(order[:n_examples])
    images, classes = test["images"][index], test["labels"][index]
    columns = {"input": images[..., 0]}
    columns.update({name: explain(model, images, classes) for name, explain in METHODS.items()})
    if trained:
        _check_trained_maps(columns, test["boxes"][index], test["blocks"][index])
    fig, axes = plt.subplots(n_examples, 4, figsize=(5.5, 1.5 * n_examples + 0.3))
    for row in range(n_examples):
        for col, (name, maps) in enumerate(columns.items()):
            ax = axes[row, col]
            ax.imshow(maps[row], cmap="gray" if name == "input" else "inferno")
            _draw_box(ax, test["boxes"][index[row]], "lime")
            _draw_box(ax, test["blocks"][index[row]], "red")
            if name != "input":
                peak = np.unravel_index(np.argmax(maps[row]), maps[row].shape)
                ax.plot(peak[1], peak[0], "o", ms=4, mec="black", mfc="white")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name, fontsize=9)
        axes[row, 0].set_ylabel(CLASS_NAMES[classes[row]], fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_sanity_check() -> Figure:
    """Pointing-game hit rates of each method, trained model against randomised model."""
    import matplotlib.pyplot as plt

    scores = pointing_scores()
    methods = list(METHODS)
    positions = np.arange(len(methods))
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for offset, name, color in ((-0.2, "trained", "tab:blue"), (0.2, "random", "tab:grey")):
        hits = [scores[f"{method}, {name}"]["pattern"] for method in methods]
        bars = ax.bar(positions + offset, hits, width=0.4, color=color, label=f"{name} model")
        ax.bar_label(bars, fmt="%.2f", fontsize=9)
    box_area = ((PATTERN + 4) ** 2) / SIZE**2  # the box grown by 2 pixels on each side
    # The chapter: the randomised model's CAM and Grad-CAM still hit about half of the
    # patterns, several times the chance level.
    for method in ("CAM", "Grad-CAM"):
        hit = scores[f"{method}, random"]["pattern"]
        assert 0.35 < hit < 0.65 and hit > 3 * box_area, (method, hit)
    ax.axhline(box_area, color="black", lw=0.8, ls=":", label="chance: box area / image area")
    ax.set_xticks(positions, methods)
    ax.set_ylim(0, 1.45)  # room for the legend above the bars
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("peak inside the pattern's box")
    _, test = pattern_data()
    n_pattern = int(np.sum(test["labels"] < len(CLASS_NAMES) - 1))
    ax.set_title(f"Pointing game on the {n_pattern} test images with a pattern", fontsize=11)
    ax.legend(fontsize=9, loc="upper left", ncols=2)
    fig.tight_layout()
    return fig
