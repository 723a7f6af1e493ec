"""Subclassed Keras models built up in the "Custom models" chapter, and its plotting helper.

``ResidualBlock`` is a layer: two 3x3 convolutions and a shortcut that adds the block's input
to its output. ``SmallResNet`` is a ``keras.Model`` subclass that stacks a few blocks into a
classifier for the 8x8 scikit-learn digits. Both write ``get_config`` and are registered
under the ``handbook_models`` package, so a saved ``SmallResNet`` reloads without
``custom_objects``.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers

#: The package name the classes are registered under: ``"handbook_models>SmallResNet"``.
PACKAGE = "handbook_models"


@keras.saving.register_keras_serializable(package=PACKAGE)
class ResidualBlock(layers.Layer):
    """``relu(F(x) + shortcut(x))`` with ``F`` = conv-BN-relu-conv-BN.

    The shortcut is the identity when the block keeps the shape of its input, and a strided
    1x1 convolution (a *projection*) when it changes the number of channels or the
    resolution, because ``F(x) + x`` needs both terms to have the same shape.

    >>> block = ResidualBlock(8, strides=2, name="down")
    >>> tuple(block(np.zeros((1, 8, 8, 4), "float32")).shape), block.projection is not None
    ((1, 4, 4, 8), True)
    >>> same = ResidualBlock(4)
    >>> _ = same(np.zeros((1, 8, 8, 4), "float32"))
    >>> same.projection is None  # same shape in and out: identity shortcut
    True
    """

    def __init__(
        self, filters: int, strides: int = 1, momentum: float = 0.9, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.filters = filters
        self.strides = strides
        self.momentum = momentum
        # The residual branch. Sub-layers created here are tracked through __setattr__;
        # they build on the block's first call. No bias: batch norm's offset replaces it.
        self.conv1 = layers.Conv2D(
            filters, 3, strides=strides, padding="same", use_bias=False, name="conv1"
        )
        # momentum=0.9 instead of 0.99: a few hundred steps is all this chapter trains, and
        # the moving statistics must have caught up by then (see "Custom layers").
        self.bn1 = layers.BatchNormalization(momentum=momentum, name="bn1")
        self.conv2 = layers.Conv2D(filters, 3, padding="same", use_bias=False, name="conv2")
        self.bn2 = layers.BatchNormalization(momentum=momentum, name="bn2")
        self.projection = None  # decided in build, once the input's channels are known

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if self.strides != 1 or input_shape[-1] != self.filters:
            self.projection = layers.Conv2D(
                self.filters, 1, strides=self.strides, use_bias=False, name="projection"
            )

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        x = keras.activations.relu(self.bn1(self.conv1(inputs), training=training))
        x = self.bn2(self.conv2(x), training=training)
        shortcut = inputs if self.projection is None else self.projection(inputs)
        return keras.activations.relu(x + shortcut)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(filters=self.filters, strides=self.strides, momentum=self.momentum)
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class SmallResNet(keras.Model):
    """A ResNet for 8x8 images: a 3x3 stem, one residual block per stage, global average
    pooling and a softmax classifier.

    ``stages`` lists each stage's filters; every stage after the first halves the
    resolution, so its block uses a projection shortcut.

    >>> model = SmallResNet(stages=(8, 16), num_classes=10)
    >>> model.built
    False
    >>> tuple(model(np.zeros((2, 8, 8, 1), "float32")).shape), model.built
    ((2, 10), True)
    """

    def __init__(
        self, stages: tuple[int, ...] = (16, 32), num_classes: int = 10, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stages = tuple(stages)
        self.num_classes = num_classes
        self.stem = layers.Conv2D(stages[0], 3, padding="same", activation="relu", name="stem")
        # A list of layers is tracked: every block's weights belong to the model.
        self.blocks = [
            ResidualBlock(filters, strides=1 if i == 0 else 2, name=f"block{i + 1}")
            for i, filters in enumerate(stages)
        ]
        self.pool = layers.GlobalAveragePooling2D(name="pool")
        self.classifier = layers.Dense(num_classes, activation="softmax", name="classifier")

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        x = self.stem(inputs)
        for block in self.blocks:
            x = block(x, training=training)
        return self.classifier(self.pool(x))

    def get_config(self) -> dict[str, Any]:
        # keras.Model's base config holds name, trainable and dtype: add what __init__ takes.
        config = super().get_config()
        config.update(stages=list(self.stages), num_classes=self.num_classes)
        return config


def build_functional_resnet(
    stages: tuple[int, ...] = (16, 32), num_classes: int = 10
) -> keras.Model:
    """The same network as ``SmallResNet``, written with the Functional API.

    The residual blocks are still the subclassed ``ResidualBlock`` layer: a Functional model
    calls it on symbolic tensors like any built-in layer, so every block's output shape is
    known, printed by ``summary`` and available as ``layer.output``.

    >>> model = build_functional_resnet()
    >>> [layer.name for layer in model.layers]
    ['digits', 'stem', 'block1', 'block2', 'pool', 'classifier']
    >>> model.get_layer("block2").output.shape
    (None, 4, 4, 32)
    """
    inputs = keras.Input(shape=(8, 8, 1), name="digits")
    x = layers.Conv2D(stages[0], 3, padding="same", activation="relu", name="stem")(inputs)
    for i, filters in enumerate(stages):
        x = ResidualBlock(filters, strides=1 if i == 0 else 2, name=f"block{i + 1}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name="functional_resnet")


def layer_tree(layer: layers.Layer, depth: int = 0) -> list[tuple[int, str, int, int]]:
    """Walk the sub-layers a layer tracks, depth first, in the order Keras stores them.

    Returns one ``(depth, label, trainable, non_trainable)`` row per layer: the label is
    ``name (ClassName)``, the two counts are the scalars in the layer's own variables and
    those of everything below it.

    >>> block = ResidualBlock(4, name="block")
    >>> block.build((None, 8, 8, 4))
    >>> [(depth, label) for depth, label, _, _ in layer_tree(block)][:3]
    [(0, 'block (ResidualBlock)'), (1, 'conv1 (Conv2D)'), (1, 'bn1 (BatchNormalization)')]
    """
    trainable = sum(int(np.prod(v.shape)) for v in layer.trainable_weights)
    frozen = sum(int(np.prod(v.shape)) for v in layer.non_trainable_weights)
    rows = [(depth, f"{layer.name} ({type(layer).__name__})", trainable, frozen)]
    # _layers is the tracker's store: the sub-layers assigned to attributes, in order.
    for child in layer._layers:
        rows.extend(layer_tree(child, depth + 1))
    return rows


def plot_layer_tree(model: keras.Model | None = None) -> Any:
    """Draw :func:`layer_tree` for a built ``SmallResNet`` as an indented tree, with each
    layer's trainable and non-trainable parameter counts; return the figure."""
    import matplotlib.pyplot as plt

    if model is None:
        model = SmallResNet(name="small_resnet")
        model(keras.Input(shape=(8, 8, 1)))  # model.build would create nothing
    rows = layer_tree(model)
    # What the chapter says the figure shows: the blue (depth 1) rows are model.layers, and
    # the rows below the root are the layers model._flatten_layers() finds, in another order.
    blue = [label.split(" (")[0] for depth, label, _, _ in rows if depth == 1]
    assert blue == [layer.name for layer in model.layers], blue
    below_root = sorted(label.split(" (")[0] for depth, label, _, _ in rows if depth > 0)
    assert below_root == sorted(layer.name for layer in model._flatten_layers(include_self=False))
    fig, ax = plt.subplots(figsize=(5.5, 0.32 * len(rows) + 1.3))
    parents: dict[int, int] = {}
    for i, (depth, label, trainable, frozen) in enumerate(rows):
        y = -i
        x = depth * 0.6
        if depth > 0:
            # An elbow from the parent's row down to this one.
            parent_y = -parents[depth - 1]
            ax.plot([x - 0.45, x - 0.45, x - 0.05], [parent_y - 0.3, y, y], color="0.6", lw=1)
        parents[depth] = i
        is_leaf = depth > 0 and (i + 1 == len(rows) or rows[i + 1][0] <= depth)
        weight = "normal" if is_leaf else "bold"
        # The direct children are what model.layers returns: mark them.
        colour = "tab:blue" if depth == 1 else "black"
        ax.text(x, y, label, va="center", fontsize=9, fontweight=weight, color=colour)
        counts = f"{trainable:,}" + (f" + {frozen:,}" if frozen else "")
        ax.text(4.6, y, counts, va="center", fontsize=9, family="monospace")
    ax.text(4.6, 1, "parameters\n(trainable + non-trainable)", fontsize=9, fontweight="bold")
    ax.text(
        0,
        -len(rows) - 0.4,
        "blue: the entries of model.layers;\nevery row: model._flatten_layers()",
        fontsize=9,
        color="tab:blue",
    )
    ax.set_xlim(-0.1, 7.2)
    ax.set_ylim(-len(rows) - 1, 2)
    ax.axis("off")
    ax.set_title(
        "What SmallResNet tracks: model.layers is the top level,\nweights the whole tree",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
