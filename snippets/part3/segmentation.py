"""Semantic segmentation of generated shapes: a fully convolutional network and a small
U-Net, transposed convolution against upsampling, per-class IoU and Dice from a confusion
matrix, paired image/mask augmentation in ``tf.data``, and the figures of the "Image
segmentation" chapter.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

import keras
import numpy as np
import tensorflow as tf
from keras import layers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

N_CLASSES = 4


# -- Models ----------------------------------------------------------------------------


def build_fcn(size: int = 32, n_classes: int = N_CLASSES) -> keras.Model:
    """A fully convolutional network: two halvings to a 1/4-resolution grid of class
    scores, then bilinear upsampling by 4 back to the input size (FCN-32s in miniature)."""
    image = keras.Input((size, size, 1), name="image")
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(image)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(n_classes, 1, name="coarse_scores")(x)
    logits = layers.UpSampling2D(4, interpolation="bilinear", name="upsample")(x)
    return keras.Model(image, logits, name="fcn")


def build_unet(size: int = 32, n_classes: int = N_CLASSES, filters: int = 8) -> keras.Model:
    """A two-level U-Net: an encoder that halves the resolution twice, a decoder that
    doubles it back with `Conv2DTranspose`, and skip connections that concatenate each
    encoder level with the decoder level of the same size."""
    image = keras.Input((size, size, 1), name="image")
    skip1 = layers.Conv2D(filters, 3, padding="same", activation="relu")(image)
    x = layers.MaxPooling2D()(skip1)
    skip2 = layers.Conv2D(2 * filters, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(skip2)
    x = layers.Conv2D(4 * filters, 3, padding="same", activation="relu", name="bottleneck")(x)
    x = layers.Conv2DTranspose(2 * filters, 2, strides=2, name="up1")(x)
    x = layers.Concatenate()([x, skip2])
    x = layers.Conv2D(2 * filters, 3, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(filters, 2, strides=2, name="up2")(x)
    x = layers.Concatenate()([x, skip1])
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    logits = layers.Conv2D(n_classes, 1, name="logits")(x)
    return keras.Model(image, logits, name="unet")


class SegmentationRun(NamedTuple):
    """A trained segmentation model, its training history and its held-out predictions."""

    model: keras.Model
    history: dict[str, list[float]]
    test_images: np.ndarray
    test_masks: np.ndarray
    predicted_masks: np.ndarray


@functools.cache
def train_segmenter(
    kind: str, n_train: int = 800, n_test: int = 200, epochs: int = 8, seed: int = 0
) -> SegmentationRun:
    """Train ``build_fcn`` (``kind="fcn"``) or ``build_unet`` (``kind="unet"``) on generated
    shapes with a per-pixel cross-entropy (cached: once per process and kind).

    The seed is set here, so the model is the same whichever example or figure trains it
    first."""
    from snippets.data.shapes import make_shapes

    keras.utils.set_random_seed(seed)

    images, masks = make_shapes(n=n_train + n_test, size=32, seed=0)
    model = build_fcn() if kind == "fcn" else build_unet()
    model.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.MeanIoU(N_CLASSES, sparse_y_pred=False, name="mean_iou")],
    )
    history = model.fit(images[:n_train], masks[:n_train], epochs=epochs, batch_size=16, verbose=0)
    logits = model.predict(images[n_train:], verbose=0)
    return SegmentationRun(
        model, history.history, images[n_train:], masks[n_train:], logits.argmax(axis=-1)
    )


# -- Metrics ---------------------------------------------------------------------------


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` pixel counts: row = true class, column = predicted class.

    >>> confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    array([[1, 1],
           [0, 2]])
    """
    index = n_classes * np.ravel(y_true).astype(int) + np.ravel(y_pred).astype(int)
    return np.bincount(index, minlength=n_classes**2).reshape(n_classes, n_classes)


def per_class_iou(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """IoU of each class, ``TP / (TP + FP + FN)``; NaN for a class absent from both.

    >>> per_class_iou(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    array([0.5       , 0.66666667])
    """
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def per_class_dice(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Dice coefficient of each class, ``2 TP / (2 TP + FP + FN)``; NaN for an absent class.

    >>> per_class_dice(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    array([0.66666667, 0.8       ])
    """
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm)
    total = cm.sum(axis=0) + cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * tp / total, np.nan)


def boundary_pixels(masks: np.ndarray) -> np.ndarray:
    """Mark the pixels of ``(n, h, w)`` masks that have a 4-neighbour of another class.

    >>> boundary_pixels(np.array([[[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]])).astype(int)
    array([[[0, 1, 1, 0],
            [1, 1, 1, 1],
            [0, 1, 1, 0]]])
    """
    padded = np.pad(masks, ((0, 0), (1, 1), (1, 1)), mode="edge")
    centre = padded[:, 1:-1, 1:-1]
    return (
        (padded[:, :-2, 1:-1] != centre)
        | (padded[:, 2:, 1:-1] != centre)
        | (padded[:, 1:-1, :-2] != centre)
        | (padded[:, 1:-1, 2:] != centre)
    )


# -- Upsampling ------------------------------------------------------------------------


def overlap_counts(layer: keras.layers.Layer, size: int = 4) -> np.ndarray:
    """Feed a ``(1, size, size, 1)`` image of ones through `layer` with every weight set to
    one and no bias; return the output's single channel. Each output pixel then counts how
    many (input pixel, kernel tap) pairs reach it."""
    ones = np.ones((1, size, size, 1), dtype="float32")
    layer.build(ones.shape)
    layer.set_weights([np.ones_like(w) for w in layer.get_weights()])
    return keras.ops.convert_to_numpy(layer(ones))[0, :, :, 0]


# -- Paired augmentation ---------------------------------------------------------------


def augment_pair(image: tf.Tensor, mask: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The same random left-right flip and the same random 28x28 crop, padded back to
    32x32, for an image ``(32, 32, 1)`` and its mask ``(32, 32)``.

    The flip uses one stateless seed for both tensors, so both draw the same coin. The
    crop cuts the image and the mask stacked as channels of one tensor, so one offset
    serves both.
    """
    mask = tf.cast(mask, tf.float32)[..., tf.newaxis]
    image = tf.image.stateless_random_flip_left_right(image, seed)
    mask = tf.image.stateless_random_flip_left_right(mask, seed)
    stacked = tf.concat([image, mask], axis=-1)
    crop_seed = tf.random.experimental.stateless_split(seed, num=1)[0]
    stacked = tf.image.stateless_random_crop(stacked, (28, 28, 2), seed=crop_seed)
    stacked = tf.image.resize_with_crop_or_pad(stacked, 32, 32)
    return stacked[..., :1], tf.cast(stacked[..., 1], tf.int32)


def augmented_dataset(
    images: np.ndarray, masks: np.ndarray, batch_size: int = 32, seed: int = 0
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of augmented (image, mask) batches; each element gets its own
    stateless seed from a seeded ``Dataset.random``, so the pipeline is reproducible."""
    pairs = tf.data.Dataset.from_tensor_slices((images, masks))
    seeds = tf.data.Dataset.random(seed=seed).batch(2)
    return (
        tf.data.Dataset.zip((pairs, seeds))
        .map(lambda pair, s: augment_pair(pair[0], pair[1], s))
        .batch(batch_size)
    )


def course_augment(image: tf.Tensor, mask: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The course's paired flip: one Python ``if`` on a random tensor decides for both.
    Inside ``Dataset.map``, AutoGraph turns the ``if`` into a ``tf.cond``."""
    if tf.random.uniform(()) > 0.5:
        image = tf.image.flip_left_right(image)
        mask = tf.image.flip_left_right(mask)
    return image, mask


# -- Figures ---------------------------------------------------------------------------


def _mask_colours() -> Any:
    from matplotlib.colors import ListedColormap

    return ListedColormap(["#f2f2f2", "tab:blue", "tab:orange", "tab:green"])


def plot_segmentations(n: int = 5) -> Figure:
    """Held-out images, their true masks, and the FCN's and the U-Net's predicted masks."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from snippets.data.shapes import SHAPE_CLASSES

    fcn, unet = train_segmenter("fcn"), train_segmenter("unet")
    # The chapter's measurable readings of this figure: the U-Net is right more often on
    # boundary pixels, and a larger share of its errors lies away from any boundary.
    edge = boundary_pixels(fcn.test_masks)
    wrong = {
        name: run.predicted_masks != run.test_masks for name, run in (("fcn", fcn), ("unet", unet))
    }
    assert wrong["unet"][edge].mean() < wrong["fcn"][edge].mean()
    interior_share = {name: (w & ~edge).sum() / w.sum() for name, w in wrong.items()}
    assert interior_share["unet"] > interior_share["fcn"], interior_share
    rows = [
        ("image", fcn.test_images[:n, :, :, 0], "gray"),
        ("true mask", fcn.test_masks[:n], None),
        ("FCN", fcn.predicted_masks[:n], None),
        ("U-Net", unet.predicted_masks[:n], None),
    ]
    cmap = _mask_colours()
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.15 * len(rows) + 1.0))
    for row_axes, (title, pictures, colours) in zip(axes, rows, strict=True):
        for ax, picture in zip(row_axes, pictures, strict=True):
            if colours:
                ax.imshow(picture, cmap=colours, vmin=0, vmax=1)
            else:
                ax.imshow(picture, cmap=cmap, vmin=0, vmax=N_CLASSES - 1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(title, fontsize=10)
    handles = [
        Patch(facecolor=cmap(k), edgecolor="grey", label=name)
        for k, name in enumerate(SHAPE_CLASSES)
    ]
    fig.legend(handles=handles, loc="lower center", ncol=N_CLASSES, fontsize=9)
    fig.suptitle("Held-out shapes: FCN (upsampled by 4)\nvs U-Net (skip connections)", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_training_and_iou() -> Figure:
    """Training loss of both models per epoch, and their held-out IoU for each class."""
    import matplotlib.pyplot as plt

    from snippets.data.shapes import SHAPE_CLASSES

    runs = {"FCN": train_segmenter("fcn"), "U-Net": train_segmenter("unet")}
    # The chapter's readings: the U-Net's loss is lower at every epoch; its background IoU
    # is near 1 and every one of its background errors is a boundary pixel; on the shape
    # classes the two models are within 0.15 of each other.
    fcn, unet = runs["FCN"], runs["U-Net"]
    assert all(u < f for u, f in zip(unet.history["loss"], fcn.history["loss"], strict=True))
    fcn_iou = per_class_iou(fcn.test_masks, fcn.predicted_masks, N_CLASSES)
    unet_iou = per_class_iou(unet.test_masks, unet.predicted_masks, N_CLASSES)
    assert unet_iou[0] > 0.99 and np.all(np.abs(unet_iou[1:] - fcn_iou[1:]) < 0.15)
    unet_bg_errors = (unet.predicted_masks != unet.test_masks) & (
        (unet.test_masks == 0) | (unet.predicted_masks == 0)
    )
    assert not np.any(unet_bg_errors & ~boundary_pixels(unet.test_masks))
    # Stacked, not side by side, so the text stays readable in a phone's column.
    fig, (ax_loss, ax_iou) = plt.subplots(2, 1, figsize=(5.2, 7))
    width = 0.38
    for k, (name, run) in enumerate(runs.items()):
        epochs = np.arange(1, len(run.history["loss"]) + 1)
        ax_loss.plot(epochs, run.history["loss"], marker="o", label=name)
        ious = per_class_iou(run.test_masks, run.predicted_masks, N_CLASSES)
        positions = np.arange(N_CLASSES) + (k - 0.5) * width
        bars = ax_iou.bar(positions, ious, width, label=f"{name} (mean {np.nanmean(ious):.2f})")
        ax_iou.bar_label(bars, fmt="%.2f", fontsize=9)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training cross-entropy\nper pixel")
    ax_loss.set_title("Training loss", fontsize=11)
    ax_loss.legend(fontsize=9)
    ax_loss.grid(alpha=0.3)
    ax_iou.set_xticks(np.arange(N_CLASSES), SHAPE_CLASSES)
    ax_iou.set_ylim(0, 1.3)
    ax_iou.set_ylabel("IoU on held-out images")
    ax_iou.set_title("Per-class IoU", fontsize=11)
    ax_iou.legend(fontsize=9, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig
