"""Custom Keras layers built up in the "Custom layers" chapter, and its plotting helpers.

Each layer follows the same contract: ``__init__`` stores configuration, ``build`` creates
the weights once the input shape is known, ``call`` computes with ``keras.ops`` so the layer
runs on any backend, and ``get_config`` returns what ``__init__`` needs to rebuild it.
The layers are registered under the ``handbook_layers`` package, so a saved model that uses
them loads without ``custom_objects``.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers, ops

#: The package name the layers are registered under: ``"handbook_layers>SimpleDense"``.
PACKAGE = "handbook_layers"


@keras.saving.register_keras_serializable(package=PACKAGE)
class SimpleDense(layers.Layer):
    """A fully connected layer written by hand: ``activation(inputs @ kernel + bias)``.

    >>> layer = SimpleDense(3, name="simple")
    >>> layer.built, tuple(layer(np.ones((2, 4), "float32")).shape), layer.built
    (False, (2, 3), True)
    """

    def __init__(self, units: int, activation: Any = None, **kwargs: Any) -> None:
        # Configuration only: the input size, and so the kernel's shape, is unknown here.
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Called once, by the first __call__, with the shape of the first input.
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs: Any) -> Any:
        return self.activation(ops.matmul(inputs, self.kernel) + self.bias)

    def get_config(self) -> dict[str, Any]:
        # The base config holds name, trainable and dtype; add what __init__ takes.
        config = super().get_config()
        config.update(units=self.units, activation=keras.activations.serialize(self.activation))
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class SimpleQuadratic(layers.Layer):
    """``activation(x**2 @ a + x @ b + c)``: a dense layer with a learned quadratic term.

    >>> layer = SimpleQuadratic(2)
    >>> _ = layer(np.ones((1, 3), "float32"))
    >>> [v.path for v in layer.weights]
    ['simple_quadratic/a', 'simple_quadratic/b', 'simple_quadratic/c']
    """

    def __init__(self, units: int = 32, activation: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        in_features = input_shape[-1]
        # Random a and b break the symmetry between units; c starts at zero like a bias.
        self.a = self.add_weight(
            shape=(in_features, self.units), initializer="random_normal", name="a"
        )
        self.b = self.add_weight(
            shape=(in_features, self.units), initializer="random_normal", name="b"
        )
        self.c = self.add_weight(shape=(self.units,), initializer="zeros", name="c")

    def call(self, inputs: Any) -> Any:
        quadratic = ops.matmul(ops.square(inputs), self.a)
        linear = ops.matmul(inputs, self.b)
        return self.activation(quadratic + linear + self.c)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(units=self.units, activation=keras.activations.serialize(self.activation))
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class RunningCentering(layers.Layer):
    """Subtract the mean of each feature, then scale it by a learned factor.

    In training the layer centres with the batch mean and folds it into a running mean, a
    non-trainable weight; in inference it centres with the running mean, so one example
    gives the same answer whatever batch it arrives in. Batch normalisation does the same
    with the variance as well.

    >>> layer = RunningCentering(momentum=0.5)
    >>> batch = np.array([[1.0], [3.0]], "float32")
    >>> ops.convert_to_numpy(layer(batch, training=True)).ravel().tolist()
    [-1.0, 1.0]
    >>> float(layer.running_mean[0])  # 0.5 * 0 + 0.5 * 2
    1.0
    >>> ops.convert_to_numpy(layer(batch)).ravel().tolist()  # inference: running mean
    [0.0, 2.0]
    """

    def __init__(self, momentum: float = 0.9, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.momentum = momentum

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = (input_shape[-1],)
        # trainable=False: the optimizer never touches it; call() updates it with assign.
        self.running_mean = self.add_weight(
            shape=features, initializer="zeros", trainable=False, name="running_mean"
        )
        self.scale = self.add_weight(shape=features, initializer="ones", name="scale")

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training:
            # Average over every axis but the features.
            batch_mean = ops.mean(inputs, axis=tuple(range(len(inputs.shape) - 1)))
            self.running_mean.assign(
                self.momentum * self.running_mean + (1.0 - self.momentum) * batch_mean
            )
            centre = batch_mean
        else:
            centre = self.running_mean
        return (inputs - centre) * self.scale

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(momentum=self.momentum)
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskedMeanPooling(layers.Layer):
    """Average a sequence over its time axis, counting only the steps the mask keeps.

    ``(batch, time, features)`` in, ``(batch, features)`` out. Without a mask it is
    ``GlobalAveragePooling1D``; with one, padded steps add nothing to the sum and nothing
    to the count.

    >>> x = np.array([[[2.0], [4.0], [0.0]]], "float32")
    >>> mask = np.array([[True, True, False]])
    >>> ops.convert_to_numpy(MaskedMeanPooling()(x, mask=mask)).tolist()
    [[3.0]]
    """

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return ops.mean(inputs, axis=1)
        # (batch, time) -> (batch, time, 1), so the mask broadcasts over the features.
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), axis=-1)
        total = ops.sum(inputs * weights, axis=1)
        # An all-padding row would divide by zero: count at least one step.
        count = ops.maximum(ops.sum(weights, axis=1), 1.0)
        return total / count

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        # The time axis is gone, so is the mask. Defining compute_mask also tells Keras
        # the layer supports masking, so it does not warn that the mask is destroyed.
        return None


def batch_norm_gap(
    momentum: float, steps: int, every: int = 1, seed: int = 0, dtype: str = "float32"
) -> tuple[np.ndarray, np.ndarray]:
    """Mean absolute gap between a ``BatchNormalization`` layer's training-mode and
    inference-mode outputs on one batch, measured every `every` of `steps` training-mode
    calls. Returns the call counts and the gaps. `dtype` is the layer's and the batch's.

    Each training-mode call moves the moving mean and variance a fraction
    ``1 - momentum`` of the way towards the batch's, so the gap shrinks by a factor of
    about `momentum` per call.

    >>> calls, gaps = batch_norm_gap(momentum=0.5, steps=3)
    >>> calls.tolist(), bool(gaps[0] > gaps[1] > gaps[2])
    ([1, 2, 3], True)
    """
    batch = np.random.default_rng(seed).normal(5.0, 2.0, size=(64, 1)).astype(dtype)
    layer = layers.BatchNormalization(momentum=momentum, dtype=dtype)
    calls, gaps = [], []
    for call in range(1, steps + 1):
        trained = layer(batch, training=True)  # also updates the moving statistics
        if call % every == 0:
            inferred = layer(batch, training=False)
            calls.append(call)
            gaps.append(float(ops.mean(ops.abs(trained - inferred))))
    return np.array(calls), np.array(gaps)


def plot_batch_norm_warmup(
    momenta: tuple[float, ...] = (0.9, 0.99), steps: int = 250, every: int = 5
) -> Any:
    """Plot :func:`batch_norm_gap` for each momentum on a log scale; return the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for momentum in momenta:
        calls, gaps = batch_norm_gap(momentum, steps, every)
        # What the chapter reads off the figure: each curve only falls (down to a flat
        # round-off floor), and, until it nears the floor, no five-call stretch shrinks
        # more slowly than `momentum + 0.005` per call.
        assert np.all(np.diff(gaps) <= 1e-6), gaps
        falling = gaps > 10 * gaps.min()
        ratios = (gaps[1:] / gaps[:-1])[falling[1:]] ** (1 / every)
        assert np.all(ratios <= momentum + 5e-3), (momentum, ratios)
        ax.plot(calls, gaps, label=f"momentum={momentum}")
    ax.set_yscale("log")
    ax.set_xlabel("training-mode calls on the batch")
    ax.set_ylabel("mean |training - inference| output")
    ax.set_title("BatchNormalization: gap between the two modes, same batch")
    ax.legend()
    fig.tight_layout()
    return fig


def pooled_with_padding(max_padding: int) -> dict[str, np.ndarray]:
    """Pool one 4-token sequence padded with 0 to `max_padding` zeros, with and without its
    mask; return the pooled feature of each, one value per padding length.

    The embedding table maps every real token to 1.0 and the padding token to 0.0, so the
    right answer is 1.0 at every length.

    >>> pooled = pooled_with_padding(3)
    >>> pooled["masked"].tolist(), pooled["unmasked"].tolist()
    ([1.0, 1.0, 1.0, 1.0], [1.0, 0.8, 0.6666667, 0.5714286])
    """
    embedding = layers.Embedding(10, 1, mask_zero=True)
    embedding.build()
    table = np.ones((10, 1), "float32")
    table[0] = 0.0  # the padding token's vector
    embedding.set_weights([table])
    pooling = MaskedMeanPooling()
    tokens = [3, 1, 4, 1]
    masked, unmasked = [], []
    for padding in range(max_padding + 1):
        vectors = embedding(np.array([tokens + [0] * padding]))
        masked.append(float(pooling(vectors)[0, 0]))  # the mask rides along on `vectors`
        unmasked.append(float(ops.mean(vectors, axis=1)[0, 0]))
    return {
        "padding": np.arange(max_padding + 1),
        "masked": np.array(masked, "float32"),
        "unmasked": np.array(unmasked, "float32"),
    }


def plot_masked_pooling(max_padding: int = 12) -> Any:
    """Plot :func:`pooled_with_padding`; return the figure."""
    import matplotlib.pyplot as plt

    pooled = pooled_with_padding(max_padding)
    # What the chapter says the figure shows: the masked mean stays at 1.0, the plain mean
    # falls as 4 / (4 + p).
    assert np.allclose(pooled["masked"], 1.0)
    assert np.allclose(pooled["unmasked"], 4 / (4 + pooled["padding"]))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(pooled["padding"], pooled["masked"], "o-", label="MaskedMeanPooling (mask used)")
    ax.plot(pooled["padding"], pooled["unmasked"], "s--", label="ops.mean (mask ignored)")
    ax.set_xlabel("padding tokens appended to a 4-token sequence")
    ax.set_ylabel("pooled feature")
    ax.set_ylim(0, 1.1)
    ax.set_title("Mean pooling of the same sentence as padding grows")
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def copy_with_foreign_lambda_bytecode(source: str, target: str) -> None:
    """Copy a ``.keras`` file as if another Python had written its ``Lambda`` bytecode.

    A ``Lambda`` that wraps a Python ``lambda`` is saved as the ``marshal`` dump of its code
    object, whose layout changes between Python minor versions. This copy inserts one more
    4-byte field after the first three of every such dump, as a Python with an extra
    code-object field would have laid it out, and leaves the weights untouched. Only the
    chapter's demonstration needs it: a file that really comes from another Python version
    fails the same way.
    """
    import base64
    import json
    import zipfile

    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])

    def shift(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("class_name") == "__lambda__":
                raw = base64.b64decode(node["config"]["code"])
                # byte 0 is the type code, then argcount, posonlyargcount, kwonlyargcount
                foreign = raw[:13] + (1).to_bytes(4, "little") + raw[13:]
                node["config"]["code"] = base64.b64encode(foreign).decode("ascii")
            for value in node.values():
                shift(value)
        elif isinstance(node, list):
            for value in node:
                shift(value)

    shift(config)
    members["config.json"] = json.dumps(config).encode("utf-8")
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
