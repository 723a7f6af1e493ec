"""Callbacks for the "Callbacks" chapter: a recorder of every hook, callbacks that stop
training, change the learning rate and add values to the logs, and the recording callback
behind the chapter's figure of a training run.

The chapter trains a small classifier on scikit-learn's 8x8 digits, so that every `fit`
takes a fraction of a second on a CPU.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def load_digit_splits(n_train: int = 512, n_val: int = 256) -> dict[str, np.ndarray]:
    """Flattened digits split into a training and a validation set, both small.

    `n_train` is a multiple of the batch size the chapter uses (64), so every batch of an
    epoch holds the same number of examples.

    >>> splits = load_digit_splits()
    >>> {name: array.shape for name, array in splits.items()}
    {'x_train': (512, 64), 'y_train': (512,), 'x_val': (256, 64), 'y_val': (256,)}
    """
    from snippets.data import load_digits, train_test_split

    images, labels = load_digits(flat=True)
    x_train, x_val, y_train, y_val = train_test_split(images, labels, test_fraction=0.25, seed=0)
    return {
        "x_train": x_train[:n_train],
        "y_train": y_train[:n_train],
        "x_val": x_val[:n_val],
        "y_val": y_val[:n_val],
    }


def build_digit_classifier(learning_rate: float = 1e-2, hidden_units: int = 32) -> keras.Model:
    """A compiled one-hidden-layer classifier for flattened 8x8 digits (logits out).

    >>> model = build_digit_classifier()
    >>> model.count_params(), model.optimizer.name, [m.name for m in model.metrics]
    (2410, 'adam', ['loss', 'compile_metrics'])
    """
    model = keras.Sequential(
        [
            keras.Input((64,)),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


class HookRecorder(keras.callbacks.Callback):
    """Record every hook `fit`, `evaluate` and `predict` call, in order.

    Each call appends one line to `events`: the hook's name, its epoch or batch index if it
    has one, and the sorted keys of the `logs` it received. `logs_seen` keeps the `logs`
    dicts themselves, as (hook, logs) pairs.

    >>> recorder = HookRecorder()
    >>> recorder.on_epoch_end(3, {"loss": 0.5})
    >>> recorder.events
    ['on_epoch_end(3) loss']
    """

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.logs_seen: list[tuple[str, Any]] = []

    def _record(self, hook: str, index: int | None, logs: dict[str, Any] | None) -> None:
        where = "" if index is None else str(index)
        keys = " ".join(sorted(logs)) if logs else ""
        self.events.append(f"{hook}({where}) {keys}".rstrip())
        self.logs_seen.append((hook, logs))

    # The whole run of each method.
    def on_train_begin(self, logs=None):
        self._record("on_train_begin", None, logs)

    def on_train_end(self, logs=None):
        self._record("on_train_end", None, logs)

    def on_test_begin(self, logs=None):
        self._record("on_test_begin", None, logs)

    def on_test_end(self, logs=None):
        self._record("on_test_end", None, logs)

    def on_predict_begin(self, logs=None):
        self._record("on_predict_begin", None, logs)

    def on_predict_end(self, logs=None):
        self._record("on_predict_end", None, logs)

    # Epochs: `fit` only.
    def on_epoch_begin(self, epoch, logs=None):
        self._record("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._record("on_epoch_end", epoch, logs)

    # Batches, one pair of hooks per method.
    def on_train_batch_begin(self, batch, logs=None):
        self._record("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._record("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._record("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._record("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._record("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._record("on_predict_batch_end", batch, logs)


class StopWhenOverfitting(keras.callbacks.Callback):
    """Stop `fit` once the validation loss exceeds `max_ratio` times the training loss.

    A version of the course's overfitting detector. It sets `self.model.stop_training`,
    which `fit` checks after every batch and every epoch, and remembers the epoch.

    >>> guard = StopWhenOverfitting(max_ratio=1.5)
    >>> guard.set_model(keras.Sequential([keras.Input((1,)), layers.Dense(1)]))
    >>> guard.on_epoch_end(0, {"loss": 0.2, "val_loss": 0.4})
    >>> guard.model.stop_training, guard.stopped_epoch
    (True, 0)
    """

    def __init__(self, max_ratio: float = 1.5) -> None:
        super().__init__()
        self.max_ratio = max_ratio
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, epoch, logs=None):
        ratio = logs["val_loss"] / logs["loss"]
        if ratio > self.max_ratio:
            self.model.stop_training = True
            self.stopped_epoch = epoch


class LinearWarmup(keras.callbacks.Callback):
    """Raise the learning rate linearly from ``target / warmup_steps`` to `target`.

    Before each batch it assigns the optimizer's learning rate, which is a variable the
    compiled training step reads, and records the value in `rates`. It counts steps with
    the optimizer's own `iterations`, so a second `fit` continues where the first stopped.
    """

    def __init__(self, target: float, warmup_steps: int) -> None:
        super().__init__()
        self.target = target
        self.warmup_steps = warmup_steps
        self.rates: list[float] = []

    def on_train_batch_begin(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)  # optimizer steps taken so far
        rate = self.target * min(1.0, (step + 1) / self.warmup_steps)
        self.model.optimizer.learning_rate = rate
        self.rates.append(rate)


class WeightNormLogger(keras.callbacks.Callback):
    """Add the global norm of the model's trainable weights to the epoch's `logs`.

    Callbacks later in the list (`fit` appends `History`, then the progress bar, after
    yours) see the new key.

    >>> logger = WeightNormLogger()
    >>> model = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_initializer="ones")])
    >>> logger.set_model(model)
    >>> logs = {"loss": 1.0}
    >>> logger.on_epoch_end(0, logs)
    >>> round(logs["weight_norm"], 4)  # sqrt(1 + 1 + 0), kernel of ones and a zero bias
    1.4142
    """

    def on_epoch_end(self, epoch, logs=None):
        squares = [
            float(np.sum(np.square(keras.ops.convert_to_numpy(w))))
            for w in self.model.trainable_weights
        ]
        logs["weight_norm"] = float(np.sqrt(sum(squares)))


class TrainingRecorder(keras.callbacks.Callback):
    """Record what a plot of a training run needs: batch logs, epoch logs, learning rates.

    `batches` gets one dict per training batch: the epoch, the batch index, the logged
    loss (the epoch's running mean so far) and the learning rate used for that batch.
    `epochs` gets a copy of each epoch's `logs`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[dict[str, float]] = []
        self.epochs: list[dict[str, float]] = []
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(
            {
                "epoch": self._epoch,
                "batch": batch,
                "running_loss": logs["loss"],
                # The step has run, but nothing changes the rate between batches here.
                "learning_rate": float(self.model.optimizer.learning_rate),
            }
        )

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))

    def batch_losses(self) -> np.ndarray:
        """Each batch's own loss, recovered from the running means `fit` logs.

        The logged value after batch `k` of an epoch is the mean of its first ``k + 1``
        batch losses (weighted by batch size; the chapter's batches are all the same size),
        so batch `k`'s own loss is ``(k + 1) * mean_k - k * mean_(k-1)``.

        >>> recorder = TrainingRecorder()
        >>> recorder.batches = [{"batch": 0, "running_loss": 4.0},
        ...                     {"batch": 1, "running_loss": 3.0},
        ...                     {"batch": 0, "running_loss": 1.0}]
        >>> recorder.batch_losses().tolist()
        [4.0, 2.0, 1.0]
        """
        losses = []
        previous = 0.0
        for record in self.batches:
            k = record["batch"]
            mean = record["running_loss"]
            losses.append((k + 1) * mean - k * previous if k else mean)
            previous = mean
        return np.array(losses)


@functools.cache
def record_digit_training(epochs: int = 12) -> TrainingRecorder:
    """Train the digit classifier with `ReduceLROnPlateau` and return its `TrainingRecorder`.

    Cached, so that the chapter's examples and its figure share one training run: call it
    with the same arguments, by keyword (`functools.cache` keys ``f(12)`` and
    ``f(epochs=12)`` apart).
    """
    data = load_digit_splits()
    model = build_digit_classifier(learning_rate=3e-2)
    recorder = TrainingRecorder()
    # An epoch must lower the validation loss by 0.01 to count as progress.
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=1, min_delta=0.01
    )
    model.fit(
        data["x_train"],
        data["y_train"],
        batch_size=64,
        epochs=epochs,
        validation_data=(data["x_val"], data["y_val"]),
        callbacks=[plateau, recorder],
        verbose=0,
    )
    return recorder


def _check_training_record(recorder: TrainingRecorder, running: np.ndarray) -> None:
    """Assert what the chapter says the training-record figure shows."""
    own = recorder.batch_losses()
    batch = np.array([record["batch"] for record in recorder.batches])
    # Left panel: in the first epoch, while the loss falls fast, the running mean sits above
    # every later batch's own loss; where it restarts, at the first batch of the next epoch,
    # it mostly drops.
    first_epoch = np.nonzero(batch == 0)[0][1]
    assert np.all(running[1:first_epoch] > own[1:first_epoch]), (running, own)
    restarts = np.nonzero(batch == 0)[0][1:]
    drops = running[restarts] < running[restarts - 1]
    assert np.mean(drops) > 0.5, drops
    # Right panel: ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.01) halves the rate
    # after every epoch whose validation loss does not beat the best by 0.01, and only then;
    # the epoch's logs hold the rate it ran with, so a halving shows in the next epoch.
    rates = [logs["learning_rate"] for logs in recorder.epochs]
    best = np.inf
    for epoch, logs in enumerate(recorder.epochs[:-1]):
        improved = logs["val_loss"] < best - 0.01
        if improved:
            best = logs["val_loss"]
        expected = rates[epoch] if improved else rates[epoch] * 0.5
        assert np.isclose(rates[epoch + 1], expected), (epoch, rates)
    assert min(rates) < max(rates)


def plot_training_record(epochs: int = 12) -> Figure:
    """Plot a `TrainingRecorder`: batch losses as `fit` logs them and as they are, then the
    epoch losses with the learning rate `ReduceLROnPlateau` chose."""
    import matplotlib.pyplot as plt

    recorder = record_digit_training(epochs=epochs)
    steps_per_epoch = max(record["batch"] for record in recorder.batches) + 1
    position = np.array(
        [record["epoch"] + (record["batch"] + 1) / steps_per_epoch for record in recorder.batches]
    )
    running = np.array([record["running_loss"] for record in recorder.batches])
    _check_training_record(recorder, running)

    # Stacked, not side by side, so the text stays readable in a phone's column.
    fig, (ax_batch, ax_epoch) = plt.subplots(2, 1, figsize=(5.4, 7.4))
    ax_batch.plot(position, recorder.batch_losses(), lw=0.8, alpha=0.7, label="each batch's loss")
    ax_batch.plot(position, running, lw=1.6, label="logs['loss'] in on_train_batch_end")
    ax_batch.set_yscale("log")
    ax_batch.set_xlabel("epoch")
    ax_batch.set_ylabel("training loss")
    ax_batch.set_title("Batch logs are running means, reset every epoch", fontsize=11)
    ax_batch.legend(fontsize=9)
    ax_batch.grid(alpha=0.3)

    epoch_axis = np.arange(1, len(recorder.epochs) + 1)
    ax_epoch.plot(epoch_axis, [logs["loss"] for logs in recorder.epochs], "o-", label="loss")
    ax_epoch.plot(
        epoch_axis, [logs["val_loss"] for logs in recorder.epochs], "s-", label="val_loss"
    )
    ax_epoch.set_yscale("log")
    ax_epoch.set_xlabel("epoch")
    ax_epoch.set_ylabel("loss\n(on_epoch_end logs)")
    ax_epoch.set_title("Epoch logs and ReduceLROnPlateau", fontsize=11)
    ax_rate = ax_epoch.twinx()
    rates = [logs["learning_rate"] for logs in recorder.epochs]
    ax_rate.step(epoch_axis, rates, where="mid", color="black", ls="--", label="learning rate")
    ax_rate.set_ylim(0, max(rates) * 1.1)
    ax_rate.set_ylabel("learning rate\n(logged at epoch end)")
    lines = ax_epoch.get_lines() + ax_rate.get_lines()
    ax_epoch.legend(lines, [line.get_label() for line in lines], fontsize=9, loc="upper right")
    ax_epoch.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def read_event_files(log_dir: str) -> dict[str, dict[str, list[Any]]]:
    """Read the summaries a `TensorBoard` callback wrote, without TensorBoard.

    Returns ``{run: {tag: [values, ...]}}`` for each run folder under `log_dir` (`train`,
    `validation`). Event files are TFRecord files of `Event` protocol buffers; each summary
    value holds a tensor, which `tf.make_ndarray` decodes (a scalar for the epoch metrics).
    """
    from pathlib import Path

    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    runs: dict[str, dict[str, list[Any]]] = {}
    for event_file in sorted(Path(log_dir).glob("*/events.out.tfevents.*")):
        tags = runs.setdefault(event_file.parent.name, {})
        for record in tf.data.TFRecordDataset(str(event_file)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                decoded = tf.make_ndarray(value.tensor)
                tags.setdefault(value.tag, []).append(
                    decoded.item() if decoded.ndim == 0 else decoded
                )
    return runs
