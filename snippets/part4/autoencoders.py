"""Autoencoders on scikit-learn's 8x8 digits: dense and convolutional, the encoder and decoder
as separate models that share the autoencoder's layers, denoising, and a 2-D latent space,
with the figures of the "Autoencoders" chapter.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import keras
import numpy as np
from keras import layers

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class DigitSplit(NamedTuple):
    """The digits as ``(n, 8, 8, 1)`` images in [0, 1], split 80/20 with labels."""

    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


@cache
def load_digit_split() -> DigitSplit:
    """The scikit-learn digits, shuffled and split with a fixed seed.

    >>> split = load_digit_split()
    >>> split.x_train.shape, split.x_test.shape, split.y_test.dtype
    ((1438, 8, 8, 1), (359, 8, 8, 1), dtype('int32'))
    """
    from snippets.data import load_digits, train_test_split

    images, labels = load_digits()
    return DigitSplit(*train_test_split(images, labels, test_fraction=0.2, seed=0))


class Autoencoder(NamedTuple):
    """Three models over one set of layers: the whole autoencoder and its two halves."""

    autoencoder: keras.Model
    encoder: keras.Model
    decoder: keras.Model


def call_in_order(stack: list[layers.Layer], x: Any) -> Any:
    """Call each layer of `stack` on the previous one's output: a chain of existing layer
    objects, so that several models can be built over the same weights."""
    for layer in stack:
        x = layer(x)
    return x


def build_dense_autoencoder(latent_dim: int = 2, hidden: int = 32) -> Autoencoder:
    """A dense autoencoder for 8x8 images, and its encoder and decoder sharing its layers.

    The layers are created once. The autoencoder calls all four on its input; the encoder is
    the same graph cut at the code; the decoder calls the two decoder layers again on a new
    `Input` of the code's shape, which adds a second node to each of them.

    >>> parts = build_dense_autoencoder(latent_dim=3)
    >>> parts.encoder.output.shape, parts.decoder.input.shape, parts.autoencoder.output.shape
    ((None, 3), (None, 3), (None, 8, 8, 1))
    """
    image = keras.Input((8, 8, 1), name="image")
    encoder_layers = [
        layers.Flatten(name="flatten"),
        layers.Dense(hidden, activation="relu", name="encoder_hidden"),
        layers.Dense(latent_dim, name="code"),
    ]
    decoder_layers = [
        layers.Dense(hidden, activation="relu", name="decoder_hidden"),
        layers.Dense(64, activation="sigmoid", name="pixels"),
        layers.Reshape((8, 8, 1), name="reconstruction"),
    ]

    code = call_in_order(encoder_layers, image)
    autoencoder = keras.Model(image, call_in_order(decoder_layers, code), name="dense_autoencoder")
    encoder = keras.Model(image, code, name="encoder")
    code_input = keras.Input((latent_dim,), name="code_input")
    decoder = keras.Model(code_input, call_in_order(decoder_layers, code_input), name="decoder")
    return Autoencoder(autoencoder, encoder, decoder)


def build_conv_autoencoder(filters: int = 16, code_filters: int = 8) -> Autoencoder:
    """A convolutional autoencoder: two stride-2 convolutions down, two transposed up.

    The code is a 2x2 map with `code_filters` channels (32 numbers for the default, half
    the 64 pixels). `Conv2DTranspose` with stride 2 and ``"same"`` padding doubles the
    height and width, undoing the strided convolutions' halving.

    >>> parts = build_conv_autoencoder()
    >>> [tuple(layer.output.shape) for layer in parts.autoencoder.layers]
    [(None, 8, 8, 1), (None, 4, 4, 16), (None, 2, 2, 8), (None, 4, 4, 16), (None, 8, 8, 1)]
    """
    image = keras.Input((8, 8, 1), name="image")
    encoder_layers = [
        layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu", name="down1"),
        layers.Conv2D(code_filters, 3, strides=2, padding="same", activation="relu", name="code"),
    ]
    decoder_layers = [
        layers.Conv2DTranspose(
            filters, 3, strides=2, padding="same", activation="relu", name="up1"
        ),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid", name="up2"),
    ]

    code = call_in_order(encoder_layers, image)
    autoencoder = keras.Model(image, call_in_order(decoder_layers, code), name="conv_autoencoder")
    encoder = keras.Model(image, code, name="conv_encoder")
    code_input = keras.Input(tuple(code.shape[1:]), name="code_input")
    decoder = keras.Model(
        code_input, call_in_order(decoder_layers, code_input), name="conv_decoder"
    )
    return Autoencoder(autoencoder, encoder, decoder)


def add_gaussian_noise(images: np.ndarray, stddev: float = 0.3, seed: int = 0) -> np.ndarray:
    """Images plus Gaussian noise, clipped back into [0, 1].

    >>> noisy = add_gaussian_noise(np.full((2, 8, 8, 1), 0.5, "float32"), stddev=0.1)
    >>> noisy.dtype, bool(noisy.min() >= 0.0), round(float(noisy.std()), 1)
    (dtype('float32'), True, 0.1)
    """
    rng = np.random.default_rng(seed)
    noisy = images + rng.normal(scale=stddev, size=images.shape)
    return np.clip(noisy, 0.0, 1.0).astype("float32")


def add_salt_and_pepper(images: np.ndarray, fraction: float = 0.15, seed: int = 0) -> np.ndarray:
    """Images with a `fraction` of pixels set to 0 or 1 at random, half each.

    >>> speckled = add_salt_and_pepper(np.full((10, 8, 8, 1), 0.5, "float32"), fraction=0.2)
    >>> sorted(np.unique(speckled).tolist()), round(float(np.mean(speckled != 0.5)), 1)
    ([0.0, 0.5, 1.0], 0.2)
    """
    rng = np.random.default_rng(seed)
    hit = rng.uniform(size=images.shape) < fraction
    salt = rng.uniform(size=images.shape) < 0.5
    return np.where(hit, salt.astype("float32"), images).astype("float32")


def compile_and_fit(
    model: keras.Model, inputs: np.ndarray, targets: np.ndarray, epochs: int, batch_size: int = 128
) -> keras.callbacks.History:
    """Adam with a large step and binary cross-entropy per pixel: a few hundred steps suffice."""
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=["mse"]
    )
    return model.fit(inputs, targets, epochs=epochs, batch_size=batch_size, verbose=0)


def train_dense_autoencoder(latent_dim: int = 2, epochs: int = 30) -> Autoencoder:
    """A dense autoencoder trained to reconstruct the training digits.

    Cached on the argument values (however they are passed), so the chapter and its figures
    share one trained model per configuration.
    """
    return _train_dense_autoencoder(latent_dim, epochs)


@cache
def _train_dense_autoencoder(latent_dim: int, epochs: int) -> Autoencoder:
    # Seeded here, not by the caller: the figures and the chapter's examples then see the
    # same model whichever of them trains it first.
    keras.utils.set_random_seed(0)
    split = load_digit_split()
    parts = build_dense_autoencoder(latent_dim)
    compile_and_fit(parts.autoencoder, split.x_train, split.x_train, epochs)
    return parts


def train_denoising_autoencoder(stddev: float = 0.3, epochs: int = 25) -> Autoencoder:
    """A convolutional autoencoder trained to map noisy training digits to clean ones.

    Every epoch sees the same noisy copies: drawing fresh noise per epoch helps a little
    more, but costs a data pipeline this small example does not need. Cached like
    `train_dense_autoencoder`.
    """
    return _train_denoising_autoencoder(float(stddev), epochs)


@cache
def _train_denoising_autoencoder(stddev: float, epochs: int) -> Autoencoder:
    keras.utils.set_random_seed(0)  # as in _train_dense_autoencoder
    split = load_digit_split()
    parts = build_conv_autoencoder()
    noisy = add_gaussian_noise(split.x_train, stddev, seed=1)
    compile_and_fit(parts.autoencoder, noisy, split.x_train, epochs)
    return parts


def mean_squared_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared difference per pixel.

    >>> mean_squared_error(np.zeros((2, 2)), np.ones((2, 2)))
    1.0
    """
    return float(np.mean((np.asarray(a, "float64") - np.asarray(b, "float64")) ** 2))


def knn_accuracy(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, k: int = 5
) -> float:
    """Test accuracy of a `k`-nearest-neighbour classifier fitted on training codes.

    >>> z = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> knn_accuracy(z, np.array([0, 0, 1, 1]), np.array([[0.05], [4.9]]), np.array([0, 1]), k=1)
    1.0
    """
    from sklearn.neighbors import KNeighborsClassifier

    classifier = KNeighborsClassifier(n_neighbors=k).fit(z_train, y_train)
    return float(classifier.score(z_test, y_test))


def knn_accuracy_by_class(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, k: int = 5
) -> np.ndarray:
    """`knn_accuracy` for each class of `y_test` separately: entry ``d`` is the fraction of
    test codes of digit ``d`` that the classifier labels ``d``.

    >>> z = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> knn_accuracy_by_class(z, np.array([0, 0, 1, 1]), np.array([[0.05], [0.2]]),
    ...                       np.array([0, 1]), k=1).tolist()
    [1.0, 0.0]
    """
    from sklearn.neighbors import KNeighborsClassifier

    predicted = KNeighborsClassifier(n_neighbors=k).fit(z_train, y_train).predict(z_test)
    classes = np.unique(y_test)
    return np.array([np.mean(predicted[y_test == c] == c) for c in classes])


def read_digits(images: np.ndarray, k: int = 5) -> np.ndarray:
    """The digit a `k`-nearest-neighbour classifier on the raw training pixels reads in each
    of `images`: a fixed reader for what a reconstruction looks like.

    >>> split = load_digit_split()
    >>> bool(np.mean(read_digits(split.x_test) == split.y_test) > 0.95)
    True
    """
    from sklearn.neighbors import KNeighborsClassifier

    split = load_digit_split()
    reader = KNeighborsClassifier(n_neighbors=k).fit(split.x_train.reshape(-1, 64), split.y_train)
    return reader.predict(np.asarray(images).reshape(len(images), 64))


def _show_rows(
    rows: list[tuple[str, np.ndarray]], title: str, n: int, labels: np.ndarray | None = None
) -> Figure:
    """One row of `n` images per entry of `rows`. With `labels`, each image is titled with
    the digit `read_digits` sees in it, in red where that is not the input's label."""
    import matplotlib.pyplot as plt

    # About 5.5 in wide for ten columns, so the titles stay readable in a phone's column.
    fig, axes = plt.subplots(len(rows), n, figsize=(0.48 * n, 0.8 * len(rows) + 0.8))
    for row, (label, images) in enumerate(rows):
        read = read_digits(images[:n]) if labels is not None else None
        for column in range(n):
            ax = axes[row, column]
            ax.imshow(images[column, ..., 0], cmap="gray_r", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if read is not None:
                wrong = read[column] != labels[column]
                ax.set_title(f"{read[column]}", fontsize=10, color="tab:red" if wrong else "black")
        axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.subplots_adjust(wspace=0.1)  # digits as wide as the column allows; titles are short
    return fig


def plot_reconstructions(n: int = 10) -> Figure:
    """Held-out digits and their reconstructions through a 2-D and a 16-D dense code, each
    titled with the digit `read_digits` sees in it."""
    split = load_digit_split()
    images = split.x_test[:n]
    rows = [("input", images)]
    misread = {}
    for latent_dim in (2, 16):
        parts = train_dense_autoencoder(latent_dim)
        reconstructions = parts.autoencoder(split.x_test).numpy()
        error = mean_squared_error(reconstructions, split.x_test)
        misread[latent_dim] = int(np.sum(read_digits(reconstructions[:n]) != split.y_test[:n]))
        rows.append((f"{latent_dim}-D code\nMSE {error:.3f}", reconstructions[:n]))
    # What the chapter says of this figure: some 2-D reconstructions are read as another
    # digit, and the 16-D code gets more of the shown digits right.
    assert misread[2] > 0 and misread[16] < misread[2], misread
    return _show_rows(
        rows, "Held-out digits through dense autoencoders\n(MSE over the test set)", n, split.y_test
    )


def plot_denoising(n: int = 10, stddev: float = 0.3) -> Figure:
    """Noisy held-out digits, the denoising autoencoder's output, and the clean digits."""
    split = load_digit_split()
    parts = train_denoising_autoencoder(stddev)
    noisy = add_gaussian_noise(split.x_test, stddev, seed=2)
    denoised = parts.autoencoder(noisy).numpy()
    rows = [
        (f"noisy\nMSE {mean_squared_error(noisy, split.x_test):.3f}", noisy[:n]),
        (f"denoised\nMSE {mean_squared_error(denoised, split.x_test):.3f}", denoised[:n]),
        ("clean", split.x_test[:n]),
    ]
    return _show_rows(
        rows, f"Gaussian noise (stddev {stddev}) removed\nby a convolutional autoencoder", n
    )


def plot_latent_space() -> Figure:
    """Held-out digits at their 2-D codes, coloured by class, with the class centroids."""
    import matplotlib.pyplot as plt

    split = load_digit_split()
    parts = train_dense_autoencoder(2)
    z_train = parts.encoder(split.x_train).numpy()
    z_test = parts.encoder(split.x_test).numpy()
    accuracy = knn_accuracy(z_train, split.y_train, z_test, split.y_test)
    by_class = knn_accuracy_by_class(z_train, split.y_train, z_test, split.y_test)
    # What the chapter says of this figure: some classes are kept apart, others overlap.
    assert by_class.max() > 0.85 and by_class.min() < 0.6, by_class
    fig, ax = plt.subplots(figsize=(5.2, 5))
    colours = plt.get_cmap("tab10")
    for digit in range(10):
        points = z_test[split.y_test == digit]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=12,
            alpha=0.75,
            color=colours(digit),
            label=f"{digit}: {by_class[digit]:.2f}",
        )
        centre = points.mean(axis=0)
        ax.annotate(
            str(digit),
            centre,
            fontsize=13,
            weight="bold",
            ha="center",
            va="center",
            color=colours(digit),
            bbox={"boxstyle": "circle", "fc": "white", "alpha": 0.8},
        )
    ax.set_xlabel("code dimension 1")
    ax.set_ylabel("code dimension 2")
    ax.set_title(
        f"2-D codes of held-out digits\n(5-NN accuracy {accuracy:.2f}, chance 0.10)", fontsize=11
    )
    ax.legend(title="digit: 5-NN accuracy", fontsize=9, title_fontsize=9, ncol=2, loc="best")
    fig.tight_layout()
    return fig
