"""Generative adversarial networks: a DCGAN on scikit-learn's 8x8 digits with a custom
``train_step`` and two optimizers, the measurements that judge it (a digits classifier's
label histogram and score, sample diversity), and the figures of the "GANs" chapter.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from snippets.data import load_digits, train_test_split

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LATENT_DIM = 16


def load_gan_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as ``(n, 8, 8, 1)`` float32 images scaled to [-1, 1], and labels.

    The generator ends in ``tanh``, so the real images use the same range.

    >>> images, labels = load_gan_digits()
    >>> images.shape, float(images.min()), float(images.max())
    ((1797, 8, 8, 1), -1.0, 1.0)
    """
    images, labels = load_digits()
    return images * 2.0 - 1.0, labels


def build_generator(latent_dim: int = LATENT_DIM) -> keras.Sequential:
    """A tiny DCGAN generator: noise to a 4x4 feature map, one transposed convolution up to
    8x8, and a ``tanh`` convolution down to one channel.

    >>> build_generator().output_shape
    (None, 8, 8, 1)
    """
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(4 * 4 * 32),
            layers.LeakyReLU(0.2),
            layers.Reshape((4, 4, 32)),
            layers.Conv2DTranspose(16, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(1, 3, padding="same", activation="tanh"),
        ],
        name="generator",
    )


def build_discriminator() -> keras.Sequential:
    """A tiny DCGAN discriminator: two strided convolutions and one logit (no sigmoid; the
    loss takes logits, which is more stable than probabilities near 0 and 1).

    >>> build_discriminator().output_shape
    (None, 1)
    """
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(32, 3, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Flatten(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


class GAN(keras.Model):
    """A GAN whose `train_step` alternates one discriminator step and one generator step.

    `compile` takes one optimizer per network. `real_label` below 1 is one-sided label
    smoothing; `noise_stddev` adds Gaussian "instance noise" to every image the
    discriminator sees. Four trackers report the two losses and the discriminator's mean
    probability on real and on generated images.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        real_label: float = 1.0,
        noise_stddev: float = 0.0,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = generator.inputs[0].shape[-1]
        self.real_label = real_label
        self.noise_stddev = noise_stddev
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.real_score_tracker = keras.metrics.Mean(name="d_real")
        self.fake_score_tracker = keras.metrics.Mean(name="d_fake")

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer,
        g_optimizer: keras.optimizers.Optimizer,
        **kwargs: Any,
    ) -> None:
        # The base compile knows one optimizer; keep it for its bookkeeping (it marks the
        # model compiled) and store the two that train_step uses.
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.real_score_tracker,
            self.fake_score_tracker,
        ]

    def call(self, z: Any, training: bool = False) -> Any:
        return self.generator(z, training=training)

    def _noisy(self, images: Any) -> Any:
        if self.noise_stddev == 0.0:
            return images
        noise = keras.random.normal(ops.shape(images), seed=self.seed_generator)
        return images + self.noise_stddev * noise

    def train_step(self, real_images: Any) -> dict[str, Any]:
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = ops.shape(real_images)[0]

        # 1. The discriminator: real images toward `real_label`, generated ones toward 0.
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake_images = self.generator(z, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(self._noisy(real_images), training=True)
            fake_logits = self.discriminator(self._noisy(fake_images), training=True)
            real_loss = self.bce(ops.full_like(real_logits, self.real_label), real_logits)
            fake_loss = self.bce(ops.zeros_like(fake_logits), fake_logits)
            d_loss = real_loss + fake_loss
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(d_loss, d_weights), d_weights)

        # 2. The generator: fresh noise, and labels that say "real" (the non-saturating loss).
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            generated = self.generator(z, training=True)
            logits = self.discriminator(self._noisy(generated), training=True)
            g_loss = self.bce(ops.ones_like(logits), logits)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.real_score_tracker.update_state(ops.sigmoid(real_logits))
        self.fake_score_tracker.update_state(ops.sigmoid(fake_logits))
        return {metric.name: metric.result() for metric in self.metrics}


class SampleRecorder(keras.callbacks.Callback):
    """Record the generator's output on one fixed batch of noise at the end of chosen epochs.

    Fixed noise makes the snapshots comparable: the same codes, decoded by the generator as
    it was after each epoch.
    """

    def __init__(self, epochs: tuple[int, ...], n_samples: int = 32, seed: int = 1) -> None:
        super().__init__()
        self.epochs = epochs
        self.noise = np.random.default_rng(seed).standard_normal((n_samples, LATENT_DIM))
        self.noise = self.noise.astype("float32")
        self.snapshots: dict[int, np.ndarray] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 in self.epochs:
            images = self.model.generator(self.noise, training=False)
            self.snapshots[epoch + 1] = ops.convert_to_numpy(images)


@functools.cache
def train_gan(epochs: int = 20) -> tuple[GAN, dict, dict[int, np.ndarray]]:
    """Train the DCGAN on all digits once per process (cached); return the model, its
    history and the `SampleRecorder` snapshots at epochs 1, 3, 8 and `epochs`."""
    keras.utils.set_random_seed(0)
    images, _ = load_gan_digits()
    gan = GAN(build_generator(), build_discriminator())
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
    )
    recorder = SampleRecorder(epochs=(1, 3, 8, epochs))
    history = gan.fit(images, epochs=epochs, batch_size=64, verbose=0, callbacks=[recorder])
    return gan, history.history, recorder.snapshots


@functools.cache
def train_digit_classifier() -> tuple[keras.Sequential, float]:
    """A small digits classifier on [-1, 1] images, the judge of generated samples.

    Trained on 80 % of the digits; returns the model and its accuracy on the other 20 %.
    """
    keras.utils.set_random_seed(0)
    images, labels = load_gan_digits()
    x_train, x_test, y_train, y_test = train_test_split(images, labels)
    classifier = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="digit_classifier",
    )
    classifier.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    classifier.fit(x_train, y_train, epochs=12, batch_size=128, verbose=0)
    _, accuracy = classifier.evaluate(x_test, y_test, verbose=0)
    return classifier, float(accuracy)


def generate(generator: keras.Model, n: int, seed: int = 0) -> np.ndarray:
    """`n` images from `generator`, decoded from ``z ~ N(0, I)`` drawn with NumPy's `seed`.

    >>> generate(build_generator(), 3).shape
    (3, 8, 8, 1)
    """
    latent_dim = generator.inputs[0].shape[-1]
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")
    return ops.convert_to_numpy(generator(z))


def class_histogram(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """How many of `images` the classifier assigns to each of the 10 digits.

    >>> classifier = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(),
    ...                                layers.Dense(10, activation="softmax")])
    >>> int(class_histogram(classifier, np.zeros((5, 8, 8, 1))).sum())
    5
    """
    probabilities = classifier.predict(images, verbose=0)
    return np.bincount(probabilities.argmax(axis=1), minlength=10)


def classifier_score(classifier: keras.Model, images: np.ndarray) -> float:
    """The Inception Score with a digits classifier in place of Inception:
    ``exp(mean KL(p(y | x) || p(y)))``.

    It is high (up to 10) when each image is classified confidently *and* the classes are
    spread evenly; 1 when every image gets the same class distribution.

    >>> classifier = keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(),
    ...                                layers.Dense(10, activation="softmax")])
    >>> classifier_score(classifier, np.zeros((4, 8, 8, 1)))  # identical images: score 1
    1.0
    """
    probabilities = classifier.predict(images, verbose=0).astype("float64")
    marginal = probabilities.mean(axis=0, keepdims=True)
    kl = np.sum(probabilities * (np.log(probabilities + 1e-12) - np.log(marginal + 1e-12)), axis=1)
    return float(np.round(np.exp(kl.mean()), 6))


def mean_pairwise_distance(images: np.ndarray) -> float:
    """The mean Euclidean distance between all pairs of `images`: a diversity measure that
    drops toward 0 when a generator collapses onto a few outputs.

    >>> mean_pairwise_distance(np.zeros((3, 8, 8, 1)))
    0.0
    >>> mean_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0]]))
    5.0
    """
    flat = np.asarray(images, dtype="float64").reshape(len(images), -1)
    squared = np.sum((flat[:, None, :] - flat[None, :, :]) ** 2, axis=-1)
    distances = np.sqrt(squared[np.triu_indices(len(flat), k=1)])
    return float(distances.mean())


def _tile(images: np.ndarray, n_rows: int, n_cols: int, gap: int = 1) -> np.ndarray:
    """Tile 8x8 images (in [-1, 1]) into one picture with blank gaps between them."""
    size = 8 + gap
    canvas = np.full((n_rows * size - gap, n_cols * size - gap), -1.0, dtype="float32")
    for index, image in enumerate(np.asarray(images)[: n_rows * n_cols]):
        row, col = divmod(index, n_cols)
        canvas[row * size : row * size + 8, col * size : col * size + 8] = image.reshape(8, 8)
    return canvas


def snapshot_statistics(images: np.ndarray) -> tuple[float, float]:
    """How much a batch of generated images differs from code to code (the standard
    deviation across the batch, per pixel, averaged over pixels) and the fraction of its
    pixels near black or white (``|x| > 0.8`` on the [-1, 1] scale), rounded to 2 places.

    >>> snapshot_statistics(np.ones((4, 8, 8, 1)))
    (0.0, 1.0)
    """
    images = np.asarray(images, dtype="float64")
    spread = float(images.std(axis=0).mean())
    contrast = float(np.mean(np.abs(images) > 0.8))
    return round(spread, 2), round(contrast, 2)


def plot_samples_over_training(n_rows: int = 4, n_cols: int = 4) -> Figure:
    """The same 16 noise vectors decoded by the generator after several epochs."""
    import matplotlib.pyplot as plt

    _, _, snapshots = train_gan()
    # What the chapter says of this figure: after epoch 1 the samples are grey and alike;
    # by epoch 3 they differ from code to code and are mostly black and white.
    (spread_1, contrast_1), (spread_3, contrast_3) = (
        snapshot_statistics(snapshots[1]),
        snapshot_statistics(snapshots[3]),
    )
    assert spread_1 < 0.6 * spread_3 and contrast_1 < 0.3 < 0.5 < contrast_3
    real, _ = load_gan_digits()
    panels = [(f"after epoch {epoch}", images) for epoch, images in sorted(snapshots.items())]
    panels.append(("real digits", real[np.random.default_rng(2).choice(len(real), 16)]))
    # Three grids above two, the real digits bottom right: readable in a phone's column.
    fig, axes = plt.subplot_mosaic("AABBCC;.DDEE.", figsize=(5.4, 4.4))
    for ax, (title, images) in zip(axes.values(), panels, strict=True):
        ax.imshow(_tile(images, n_rows, n_cols), cmap="gray_r", vmin=-1, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.suptitle("Generator output on fixed noise", fontsize=11)
    fig.tight_layout()
    return fig


def plot_training_dynamics() -> Figure:
    """Top: the two losses per epoch against their equilibrium values. Bottom: the
    discriminator's mean probability on real and on generated images."""
    import matplotlib.pyplot as plt

    _, history, _ = train_gan()
    # What the chapter says of this figure: the discriminator wins the first epoch; from the
    # third on, its loss stays within 0.1 of log 4 and the generator's within 0.25 above log 2.
    d_loss, g_loss = np.asarray(history["d_loss"]), np.asarray(history["g_loss"])
    assert history["d_real"][0] - history["d_fake"][0] > 0.1 and d_loss[0] < np.log(4) - 0.2
    assert np.all(np.abs(d_loss[2:] - np.log(4)) < 0.1)
    assert np.all((g_loss[2:] > np.log(2)) & (g_loss[2:] < np.log(2) + 0.25))
    epochs = np.arange(1, len(history["d_loss"]) + 1)
    # Stacked, sharing the epoch axis, so the figure stays readable in a phone's column.
    fig, (left, right) = plt.subplots(2, 1, figsize=(5.2, 6.6), sharex=True)
    left.plot(epochs, history["d_loss"], "o-", label="discriminator loss")
    left.plot(epochs, history["g_loss"], "s-", label="generator loss")
    left.axhline(np.log(4.0), color="tab:blue", linestyle=":", label="log 4 (D = 1/2)")
    left.axhline(np.log(2.0), color="tab:orange", linestyle=":", label="log 2 (D = 1/2)")
    left.set(ylabel="binary cross-entropy", title="The two losses")
    left.legend(fontsize=9)
    right.plot(epochs, history["d_real"], "o-", color="tab:green", label="D(real)")
    right.plot(epochs, history["d_fake"], "s-", color="tab:red", label="D(G(z))")
    right.axhline(0.5, color="gray", linestyle=":", label="1/2")
    right.set(xlabel="epoch", ylabel="mean probability 'real'", ylim=(0, 1))
    right.set_title("What the discriminator believes")
    right.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_class_histograms() -> Figure:
    """The classifier's label histogram for real digits, GAN samples and a collapsed
    generator's samples."""
    import matplotlib.pyplot as plt

    gan, _, _ = train_gan()
    classifier, _ = train_digit_classifier()
    real, _ = load_gan_digits()
    samples = generate(gan.generator, 500, seed=3)
    collapsed = collapsed_samples(real, 500)
    # What the chapter says of this figure: the GAN covers every class, unevenly (the rarest
    # below half an even share, the commonest above 1.4 times it); the collapsed set two.
    histogram = class_histogram(classifier, samples)
    assert histogram.min() < 0.5 * 50 and histogram.max() > 1.4 * 50, histogram
    assert np.count_nonzero(class_histogram(classifier, collapsed)) == 2
    # Stacked, sharing both axes, so the figure stays readable in a phone's column.
    fig, axes = plt.subplots(3, 1, figsize=(5.2, 7), sharex=True, sharey=True)
    for ax, (title, images) in zip(
        axes,
        (
            ("real digits", real[:500]),
            ("GAN samples", samples),
            ("a collapsed generator", collapsed),
        ),
        strict=True,
    ):
        ax.bar(range(10), class_histogram(classifier, images) / len(images))
        ax.set(title=title, xticks=range(10), ylabel="fraction of images")
    axes[-1].set_xlabel("predicted digit")
    fig.tight_layout()
    return fig


def collapsed_samples(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """What a collapsed generator produces: two real digits (a 3 and a 7), each repeated
    with a little noise. A stand-in for the real failure, which needs long, unstable
    training to show.

    >>> real, _ = load_gan_digits()
    >>> collapsed_samples(real, 10).shape
    (10, 8, 8, 1)
    """
    rng = np.random.default_rng(seed)
    modes = real[[3, 7]]  # the data's first 3 and first 7
    picks = modes[rng.integers(0, len(modes), size=n)]
    noisy = picks + rng.normal(scale=0.05, size=picks.shape)
    return np.clip(noisy, -1.0, 1.0).astype("float32")
