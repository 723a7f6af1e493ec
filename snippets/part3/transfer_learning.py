"""Transfer learning on the scikit-learn digits: pretrain a small convolutional base on
digits 0-4, then reuse it for digits 5-9 with a handful of labelled images per class, by
feature extraction and by fine-tuning, against a model trained from scratch.

The images are placed at random positions on a 12x12 canvas and overlaid with speckle
noise, like bad scans: a model has to learn strokes that can appear anywhere and to ignore
the speckle. The source task has about 1,800 such images to learn that from, the target
task only a few per class.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
from keras import layers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Side of the square canvas the 8x8 digits are placed on.
CANVAS = 12
#: Standard deviation of the Gaussian speckle added to every pixel (then clipped to [0, 1]).
NOISE = 0.25
#: Training steps of each stage on the target task; scratch gets both stages' worth.
HEAD_STEPS, FINE_TUNE_STEPS = 100, 60
#: Steps per logged "epoch" in the learning curves.
STEPS_PER_EPOCH = 20


def place_on_canvas(
    images: np.ndarray, canvas: int = CANVAS, noise: float = NOISE, seed: int = 0
) -> np.ndarray:
    """Copy each ``(8, 8, 1)`` image to a random position on a ``canvas`` square, add
    Gaussian noise of standard deviation `noise`, and clip to [0, 1].

    >>> placed = place_on_canvas(np.ones((3, 8, 8, 1), "float32"), canvas=12, noise=0.0)
    >>> placed.shape, placed.sum(axis=(1, 2, 3)).tolist()
    ((3, 12, 12, 1), [64.0, 64.0, 64.0])
    """
    rng = np.random.default_rng(seed)
    size = images.shape[1]
    out = np.zeros((len(images), canvas, canvas, 1), dtype="float32")
    offsets = rng.integers(0, canvas - size + 1, size=(len(images), 2))
    for i, (row, col) in enumerate(offsets):
        out[i, row : row + size, col : col + size] = images[i]
    out += noise * rng.normal(size=out.shape).astype("float32")
    return np.clip(out, 0.0, 1.0)


@functools.cache
def make_transfer_tasks(seed: int = 0) -> dict[str, np.ndarray]:
    """The source task (digits 0-4) and the target task (digits 5-9, relabelled 0-4).

    Every source image is placed twice, at two random positions (``"source_x"``,
    ``"source_y"``). The target digits are split into a fixed test set of 400 images
    (``"test_x"``, ``"test_y"``) and a pool (``"pool_x"``, ``"pool_y"``) from which
    `labelled_subset` draws the few labelled training images.

    >>> tasks = make_transfer_tasks()
    >>> tasks["source_x"].shape, tasks["test_x"].shape, sorted(set(tasks["test_y"].tolist()))
    ((1802, 12, 12, 1), (400, 12, 12, 1), [0, 1, 2, 3, 4])
    """
    from snippets.data import load_digits

    images, labels = load_digits()
    source = labels < 5
    source_x = np.concatenate([images[source]] * 2)
    source_y = np.concatenate([labels[source]] * 2)
    rng = np.random.default_rng(seed)
    order = rng.permutation(int((~source).sum()))
    target_x = place_on_canvas(images[~source][order], seed=seed + 1)
    target_y = labels[~source][order] - 5
    return {
        "source_x": place_on_canvas(source_x, seed=seed),
        "source_y": source_y,
        "test_x": target_x[:400],
        "test_y": target_y[:400],
        "pool_x": target_x[400:],
        "pool_y": target_y[400:],
    }


def labelled_subset(per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `per_class` pool images of each target class: the few labels you have.

    >>> x, y = labelled_subset(3)
    >>> x.shape, y.tolist()
    ((15, 12, 12, 1), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    """
    tasks = make_transfer_tasks()
    index = np.concatenate([np.flatnonzero(tasks["pool_y"] == c)[:per_class] for c in range(5)])
    return tasks["pool_x"][index], tasks["pool_y"][index]


def build_base() -> keras.Sequential:
    """The convolutional base: two conv-BN-ReLU blocks and a global max pool.

    The global pool makes the 32 features independent of where a stroke appears.

    >>> base = build_base()
    >>> base.output_shape, len(base.trainable_weights), len(base.non_trainable_weights)
    ((None, 32), 8, 4)
    """
    return keras.Sequential(
        [
            keras.Input((CANVAS, CANVAS, 1)),
            layers.Conv2D(16, 3, padding="same", name="conv1"),
            layers.BatchNormalization(momentum=0.9, name="bn1"),
            layers.ReLU(),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", name="conv2"),
            layers.BatchNormalization(momentum=0.9, name="bn2"),
            layers.ReLU(),
            layers.GlobalMaxPooling2D(),
        ],
        name="base",
    )


def build_classifier(
    base: keras.Model, n_classes: int = 5, base_training: bool | None = None
) -> keras.Model:
    """A new softmax head on `base`.

    ``base_training=False`` records the base's call in inference mode, the recipe of the
    Keras guide. In Keras 3 the recorded value is only a default: a ``training=True`` passed
    to the whole model, as `fit` does, overrides it (see `unfreeze_except_batch_norm`).
    """
    inputs = keras.Input((CANVAS, CANVAS, 1))
    features = base(inputs, training=base_training)
    outputs = layers.Dense(n_classes, activation="softmax", name="head")(features)
    return keras.Model(inputs, outputs)


def fit_steps(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    batch_size: int = 32,
) -> list[float]:
    """Train for exactly `steps` batches, however few examples there are.

    The examples are shuffled and repeated as often as needed. Returns the accuracy on
    `validation` after every `STEPS_PER_EPOCH` steps (empty without `validation`), measured
    by a callback with one eager call, which is cheaper here than `validation_data`: that
    would trace an evaluation function for every model.
    """
    import tensorflow as tf

    batch_size = min(batch_size, len(x))
    dataset = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=0)
        .repeat()
        .batch(batch_size)
    )
    curve: list[float] = []
    callbacks = []
    if validation is not None:
        callbacks.append(
            keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: curve.append(accuracy(model, *validation))
            )
        )
    model.fit(
        dataset,
        epochs=steps // STEPS_PER_EPOCH,
        steps_per_epoch=STEPS_PER_EPOCH,
        callbacks=callbacks,
        shuffle=False,  # the dataset is shuffled already; fit warns if asked to again
        verbose=0,
    )
    return curve


def compile_classifier(model: keras.Model, learning_rate: float) -> None:
    """Compile with Adam, sparse cross-entropy and accuracy: the settings of every run."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        # Run an epoch's steps in one graph call: fewer round trips through Python.
        steps_per_execution=STEPS_PER_EPOCH,
    )


@functools.cache
def pretrained_base_weights(steps: int = 200) -> tuple[list[np.ndarray], float]:
    """Pretrain a base with a 5-class head on the source task.

    Returns the base's weights (a fresh base takes them with `set_weights`) and the
    accuracy on the source images. Cached, so the chapter and its figures train it once.
    """
    keras.utils.set_random_seed(0)  # the same base whatever ran before
    tasks = make_transfer_tasks()
    base = build_base()
    model = build_classifier(base)
    compile_classifier(model, 3e-3)
    fit_steps(model, tasks["source_x"], tasks["source_y"], steps)
    _, accuracy = model.evaluate(tasks["source_x"], tasks["source_y"], verbose=0)
    return base.get_weights(), float(accuracy)


def pretrained_base() -> keras.Sequential:
    """A new base holding the pretrained weights (its BN statistics included)."""
    base = build_base()
    base.set_weights(pretrained_base_weights()[0])
    return base


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of `x` whose most probable class is `y`, in inference mode.

    One eager call instead of `predict`, which would trace a function for a single batch.
    """
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    return float(np.mean(np.argmax(probabilities, axis=-1) == y))


def train_three_ways(per_class: int, curves: bool = False) -> dict[str, list[float]]:
    """Scratch, feature extraction and fine-tuning on `per_class` labels per class.

    Feature extraction trains a head for `HEAD_STEPS` on the frozen base; fine-tuning
    continues from there with the base unfrozen (its `BatchNormalization` layers excepted)
    for `FINE_TUNE_STEPS` at a tenth of the
    learning rate. Scratch trains the same architecture for the total of both stages.
    Returns each method's test accuracy: after every `STEPS_PER_EPOCH` steps with
    ``curves=True``, else only at the end (a one-element list).
    """
    keras.utils.set_random_seed(per_class)  # results independent of what ran before
    tasks = make_transfer_tasks()
    x, y = labelled_subset(per_class)
    test = (tasks["test_x"], tasks["test_y"])
    validation = test if curves else None

    scratch = build_classifier(build_base())
    compile_classifier(scratch, 3e-3)
    scratch_curve = fit_steps(scratch, x, y, HEAD_STEPS + FINE_TUNE_STEPS, validation)

    base = pretrained_base()
    base.trainable = False
    transfer = build_classifier(base, base_training=False)
    compile_classifier(transfer, 1e-2)
    head_curve = fit_steps(transfer, x, y, HEAD_STEPS, validation)
    head_final = accuracy(transfer, *test)

    unfreeze_except_batch_norm(base)
    compile_classifier(transfer, 1e-3)  # recompile: `trainable` is read when fit traces
    fine_curve = fit_steps(transfer, x, y, FINE_TUNE_STEPS, validation)
    if not curves:
        return {
            "scratch": [accuracy(scratch, *test)],
            "feature extraction": [head_final],
            "fine-tuning": [accuracy(transfer, *test)],
        }
    return {
        "scratch": scratch_curve,
        "feature extraction": head_curve,
        "fine-tuning": head_curve + fine_curve,
    }


#: Labelled images per class in the comparison, and the one size with learning curves.
SIZES, CURVES_SIZE = (1, 3, 10), 3


@functools.cache
def transfer_results() -> dict[int, dict[str, list[float]]]:
    """`train_three_ways` for each size in `SIZES`, cached: the last value of each list
    is the method's final test accuracy."""
    return {n: train_three_ways(n, curves=n == CURVES_SIZE) for n in SIZES}


def plot_accuracy_vs_labels() -> Figure:
    """Final test accuracy of the three methods against the number of labels per class."""
    import matplotlib.pyplot as plt

    results = transfer_results()
    sizes = sorted(results)
    final = {n: {method: curve[-1] for method, curve in results[n].items()} for n in sizes}
    # What the chapter reads off this figure: feature extraction is within a few points of
    # scratch with one or three labels per class and below it with ten; fine-tuning is
    # above both at every size.
    for n in (1, 3):
        assert abs(final[n]["feature extraction"] - final[n]["scratch"]) < 0.1, final[n]
    assert final[10]["feature extraction"] < final[10]["scratch"], final[10]
    for n in sizes:
        assert final[n]["fine-tuning"] > max(final[n]["scratch"], final[n]["feature extraction"])
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for method, marker in (("scratch", "o"), ("feature extraction", "s"), ("fine-tuning", "^")):
        final = [results[n][method][-1] for n in sizes]
        ax.plot(sizes, final, marker=marker, label=method)
    ax.axhline(0.2, color="grey", lw=0.8, ls=":", label="chance (5 classes)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_ylim(0, 1)
    ax.set_xlabel("labelled training images per class (digits 5-9)")
    ax.set_ylabel("accuracy on 400 test images")
    ax.set_title("Transfer from digits 0-4 to digits 5-9", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="lower right")
    fig.tight_layout()
    return fig


def plot_learning_curves() -> Figure:
    """Test accuracy during training, with `CURVES_SIZE` labels per class, for each method."""
    import matplotlib.pyplot as plt

    per_class = CURVES_SIZE
    curves = transfer_results()[per_class]
    scratch, head, fine = curves["scratch"], curves["feature extraction"], curves["fine-tuning"]
    head_epochs = HEAD_STEPS // STEPS_PER_EPOCH
    # What the chapter reads off this figure: fine-tuning continues feature extraction's
    # curve; scratch starts higher and is flat (within 0.05) from step 60 on; feature
    # extraction ends near scratch's level; recompiling lifts fine-tuning above both.
    assert fine[:head_epochs] == head
    assert head[0] < scratch[0] and abs(head[-1] - scratch[head_epochs - 1]) < 0.1
    assert max(abs(a - scratch[2]) for a in scratch[2:]) < 0.05, scratch
    assert fine[-1] > max(scratch[-1], head[-1]) + 0.05, (fine, scratch)
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for method, marker in (("scratch", "o"), ("feature extraction", "s"), ("fine-tuning", "^")):
        steps = STEPS_PER_EPOCH * np.arange(1, len(curves[method]) + 1)
        ax.plot(steps, curves[method], marker=marker, label=method)
    ax.axvline(HEAD_STEPS, color="grey", lw=0.8, ls="--")
    ax.annotate(
        "base unfrozen,\nrecompiled",
        (HEAD_STEPS, 0.05),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=9,
    )
    ax.set_ylim(0, 1)
    ax.set_xlabel("training steps")
    ax.set_ylabel("accuracy on 400 test images")
    ax.set_title(f"Learning curves with {per_class} labelled images per class", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    return fig


def unfreeze_except_batch_norm(base: keras.Model) -> None:
    """Make `base` trainable for fine-tuning, but keep its `BatchNormalization` frozen.

    A frozen `BatchNormalization` runs in inference mode whatever `training` says, so its
    moving statistics keep the values learnt on the source task.
    """
    base.trainable = True
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.trainable = False


def moving_statistics(base: keras.Model) -> list[np.ndarray]:
    """Copies of the moving means and variances of every `BatchNormalization` in `base`."""
    return [
        keras.ops.convert_to_numpy(variable)
        for layer in base.layers
        if isinstance(layer, layers.BatchNormalization)
        for variable in (layer.moving_mean, layer.moving_variance)
    ]


def weights_equal(before: list[Any], after: list[Any]) -> bool:
    """True if two lists of weight arrays hold exactly the same values."""
    as_numpy = keras.ops.convert_to_numpy
    return len(before) == len(after) and all(
        np.array_equal(as_numpy(a), as_numpy(b)) for a, b in zip(before, after, strict=True)
    )
