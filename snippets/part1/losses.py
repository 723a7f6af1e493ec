"""Custom loss functions: Huber by hand, a contrastive loss for a Siamese network on digit
pairs, and the figures of the "Custom loss functions" chapter.

Everything here uses `keras.ops`, so it runs on any Keras backend; the chapter runs it on
TensorFlow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers, ops

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def huber(y_true: Any, y_pred: Any, threshold: float = 1.0) -> Any:
    """Huber loss of each sample: quadratic for errors up to `threshold`, linear beyond.

    Returns one value per sample (the mean over the last axis), like Keras's own losses, so
    `compile` can weight and reduce it.

    >>> y_true = np.array([[0.0], [0.0]])
    >>> y_pred = np.array([[0.5], [3.0]])
    >>> huber(y_true, y_pred).numpy().tolist()  # 0.5 * 0.5**2, then 1 * 3 - 0.5 * 1**2
    [0.125, 2.5]
    """
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    # The linear branch is shifted down by threshold**2 / 2 so that both branches meet at
    # |error| == threshold with the same value and the same slope.
    linear = threshold * abs_error - 0.5 * threshold**2
    # `ops.where` evaluates both branches and picks one per element; both are finite
    # everywhere, so neither branch can leak a NaN into the gradient.
    return ops.mean(ops.where(abs_error <= threshold, quadratic, linear), axis=-1)


def make_huber(threshold: float) -> Any:
    """Return a two-argument Huber loss with `threshold` baked in: the closure pattern.

    `compile` accepts the result because it only needs ``fn(y_true, y_pred)``; saving a
    model stores nothing but the inner function's name, so `threshold` is lost.

    >>> make_huber(2.0).__name__
    'huber_fn'
    """

    def huber_fn(y_true: Any, y_pred: Any) -> Any:
        return huber(y_true, y_pred, threshold)

    return huber_fn


class HuberLoss(keras.losses.Loss):
    """Huber loss as a `keras.losses.Loss` subclass whose config records `threshold`.

    Deliberately not registered: the chapter uses it to show the error `load_model` raises
    for an unknown class, and how ``custom_objects=`` fixes it.

    >>> loss = HuberLoss(threshold=2.0)
    >>> loss.get_config()
    {'name': 'huber_loss', 'reduction': 'sum_over_batch_size', 'threshold': 2.0}
    >>> HuberLoss.from_config(loss.get_config()).threshold
    2.0
    """

    def __init__(self, threshold: float = 1.0, name: str = "huber_loss", **kwargs: Any):
        # `Loss.__init__` takes `name`, `reduction` and `dtype`; pass them through so that
        # `from_config(get_config())` rebuilds an identical loss.
        super().__init__(name=name, **kwargs)
        self.threshold = threshold

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return huber(y_true, y_pred, self.threshold)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


def contrastive(same: Any, distance: Any, margin: float = 1.0) -> Any:
    """Contrastive loss of each pair (Hadsell, Chopra and LeCun, 2006).

    Matching pairs (``same == 1``) pay ``distance**2 / 2``: they are pulled together.
    Different pairs pay ``max(margin - distance, 0)**2 / 2``: they are pushed apart until
    they are `margin` away, and cost nothing beyond it. (The paper writes the label the
    other way round, with 0 for a similar pair.)

    >>> contrastive(np.array([1.0, 0.0, 0.0]), np.array([0.5, 0.5, 1.5])).numpy().tolist()
    [0.125, 0.125, 0.0]
    """
    distance = ops.convert_to_tensor(distance)
    same = ops.cast(same, distance.dtype)
    pull = ops.square(distance)
    push = ops.square(ops.maximum(margin - distance, 0.0))
    return 0.5 * (same * pull + (1.0 - same) * push)


@keras.saving.register_keras_serializable(package="handbook")
class ContrastiveLoss(keras.losses.Loss):
    """The contrastive loss as a registered, serialisable `Loss`.

    The Siamese model outputs one distance per pair with shape ``(batch, 1)`` while the labels
    come as ``(batch,)``. A `Loss` subclass receives both as they are (only
    `LossFunctionWrapper` aligns their ranks), so `call` flattens them: otherwise
    ``(batch,) * (batch, 1)`` broadcasts to a ``(batch, batch)`` matrix without an error.

    >>> loss = ContrastiveLoss(margin=2.0)
    >>> keras.saving.serialize_keras_object(loss)["registered_name"]
    'handbook>ContrastiveLoss'
    >>> float(loss(np.array([0.0]), np.array([[1.5]])))  # 0.5 * (2 - 1.5)**2
    0.125
    """

    def __init__(self, margin: float = 1.0, name: str = "contrastive_loss", **kwargs: Any):
        super().__init__(name=name, **kwargs)
        self.margin = margin

    def call(self, y_true: Any, y_pred: Any) -> Any:
        # One label and one distance per pair, whatever shapes the caller used.
        return contrastive(ops.reshape(y_true, (-1,)), ops.reshape(y_pred, (-1,)), self.margin)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "margin": self.margin}


def euclidean_distance(a: Any, b: Any, epsilon: float = 1e-7) -> Any:
    """Row-wise Euclidean distance between two batches of vectors, shape ``(batch, 1)``.

    Built from `keras.ops`, so it works on concrete tensors and on the symbolic
    `KerasTensor`s of a Functional model alike. `epsilon` keeps the argument of the square
    root positive: the gradient of ``sqrt`` at 0 is infinite and would turn into NaN for a
    pair of identical embeddings.

    >>> euclidean_distance(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).numpy().tolist()
    [[5.0]]
    """
    squared = ops.sum(ops.square(ops.subtract(a, b)), axis=-1, keepdims=True)
    return ops.sqrt(ops.maximum(squared, epsilon))


def build_siamese_network(embedding_dim: int = 16, hidden_units: int = 128) -> keras.Model:
    """A Siamese network: one shared encoder applied to two digit images, then their distance.

    The encoder is a single layer object called twice, so both branches use the same weights.

    >>> model = build_siamese_network()
    >>> [layer.name for layer in model.layers]
    ['left', 'right', 'encoder']
    >>> model.output.shape
    (None, 1)
    """
    encoder = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Flatten(),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(embedding_dim),
        ],
        name="encoder",
    )
    left = keras.Input((8, 8, 1), name="left")
    right = keras.Input((8, 8, 1), name="right")
    distance = euclidean_distance(encoder(left), encoder(right))
    return keras.Model([left, right], distance, name="siamese")


def pair_accuracy(distance: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """The fraction of pairs classified right when "closer than `threshold`" means "same".

    >>> pair_accuracy(np.array([[0.1], [0.9], [0.2]]), np.array([1.0, 0.0, 0.0]), 0.5)
    0.6666666666666666
    """
    predicted_same = np.ravel(distance) < threshold
    return float(np.mean(predicted_same == (np.ravel(same) == 1.0)))


def plot_loss_shapes(threshold: float = 1.0) -> Figure:
    """Squared error, absolute error and Huber loss against the error, and their gradients.

    The gradients come from automatic differentiation of `huber`, not from a formula, so the
    right panel also checks that `ops.where` differentiates branch by branch.
    """
    import matplotlib.pyplot as plt
    import tensorflow as tf

    error = tf.constant(np.linspace(-3.0, 3.0, 241), dtype="float32")
    curves = {
        "squared error $e^2$": lambda e: ops.square(e),
        "absolute error $|e|$": lambda e: ops.abs(e),
        f"Huber, $\\delta = {threshold:g}$": lambda e: huber(
            ops.zeros_like(e)[:, None], e[:, None], threshold
        ),
    }
    # Stacked, sharing the error axis, so the text stays readable in a phone's column.
    fig, (ax_loss, ax_grad) = plt.subplots(2, 1, figsize=(5.2, 6.6), sharex=True)
    gradients = {}
    for label, loss_fn in curves.items():
        with tf.GradientTape() as tape:
            tape.watch(error)
            values = loss_fn(error)
        gradient = tape.gradient(values, error)
        gradients[label] = gradient.numpy()
        ax_loss.plot(error.numpy(), values.numpy(), label=label)
        ax_grad.plot(error.numpy(), gradient.numpy(), label=label)
    for ax in (ax_loss, ax_grad):
        ax.axvline(-threshold, color="grey", lw=0.8, ls=":")
        ax.axvline(threshold, color="grey", lw=0.8, ls=":")
        ax.grid(alpha=0.3)
    ax_grad.set_xlabel("error $e = \\hat y - y$")
    # What the chapter reads off the bottom panel: the squared error's gradient grows with
    # the error (2e), the absolute error's jumps between -1 and 1, and Huber's, from
    # automatic differentiation through ops.where, is the error clipped at +-threshold.
    e = error.numpy()
    squared, absolute, huber_gradient = gradients.values()
    assert np.allclose(squared, 2 * e)
    assert np.allclose(absolute[e != 0], np.sign(e[e != 0]))
    assert np.allclose(huber_gradient, np.clip(e, -threshold, threshold), atol=1e-6)
    ax_loss.set_ylim(0, 4)
    ax_loss.set_ylabel("loss")
    ax_loss.set_title("Loss of one sample", fontsize=11)
    ax_grad.set_ylabel("$d\\,$loss$\\,/\\,de$")
    ax_grad.set_title("Gradient: what an outlier pushes with", fontsize=11)
    ax_grad.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


def plot_pair_distances(n_pairs: int = 1200, epochs: int = 6, margin: float = 1.0) -> Figure:
    """Histograms of held-out pair distances before and after training with `ContrastiveLoss`."""
    import matplotlib.pyplot as plt

    from snippets.data import load_digits, make_digit_pairs, train_test_split

    images, labels = load_digits()
    left, right, same = make_digit_pairs(images, labels, n_pairs=n_pairs, seed=1)
    left_tr, left_te, right_tr, right_te, same_tr, same_te = train_test_split(
        left, right, same, test_fraction=0.25, seed=1
    )
    model = build_siamese_network()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=ContrastiveLoss(margin))
    before = model.predict([left_te, right_te], verbose=0).ravel()
    model.fit([left_tr, right_tr], same_tr, epochs=epochs, batch_size=32, verbose=0)
    after = model.predict([left_te, right_te], verbose=0).ravel()
    # What the chapter says the figure shows: before training the two histograms overlap;
    # after it, matching pairs have moved towards zero, well inside half the margin, and
    # different pairs sit around the margin.
    same_before, different_before = before[same_te == 1], before[same_te == 0]
    same_after, different_after = after[same_te == 1], after[same_te == 0]
    assert np.percentile(different_before, 10) < np.percentile(same_before, 90)
    assert same_after.mean() < 0.5 * margin < np.median(different_after)
    assert same_after.mean() < 0.75 * same_before.mean()
    assert abs(np.median(different_after) - margin) < 0.25 * margin

    # Stacked, not side by side, so the text stays readable in a phone's column.
    fig, axes = plt.subplots(2, 1, figsize=(5.2, 6.4), sharey=True)
    for ax, distances, title in zip(
        axes, (before, after), ("Untrained encoder", f"After {epochs} epochs"), strict=True
    ):
        bins = np.linspace(0.0, max(distances.max(), margin) * 1.05, 30)
        ax.hist(distances[same_te == 1], bins=bins, alpha=0.6, label="same digit")
        ax.hist(distances[same_te == 0], bins=bins, alpha=0.6, label="different digits")
        ax.axvline(margin, color="black", lw=1, ls="--", label=f"margin = {margin:g}")
        ax.set_xlabel("Euclidean distance between embeddings")
        ax.set_title(title, fontsize=11)
        ax.set_ylabel("held-out pairs")
    axes[1].legend(fontsize=9)
    fig.tight_layout()
    return fig
