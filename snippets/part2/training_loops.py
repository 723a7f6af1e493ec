"""Helpers for the "Custom training loops" chapter.

The chapter trains a small classifier on the scikit-learn digits in three ways: a loop written
by hand, ``fit``, and ``fit`` with an overridden ``train_step``. The functions here build the
data, the model and the loop, so that the chapter's examples stay short and the three ways can
be compared weight for weight.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from snippets.data import load_digits, train_test_split


def digits_splits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The flat digits, split 80/20: ``(x_train, x_val, y_train, y_val)``.

    >>> x_train, x_val, y_train, y_val = digits_splits()
    >>> x_train.shape, x_val.shape, y_train.dtype
    ((1438, 64), (359, 64), dtype('int32'))
    """
    images, labels = load_digits(flat=True)
    x_train, x_val, y_train, y_val = train_test_split(images, labels, test_fraction=0.2)
    return x_train, x_val, y_train, y_val


def make_dataset(
    x: np.ndarray, y: np.ndarray, *, batch_size: int = 64, shuffle_seed: int | None = None
) -> tf.data.Dataset:
    """Batches of ``(x, y)``, reshuffled on every pass when `shuffle_seed` is given.

    >>> dataset = make_dataset(np.zeros((10, 3)), np.arange(10), batch_size=4)
    >>> [int(y.shape[0]) for _, y in dataset]
    [4, 4, 2]
    """
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        # A full-size buffer is a uniform shuffle; the seed makes each pass's order
        # reproducible while `reshuffle_each_iteration` (the default) varies it per pass.
        dataset = dataset.shuffle(len(x), seed=shuffle_seed)
    return dataset.batch(batch_size)


def build_classifier(hidden: int = 32, l2: float = 0.0) -> keras.Sequential:
    """A two-layer perceptron from 64 pixels to 10 logits.

    With `l2` above 0, both kernels carry an L2 regulariser, whose penalties appear in
    ``model.losses`` after each call.

    >>> build_classifier().count_params()
    2410
    >>> len(build_classifier().losses), len(build_classifier(l2=1e-3).losses)
    (0, 2)
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    return keras.Sequential(
        [
            keras.Input((64,)),
            layers.Dense(hidden, activation="relu", name="hidden", kernel_regularizer=regularizer),
            layers.Dense(10, name="logits", kernel_regularizer=regularizer),
        ]
    )


def make_train_step(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss_fn: keras.losses.Loss,
    metrics: dict[str, keras.metrics.Metric],
) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """One training step: forward pass, gradients, update, metrics; returns the batch loss.

    `metrics` holds a ``"loss"`` mean and an ``"accuracy"`` metric; the loss is weighted by
    the batch size, as ``fit`` weights it, so a short last batch counts for what it holds.
    """

    def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
            if model.losses:  # regularisers and add_loss, as fit's compute_loss adds them
                loss = loss + tf.add_n(model.losses)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        metrics["loss"].update_state(loss, sample_weight=tf.shape(x)[0])
        metrics["accuracy"].update_state(y, logits)
        return loss

    return train_step


def make_test_step(
    model: keras.Model, loss_fn: keras.losses.Loss, metrics: dict[str, keras.metrics.Metric]
) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """One evaluation step: forward pass in inference mode and metrics, no update."""

    def test_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        logits = model(x, training=False)
        loss = loss_fn(y, logits)
        if model.losses:
            loss = loss + tf.add_n(model.losses)
        metrics["loss"].update_state(loss, sample_weight=tf.shape(x)[0])
        metrics["accuracy"].update_state(y, logits)
        return loss

    return test_step


def new_metrics() -> dict[str, keras.metrics.Metric]:
    """A fresh ``"loss"`` mean and ``"accuracy"`` metric for one loop's train or test side."""
    return {
        "loss": keras.metrics.Mean(name="loss"),
        "accuracy": keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
    }


def train_by_hand(
    model: keras.Model,
    train_data: Iterable[tuple[tf.Tensor, tf.Tensor]],
    val_data: Iterable[tuple[tf.Tensor, tf.Tensor]] | None = None,
    *,
    optimizer: keras.optimizers.Optimizer,
    epochs: int,
    patience: int | None = None,
    compile_steps: bool = True,
) -> dict[str, Any]:
    """Train `model` with a hand-written loop; return its history.

    Each epoch runs the train step over `train_data`, then the test step over `val_data`.
    With a `patience`, training stops once ``val_loss`` has not improved for `patience`
    epochs, and the weights of the best epoch are restored. The steps run as
    ``tf.function``s unless `compile_steps` is false.

    Returns a dict of per-epoch lists (``"loss"``, ``"accuracy"``, and ``"val_loss"``,
    ``"val_accuracy"`` with validation data), plus ``"best_epoch"`` (0-based) and
    ``"stopped_epoch"`` (the last epoch run) when stopping early.
    """
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_metrics, val_metrics = new_metrics(), new_metrics()
    # Create the optimizer's slots now: a tf.function may create variables only on its
    # first trace, and a step that creates them would trace twice.
    optimizer.build(model.trainable_variables)
    train_step = make_train_step(model, optimizer, loss_fn, train_metrics)
    test_step = make_test_step(model, loss_fn, val_metrics)
    if compile_steps:
        train_step, test_step = tf.function(train_step), tf.function(test_step)

    history: dict[str, Any] = {"loss": [], "accuracy": []}
    if val_data is not None:
        history.update(val_loss=[], val_accuracy=[])
    best_loss, best_weights, wait = np.inf, None, 0
    for epoch in range(epochs):
        for metric in [*train_metrics.values(), *val_metrics.values()]:
            metric.reset_state()
        for x, y in train_data:
            train_step(x, y)
        for name, metric in train_metrics.items():
            history[name].append(float(metric.result()))
        if val_data is None:
            continue
        for x, y in val_data:
            test_step(x, y)
        for name, metric in val_metrics.items():
            history[f"val_{name}"].append(float(metric.result()))

        if patience is None:
            continue
        val_loss = history["val_loss"][-1]
        if val_loss < best_loss:
            best_loss, best_weights, wait = val_loss, model.get_weights(), 0
            history["best_epoch"] = epoch
        else:
            wait += 1
            if wait >= patience:
                break
    if patience is not None:
        history["stopped_epoch"] = epoch
        model.set_weights(best_weights)
    return history


class LikeFitEpochs:
    """Iterate a dataset once per epoch in the order ``fit`` does.

    ``fit`` creates a second iterator at the end of every epoch and throws it away; a
    shuffled dataset draws new shuffle seeds for every iterator, so ``fit``'s epoch `k`
    sees the dataset's pass ``2 * k``. This wrapper creates and discards the same iterator.
    """

    def __init__(self, dataset: tf.data.Dataset) -> None:
        self.dataset = dataset
        self.epochs_started = 0

    def __iter__(self) -> Iterator[Any]:
        if self.epochs_started:
            iter(self.dataset)  # the iterator fit creates after each epoch and never reads
        self.epochs_started += 1
        return iter(self.dataset)


class GradientNormModel(keras.Sequential):
    """A ``Sequential`` model whose ``fit`` also logs the global norm of the gradients.

    The overridden steps do what the default ones do (``compute_loss``, the optimizer
    update, the metrics from ``compile``) and add one metric of their own, which Keras
    tracks because it is an attribute, resets every epoch and returns in the logs.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grad_norm = keras.metrics.Mean(name="grad_norm")

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.grad_norm.update_state(tf.linalg.global_norm(gradients))
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )
        logs = self._update_metrics(loss, x, y, y_pred, sample_weight)
        logs.pop("grad_norm")  # no gradients here: keep a meaningless val_grad_norm out
        return logs

    def _update_metrics(
        self, loss: tf.Tensor, x: Any, y: Any, y_pred: tf.Tensor, sample_weight: Any
    ) -> dict[str, tf.Tensor]:
        # compute_loss does not touch the "loss" metric: the default steps update it
        # themselves, weighted by the batch size, and so must an override.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=tf.shape(x)[0])
        # Updates the compiled metrics and returns every metric in self.metrics.
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def max_weight_difference(a: keras.Model, b: keras.Model) -> float:
    """The largest absolute difference between two models' corresponding weights.

    >>> model = build_classifier()
    >>> max_weight_difference(model, model)
    0.0
    """
    return max(
        float(np.max(np.abs(u - v))) for u, v in zip(a.get_weights(), b.get_weights(), strict=True)
    )


@functools.cache
def early_stopping_run(epochs: int = 60, patience: int = 5) -> tuple[keras.Model, dict[str, Any]]:
    """Overfit a wide classifier on 200 digits with the hand loop and early stopping.

    A small training set and a large learning rate make the validation loss stop improving
    within a few dozen epochs. Returns the model, with its best weights restored, and the
    history. The result is cached: the chapter's text and its figure use the same run.
    """
    keras.utils.set_random_seed(1)
    x_train, x_val, y_train, y_val = digits_splits()
    model = build_classifier(hidden=128)
    history = train_by_hand(
        model,
        make_dataset(x_train[:200], y_train[:200], batch_size=50, shuffle_seed=2),
        make_dataset(x_val, y_val, batch_size=128),
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        epochs=epochs,
        patience=patience,
    )
    return model, history


def plot_training_curves() -> Any:
    """Plot the loss curves of :func:`early_stopping_run`, marking the best epoch."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    _, history = early_stopping_run()
    # What the chapter says the figure shows: the training loss falls at every epoch, and
    # no validation loss after the best epoch beats the best one.
    loss, val_loss = np.array(history["loss"]), np.array(history["val_loss"])
    assert np.all(np.diff(loss) < 0), loss
    assert np.all(val_loss[history["best_epoch"] + 1 :] >= val_loss[history["best_epoch"]])
    epochs = np.arange(1, len(history["loss"]) + 1)
    best = history["best_epoch"] + 1
    # Stacked, sharing the epoch axis, so the text stays readable in a phone's column.
    fig, (ax_loss, ax_acc) = plt.subplots(2, 1, figsize=(5.4, 6.6), sharex=True)
    ax_loss.plot(epochs, history["loss"], "o-", markersize=3, label="training")
    ax_loss.plot(epochs, history["val_loss"], "s-", markersize=3, label="validation")
    ax_acc.plot(epochs, history["accuracy"], "o-", markersize=3, label="training")
    ax_acc.plot(epochs, history["val_accuracy"], "s-", markersize=3, label="validation")
    for ax in (ax_loss, ax_acc):
        ax.axvline(best, color="grey", linestyle="--", label=f"best epoch ({best}), restored")
        ax.axvspan(best, epochs[-1], color="grey", alpha=0.12, label="patience")
    ax_acc.set_xlabel("epoch")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_loss.set_ylabel("cross-entropy\n(mean per sample)")
    ax_loss.set_yscale("log")
    ax_loss.set_title("Loss")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title("Accuracy")
    ax_loss.legend(fontsize=9)
    fig.suptitle("Hand-written loop on 200 digits,\nearly stopping on val_loss", fontsize=11)
    fig.tight_layout()
    return fig


def loop_times() -> tuple[list[str], list[list[str]]]:
    """Time epochs of 8 batches of 32 digits with the hand loop and with ``fit``.

    Returns ``(header, rows)`` for the ``{generated-table}`` directive: the first epoch,
    which traces, then the mean epoch of the following epochs, run as one call so that
    ``fit`` pays its set-up once (the fastest of three such calls for the compiled loops),
    in milliseconds, and the time per step.
    """
    x_train, _, y_train, _ = digits_splits()
    dataset = make_dataset(x_train[:256], y_train[:256], batch_size=32)
    steps = len(dataset)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def hand_loop(compiled: bool) -> Callable[[int], Any]:
        model, optimizer = build_classifier(), keras.optimizers.Adam()
        optimizer.build(model.trainable_variables)
        step = make_train_step(model, optimizer, loss_fn, new_metrics())
        step = tf.function(step) if compiled else step

        def run(epochs: int) -> None:
            for _ in range(epochs):
                for x, y in dataset:
                    loss = step(x, y)
            float(loss)  # wait for the last step

        return run

    def fit_loop(**compile_args: Any) -> Callable[[int], Any]:
        model = build_classifier()
        model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"], **compile_args)
        return lambda epochs: model.fit(dataset, epochs=epochs, verbose=0, shuffle=False)

    # Eager epochs are slow and steady; graph epochs are fast, so time several runs of
    # many epochs and keep the fastest, the one least disturbed by other processes.
    runs = {
        "hand loop, eager": (hand_loop(compiled=False), 2, 1),
        "hand loop, tf.function step": (hand_loop(compiled=True), 10, 3),
        "fit": (fit_loop(), 10, 3),
        "fit, steps_per_execution=8": (fit_loop(steps_per_execution=8), 10, 3),
    }
    header = ["loop", "first epoch (ms)", "later epochs (ms)", "per step (ms)"]
    rows = []
    for name, (run, epochs, repeats) in runs.items():
        start = time.perf_counter()
        run(1)
        first = time.perf_counter() - start
        durations = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(epochs)
            durations.append((time.perf_counter() - start) / epochs)
        later = min(durations)
        rows.append(
            [name, f"{1000 * first:.0f}", f"{1000 * later:.1f}", f"{1000 * later / steps:.2f}"]
        )
    return header, rows
