"""Models for "Functional and Sequential APIs": one of each API, and a drawing of a
Functional model's graph made from the same node structure Keras keeps for itself."""

from __future__ import annotations

import keras
from keras import layers


def build_digit_mlp() -> keras.Sequential:
    """A Sequential classifier for the flattened 8x8 digits: a plain stack of layers.

    >>> model = build_digit_mlp()
    >>> [layer.name for layer in model.layers]
    ['hidden', 'dropout', 'digit']
    >>> model.output_shape
    (None, 10)
    """
    return keras.Sequential(
        [
            keras.Input(shape=(64,), name="pixels"),
            layers.Dense(32, activation="relu", name="hidden"),
            layers.Dropout(0.2, name="dropout"),
            layers.Dense(10, activation="softmax", name="digit"),
        ],
        name="digit_mlp",
    )


def build_house_price_model(n_neighbourhoods: int = 5) -> keras.Model:
    """Two inputs, two outputs: price from features and neighbourhood, and days on the
    market from the same trunk plus the predicted price.

    >>> model = build_house_price_model()
    >>> [tensor.name for tensor in model.inputs]
    ['numeric', 'neighbourhood']
    >>> model.output_names if hasattr(model, "output_names") else None
    ['price', 'days_on_market']
    """
    numeric = keras.Input(shape=(4,), name="numeric")
    neighbourhood = keras.Input(shape=(1,), dtype="int32", name="neighbourhood")

    # A learned 3-number summary of each neighbourhood, instead of a one-hot column.
    embedded = layers.Embedding(n_neighbourhoods, 3, name="neighbourhood_embedding")(neighbourhood)
    embedded = layers.Flatten(name="flatten")(embedded)

    features = layers.Concatenate(name="features")([numeric, embedded])
    trunk = layers.Dense(16, activation="relu", name="trunk")(features)
    price = layers.Dense(1, name="price")(trunk)

    # The second head sees the price prediction: a branch that Sequential cannot express.
    days_inputs = layers.Concatenate(name="trunk_and_price")([trunk, price])
    days = layers.Dense(1, name="days_on_market")(days_inputs)
    return keras.Model(inputs=[numeric, neighbourhood], outputs=[price, days], name="house_prices")


def build_pair_model() -> keras.Model:
    """A Siamese model: one encoder, shared by both images of a pair, then a same/different
    head on the absolute difference of the two embeddings.

    >>> model = build_pair_model()
    >>> encoder = model.get_layer("encoder")
    >>> len(encoder._inbound_nodes)  # called twice: once per input
    2
    """
    encoder = keras.Sequential(
        [keras.Input(shape=(64,)), layers.Dense(16, activation="relu", name="embed")],
        name="encoder",
    )
    left = keras.Input(shape=(64,), name="left")
    right = keras.Input(shape=(64,), name="right")
    difference = layers.Subtract(name="difference")([encoder(left), encoder(right)])
    distance = layers.Lambda(keras.ops.abs, name="abs")(difference)
    same = layers.Dense(1, activation="sigmoid", name="same")(distance)
    return keras.Model(inputs=[left, right], outputs=same, name="pair_model")


def graph_by_depth(model: keras.Model) -> list[list[str]]:
    """The model's layer names grouped by depth, inputs first, read from the same
    ``_operations_by_depth`` map that Keras uses to run the graph.

    >>> graph_by_depth(build_house_price_model())[:3]
    [['neighbourhood'], ['neighbourhood_embedding'], ['numeric', 'flatten']]
    """
    by_depth = model._operations_by_depth  # depth 0 is the output end
    return [
        [operation.name for operation in by_depth[depth]]
        for depth in sorted(by_depth, reverse=True)
    ]


def draw_model_graph(model: keras.Model, ax=None):
    """Draw a Functional model's layers as boxes, one row per depth, with an arrow for each
    connection recorded in the layers' nodes. Uses only Matplotlib (no pydot, no Graphviz).
    """
    import matplotlib.pyplot as plt

    rows = graph_by_depth(model)
    position = {}
    for row, names in enumerate(rows):
        for column, name in enumerate(names):
            position[name] = ((column + 0.5) / len(names), -row)

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.9 * len(rows) + 0.5))
    for node_list in model._nodes_by_depth.values():
        for node in node_list:
            child = node.operation.name
            for parent in node.parent_nodes:
                (x0, y0), (x1, y1) = position[parent.operation.name], position[child]
                # An edge that skips rows curves aside, so it is not hidden behind the others.
                bend = 1.0 if y0 - y1 > 1 else 0.0
                ax.annotate(
                    "",
                    xy=(x1, y1 + 0.22),
                    xytext=(x0, y0 - 0.22),
                    arrowprops={
                        "arrowstyle": "->",
                        "color": "0.35",
                        "lw": 1.2,
                        "connectionstyle": f"arc3,rad={bend}",
                    },
                )
    for operation in model.operations:
        x, y = position[operation.name]
        shape = tuple(operation.output.shape)
        is_input = isinstance(operation, layers.InputLayer)
        ax.text(
            x,
            y,
            f"{operation.name}\n{type(operation).__name__} {shape}",
            ha="center",
            va="center",
            fontsize=8,
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": "#dbe9f6" if is_input else "#fdf1d6",
                "edgecolor": "0.4",
            },
        )
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-len(rows) + 0.5, 0.5)
    ax.axis("off")
    ax.set_title(f"{model.name}: layers by depth, arrows from the recorded nodes", fontsize=10)
    return ax
