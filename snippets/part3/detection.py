"""Object detection from scratch on digits placed on a canvas: intersection over union, a
two-headed model that classifies one digit and regresses its box, and a tiny grid detector
with one anchor per cell, target encoding, decoding and non-max suppression. Also the
figures of the "Object detection" chapter.

Boxes are ``[y_min, x_min, y_max, x_max]`` normalised to [0, 1], the convention of
``tf.image``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def box_iou(boxes_a: Any, boxes_b: Any) -> Any:
    """Intersection over union of boxes ``[..., 4]``, pair by pair (the shapes broadcast).

    >>> box_iou([0.0, 0.0, 0.5, 0.5], [0.0, 0.0, 0.5, 0.5]).numpy()
    np.float32(1.0)
    >>> box_iou([[0.0, 0.0, 0.5, 0.5]], [[0.5, 0.5, 1.0, 1.0]]).numpy()
    array([0.], dtype=float32)
    """
    a = ops.convert_to_tensor(boxes_a, dtype="float32")
    b = ops.convert_to_tensor(boxes_b, dtype="float32")
    top = ops.maximum(a[..., 0], b[..., 0])
    left = ops.maximum(a[..., 1], b[..., 1])
    bottom = ops.minimum(a[..., 2], b[..., 2])
    right = ops.minimum(a[..., 3], b[..., 3])
    intersection = ops.maximum(bottom - top, 0.0) * ops.maximum(right - left, 0.0)
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return ops.divide_no_nan(intersection, area_a + area_b - intersection)


def pairwise_iou(boxes_a: Any, boxes_b: Any) -> Any:
    """The ``(N, M)`` matrix of IoUs between every box of ``(N, 4)`` and every box of
    ``(M, 4)``.

    >>> pairwise_iou([[0, 0, 1, 1], [0, 0, 0.5, 1]], [[0, 0, 1, 1], [0.5, 0, 1, 1]]).numpy()
    array([[1. , 0.5],
           [0.5, 0. ]], dtype=float32)
    """
    a = ops.convert_to_tensor(boxes_a, dtype="float32")
    b = ops.convert_to_tensor(boxes_b, dtype="float32")
    return box_iou(a[:, None, :], b[None, :, :])


class BoxIoU(keras.metrics.Mean):
    """The mean IoU between true and predicted boxes, as a Keras metric.

    >>> metric = BoxIoU()
    >>> metric.update_state([[0, 0, 1, 1], [0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 0.5, 1]])
    >>> float(metric.result())
    0.75
    """

    def __init__(self, name: str = "iou", **kwargs: Any):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        super().update_state(box_iou(y_true, y_pred), sample_weight=sample_weight)


# -- One digit: classification and box regression -------------------------------------


def build_box_classifier(canvas_size: int = 32) -> keras.Model:
    """A Functional model with one backbone and two heads: ``label`` (10 softmax
    probabilities) and ``box`` (4 sigmoid outputs, a normalised box)."""
    canvas = keras.Input((canvas_size, canvas_size, 1), name="canvas")
    x = canvas
    for filters in (8, 16, 32):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    # Flatten, not global pooling: the dense layers need to know *where* the features are.
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    label = layers.Dense(10, activation="softmax", name="label")(x)
    box = layers.Dense(4, activation="sigmoid", name="box")(x)
    return keras.Model(canvas, [label, box], name="box_classifier")


def compile_box_classifier(model: keras.Model, box_weight: float = 20.0) -> None:
    """Compile with one loss and one metric per head, keyed by the heads' layer names."""
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss={"label": "sparse_categorical_crossentropy", "box": "mse"},
        loss_weights={"label": 1.0, "box": box_weight},
        metrics={"label": ["accuracy"], "box": [BoxIoU()]},
    )


class BoxClassifierRun(NamedTuple):
    """A trained box classifier, its history and the held-out canvases it never saw."""

    model: keras.Model
    history: dict[str, list[float]]
    test_images: np.ndarray
    test_labels: np.ndarray
    test_boxes: np.ndarray


@functools.cache
def train_box_classifier(
    n_train: int = 2000, n_test: int = 300, epochs: int = 10, seed: int = 0
) -> BoxClassifierRun:
    """Train `build_box_classifier` on single-digit canvases (cached: trained once per
    process, so the chapter and its figures share one model)."""
    keras.utils.set_random_seed(seed)
    from snippets.data.canvas import make_digit_canvases

    images, labels, boxes = make_digit_canvases(n=n_train + n_test, canvas_size=32, seed=0)
    model = build_box_classifier(canvas_size=32)
    compile_box_classifier(model)
    history = model.fit(
        images[:n_train],
        {"label": labels[:n_train], "box": boxes[:n_train]},
        epochs=epochs,
        batch_size=64,
        verbose=0,
    )
    return BoxClassifierRun(
        model, history.history, images[n_train:], labels[n_train:], boxes[n_train:]
    )


# -- Many digits: a grid of anchors ----------------------------------------------------


def grid_anchors(grid_size: int = 6, anchor_size: float = 1 / 3) -> np.ndarray:
    """One square anchor box per grid cell, centred in the cell: ``(grid, grid, 4)``.

    >>> grid_anchors(grid_size=2, anchor_size=0.5)
    array([[[0. , 0. , 0.5, 0.5],
            [0. , 0.5, 0.5, 1. ]],
    <BLANKLINE>
           [[0.5, 0. , 1. , 0.5],
            [0.5, 0.5, 1. , 1. ]]], dtype=float32)
    """
    centres = (np.arange(grid_size) + 0.5) / grid_size
    cy, cx = np.meshgrid(centres, centres, indexing="ij")
    half = anchor_size / 2
    return np.stack([cy - half, cx - half, cy + half, cx + half], axis=-1).astype("float32")


def encode_boxes(boxes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Boxes as offsets from anchors: ``(dy, dx)`` of the centre in anchor heights and
    widths, ``(log h/h_a, log w/w_a)`` of the size (the Faster R-CNN parametrisation).

    >>> encode_boxes(np.array([0.1, 0.1, 0.3, 0.5]), np.array([0.0, 0.0, 0.4, 0.4])).round(3)
    array([ 0.   ,  0.25 , -0.693,  0.   ], dtype=float32)
    """
    h, w = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    ah, aw = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    cy, cx = boxes[..., 0] + h / 2, boxes[..., 1] + w / 2
    acy, acx = anchors[..., 0] + ah / 2, anchors[..., 1] + aw / 2
    deltas = np.stack([(cy - acy) / ah, (cx - acx) / aw, np.log(h / ah), np.log(w / aw)], -1)
    return deltas.astype("float32")


def decode_boxes(deltas: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The inverse of `encode_boxes`: anchor offsets back to ``[y_min, x_min, y_max, x_max]``.

    >>> anchors = grid_anchors(grid_size=3)
    >>> boxes = np.random.default_rng(0).uniform(0.2, 0.3, size=(3, 3, 4)) + [0, 0, 0.2, 0.3]
    >>> bool(np.allclose(decode_boxes(encode_boxes(boxes, anchors), anchors), boxes, atol=1e-6))
    True
    """
    ah, aw = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    acy, acx = anchors[..., 0] + ah / 2, anchors[..., 1] + aw / 2
    cy, cx = acy + deltas[..., 0] * ah, acx + deltas[..., 1] * aw
    h, w = ah * np.exp(deltas[..., 2]), aw * np.exp(deltas[..., 3])
    return np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=-1).astype("float32")


def encode_grid_targets(
    labels: np.ndarray, boxes: np.ndarray, grid_size: int = 6, anchor_size: float = 1 / 3
) -> np.ndarray:
    """Per-cell training targets ``(n, grid, grid, 6)``: objectness, class, 4 box offsets.

    A cell is responsible for a digit when the cell's centre lies inside the digit's box.
    The test is per axis: a box too narrow (or too flat) to span any column's (row's) centre
    takes the column (row) that holds its own centre. Cells responsible for nothing have
    objectness 0; their class and offsets are ignored.

    >>> labels = np.array([[7, -1]])
    >>> boxes = np.array([[[0.1, 0.1, 0.45, 0.3], [0, 0, 0, 0]]])
    >>> targets = encode_grid_targets(labels, boxes, grid_size=4)
    >>> targets[0, :, :, 0]
    array([[1., 0., 0., 0.],
           [1., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.]], dtype=float32)
    >>> targets[0, 0, 0, 1], targets[0, 1, 0, 1]
    (np.float32(7.0), np.float32(7.0))

    A tall stroke narrower than a cell keeps every row it spans, in one column:

    >>> thin = np.array([[[0.1, 0.3, 0.9, 0.32], [0, 0, 0, 0]]])
    >>> encode_grid_targets(labels, thin, grid_size=4)[0, :, :, 0]
    array([[0., 1., 0., 0.],
           [0., 1., 0., 0.],
           [0., 1., 0., 0.],
           [0., 1., 0., 0.]], dtype=float32)
    """
    anchors = grid_anchors(grid_size, anchor_size)
    centres = (np.arange(grid_size) + 0.5) / grid_size
    targets = np.zeros((*labels.shape[:1], grid_size, grid_size, 6), dtype="float32")
    for i, j in zip(*np.nonzero(labels >= 0), strict=True):
        top, left, bottom, right = boxes[i, j]
        rows = np.flatnonzero((centres >= top) & (centres < bottom))
        cols = np.flatnonzero((centres >= left) & (centres < right))
        if rows.size == 0:
            rows = np.array([min(int((top + bottom) / 2 * grid_size), grid_size - 1)])
        if cols.size == 0:
            cols = np.array([min(int((left + right) / 2 * grid_size), grid_size - 1)])
        for r in rows:
            for c in cols:
                offsets = encode_boxes(boxes[i, j].astype("float64"), anchors[r, c])
                targets[i, r, c] = [1.0, labels[i, j], *offsets]
    return targets


def grid_detection_loss(y_true: Any, y_pred: Any) -> Any:
    """The grid detector's loss, one value per canvas.

    `y_pred` holds 15 numbers per cell: an objectness logit, 10 class logits and 4 box
    offsets. Objectness is a binary cross-entropy over every cell; the class cross-entropy
    and the smooth-L1 box loss count only the cells responsible for a digit, averaged over
    those cells.
    """
    objectness = y_true[..., 0]
    classes = ops.cast(y_true[..., 1], "int32")
    object_loss = ops.mean(
        ops.binary_crossentropy(objectness, y_pred[..., 0], from_logits=True), axis=(1, 2)
    )
    class_loss = ops.sparse_categorical_crossentropy(classes, y_pred[..., 1:11], from_logits=True)
    error = ops.abs(y_true[..., 2:6] - y_pred[..., 11:15])
    box_loss = ops.sum(ops.where(error < 1.0, 0.5 * ops.square(error), error - 0.5), axis=-1)
    positives = ops.maximum(ops.sum(objectness, axis=(1, 2)), 1.0)
    class_loss = ops.sum(class_loss * objectness, axis=(1, 2)) / positives
    box_loss = ops.sum(box_loss * objectness, axis=(1, 2)) / positives
    return object_loss + class_loss + box_loss


def build_grid_detector(canvas_size: int = 48) -> keras.Model:
    """A fully convolutional detector: three halvings take a 48x48 canvas to a 6x6 grid,
    and a 1x1 convolution predicts 15 numbers per cell."""
    canvas = keras.Input((canvas_size, canvas_size, 1), name="canvas")
    x = canvas
    for filters in (8, 16, 32):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    grid = layers.Conv2D(1 + 10 + 4, 1, name="grid")(x)
    return keras.Model(canvas, grid, name="grid_detector")


def decode_grid_predictions(
    raw: np.ndarray, anchor_size: float = 1 / 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn raw ``(n, grid, grid, 15)`` outputs into one candidate box per cell.

    Returns ``(boxes, scores, classes)`` of shapes ``(n, cells, 4)``, ``(n, cells)`` and
    ``(n, cells)``; a score is the objectness probability times the class probability.
    """
    raw = np.asarray(raw)
    n, grid_size = raw.shape[0], raw.shape[1]
    anchors = grid_anchors(grid_size, anchor_size)
    boxes = decode_boxes(raw[..., 11:15], anchors).reshape(n, -1, 4)
    objectness = 1.0 / (1.0 + np.exp(-raw[..., 0]))
    class_probs = ops.convert_to_numpy(ops.softmax(raw[..., 1:11], axis=-1))
    scores = (objectness * class_probs.max(axis=-1)).reshape(n, -1)
    classes = class_probs.argmax(axis=-1).reshape(n, -1)
    return np.clip(boxes, 0.0, 1.0), scores.astype("float32"), classes.astype("int32")


class Detections(NamedTuple):
    """The boxes, scores and classes kept for one image."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def detect(
    model: keras.Model,
    images: np.ndarray,
    score_threshold: float = 0.3,
    iou_threshold: float = 0.3,
    max_detections: int = 10,
    suppress: bool = True,
) -> list[Detections]:
    """Run the grid detector, decode every cell, and keep the boxes that survive
    `tf.image.non_max_suppression` (or every box above `score_threshold` with
    ``suppress=False``)."""
    boxes, scores, classes = decode_grid_predictions(model.predict(images, verbose=0))
    results = []
    for b, s, c in zip(boxes, scores, classes, strict=True):
        if suppress:
            keep = tf.image.non_max_suppression(
                b, s, max_detections, iou_threshold=iou_threshold, score_threshold=score_threshold
            ).numpy()
        else:
            keep = np.flatnonzero(s > score_threshold)
        results.append(Detections(b[keep], s[keep], c[keep]))
    return results


def match_detections(
    detections: list[Detections],
    labels: np.ndarray,
    boxes: np.ndarray,
    iou_threshold: float = 0.5,
) -> tuple[float, float]:
    """Precision and recall: a detection is right when it has the class of a true digit
    not matched yet and overlaps its box with IoU >= `iou_threshold` (best score first).

    >>> found = [Detections(np.array([[0, 0, 0.5, 0.5], [0, 0, 0.5, 0.5]]),
    ...                     np.array([0.9, 0.8]), np.array([3, 3]))]
    >>> match_detections(found, np.array([[3, -1]]), np.array([[[0, 0, 0.5, 0.5], [0] * 4]]))
    (0.5, 1.0)
    """
    true_positives = n_detections = n_objects = 0
    for found, image_labels, image_boxes in zip(detections, labels, boxes, strict=True):
        real = image_labels >= 0
        n_objects += int(real.sum())
        n_detections += len(found.scores)
        unmatched = set(np.flatnonzero(real).tolist())
        for k in np.argsort(-found.scores):
            if not unmatched:
                break
            candidates = sorted(unmatched)
            ious = pairwise_iou(found.boxes[k : k + 1], image_boxes[candidates]).numpy()[0]
            best = int(np.argmax(ious))
            if ious[best] >= iou_threshold and image_labels[candidates[best]] == found.classes[k]:
                true_positives += 1
                unmatched.remove(candidates[best])
    return true_positives / max(n_detections, 1), true_positives / max(n_objects, 1)


class GridDetectorRun(NamedTuple):
    """A trained grid detector, its history and held-out multi-digit canvases."""

    model: keras.Model
    history: dict[str, list[float]]
    test_images: np.ndarray
    test_labels: np.ndarray
    test_boxes: np.ndarray


@functools.cache
def train_grid_detector(
    n_train: int = 1500, n_test: int = 200, epochs: int = 8, seed: int = 0
) -> GridDetectorRun:
    """Train `build_grid_detector` on multi-digit canvases (cached, like
    `train_box_classifier`)."""
    keras.utils.set_random_seed(seed)
    from snippets.data.canvas import make_multi_digit_canvases

    images, labels, boxes = make_multi_digit_canvases(n=n_train + n_test, seed=1)
    targets = encode_grid_targets(labels, boxes)
    model = build_grid_detector()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss=grid_detection_loss)
    history = model.fit(
        images[:n_train], targets[:n_train], epochs=epochs, batch_size=32, verbose=0
    )
    return GridDetectorRun(
        model, history.history, images[n_train:], labels[n_train:], boxes[n_train:]
    )


# -- Figures ---------------------------------------------------------------------------


def _draw_box(ax: Any, box: np.ndarray, size: int, color: str, text: str | None, **kw: Any) -> None:
    """Draw a normalised box on an image axis of `size` pixels, with an optional label
    inside its top-left corner."""
    from matplotlib.patches import Rectangle

    top, left, bottom, right = np.asarray(box) * size - 0.5
    ax.add_patch(Rectangle((left, top), right - left, bottom - top, fill=False, ec=color, **kw))
    if text is not None:
        ax.text(
            left + 0.5,
            top + 0.5,
            text,
            color="white",
            fontsize=9,
            va="top",
            ha="left",
            weight="bold",
            bbox={"facecolor": color, "edgecolor": "none", "pad": 1},
        )


def plot_box_predictions(n: int = 8) -> Figure:
    """Held-out canvases with the true box and class (green) and the predicted ones
    (orange), titled with the IoU of the two boxes."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    run = train_box_classifier()
    probabilities, predicted_boxes = run.model.predict(run.test_images[:n], verbose=0)
    ious = box_iou(run.test_boxes[:n], predicted_boxes).numpy()
    fig, axes = plt.subplots(2, n // 2, figsize=(1.4 * n // 2, 4.2))
    for k, ax in enumerate(axes.flat):
        ax.imshow(run.test_images[k, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
        _draw_box(ax, run.test_boxes[k], 32, "tab:green", None, lw=2)
        _draw_box(ax, predicted_boxes[k], 32, "tab:orange", None, lw=1.5, ls="--")
        guess = int(probabilities[k].argmax())
        ax.set_title(f"true {run.test_labels[k]}, guess {guess}\nIoU {ious[k]:.2f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.legend(
        [Line2D([], [], color="tab:green", lw=2), Line2D([], [], color="tab:orange", ls="--")],
        ["true box", "predicted box"],
        loc="lower center",
        ncol=2,
        fontsize=9,
    )
    fig.suptitle("Two-headed model on held-out canvases", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def plot_nms(n: int = 4) -> Figure:
    """Held-out multi-digit canvases: every cell's box above the score threshold (left
    column) and the boxes `tf.image.non_max_suppression` keeps (right column)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    run = train_grid_detector()
    images = run.test_images[:n]
    rows = {
        "before NMS": detect(run.model, images, suppress=False),
        "after NMS": detect(run.model, images),
    }
    # One canvas a row, before and after side by side: readable in a phone's column.
    fig, axes = plt.subplots(n, 2, figsize=(4.4, 2.0 * n + 0.9))
    for row, (title, detections) in zip(axes.T, rows.items(), strict=True):
        for k, (ax, found) in enumerate(zip(row, detections, strict=True)):
            ax.imshow(images[k, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
            if title == "after NMS":
                for box in run.test_boxes[k][run.test_labels[k] >= 0]:
                    _draw_box(ax, box, 48, "tab:green", None, lw=1, ls="--")
            for box, score, cls in zip(found.boxes, found.scores, found.classes, strict=True):
                text = f"{cls} {score:.2f}" if title == "after NMS" else None
                _draw_box(ax, box, 48, "tab:orange", text, lw=1.2)
            count = len(found.scores)
            ax.set_title(f"{title}: {count} box{'es' if count != 1 else ''}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.legend(
        [Line2D([], [], color="tab:orange"), Line2D([], [], color="tab:green", ls="--")],
        ["predicted box (right: class and score)", "true box"],
        loc="lower center",
        ncol=1,
        fontsize=9,
    )
    fig.suptitle("Grid detector: one box per cell,\nthen non-max suppression", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
