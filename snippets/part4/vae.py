"""Variational autoencoders: the reparameterisation trick as a layer, the KL term two ways
(``add_loss`` and an overridden ``train_step``), and the figures of the "Variational
autoencoders" chapter.

Everything trains on scikit-learn's 8x8 digits, flattened to 64 pixels in [0, 1], with a
two-dimensional latent space so that the whole space fits in one figure.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from snippets.data import load_digits

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class Sampling(layers.Layer):
    """Draw ``z = mean + exp(log_var / 2) * epsilon`` with ``epsilon ~ N(0, I)``.

    The randomness enters through `epsilon` only, so ``z`` is a differentiable function of
    the mean and the log-variance: the reparameterisation trick. The layer owns a
    `keras.random.SeedGenerator`, whose state advances on every call, so each call draws new
    noise and a fixed `seed` makes the whole sequence of draws repeatable.

    >>> sampling = Sampling(seed=0)
    >>> mean, log_var = np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32")
    >>> first, second = sampling([mean, log_var]), sampling([mean, log_var])
    >>> first.shape, bool(np.any(first != second))
    (TensorShape([2, 3]), True)
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: Any) -> Any:
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed}


def gaussian_kl(z_mean: Any, z_log_var: Any) -> Any:
    """Closed-form ``KL(N(mean, exp(log_var)) || N(0, I))`` of each sample, in nats.

    Summed over the latent axis: one value per sample.

    >>> gaussian_kl(np.zeros((1, 2)), np.zeros((1, 2))).numpy().tolist()  # q equals the prior
    [0.0]
    >>> float(gaussian_kl(np.array([[1.0]]), np.array([[0.0]]))[0])  # a unit shift: 1/2
    0.5
    """
    z_mean = ops.convert_to_tensor(z_mean)
    z_log_var = ops.convert_to_tensor(z_log_var)
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def monte_carlo_kl(
    z_mean: np.ndarray, z_log_var: np.ndarray, n_samples: int = 100_000, seed: int = 0
) -> np.ndarray:
    """Estimate the same KL as `gaussian_kl` by sampling: the mean of ``log q(z) - log p(z)``
    over `n_samples` draws ``z ~ q``. Returns one estimate per row, as float64.

    >>> estimate = monte_carlo_kl(np.array([[1.0]]), np.array([[0.0]]))
    >>> bool(abs(estimate[0] - 0.5) < 0.02)
    True
    """
    rng = np.random.default_rng(seed)
    mean = np.asarray(z_mean, dtype="float64")[:, np.newaxis, :]
    std = np.exp(0.5 * np.asarray(z_log_var, dtype="float64"))[:, np.newaxis, :]
    epsilon = rng.standard_normal((mean.shape[0], n_samples, mean.shape[-1]))
    z = mean + std * epsilon
    # Both densities are diagonal Gaussians; their log(2 pi) terms cancel in the difference.
    log_q = np.sum(-0.5 * epsilon**2 - np.log(std), axis=-1)
    log_p = np.sum(-0.5 * z**2, axis=-1)
    return np.mean(log_q - log_p, axis=-1)


def reconstruction_loss(x: Any, reconstruction: Any) -> Any:
    """Bernoulli negative log-likelihood of each image, summed over its pixels.

    ``binary_crossentropy`` averages over the last axis, so multiply by the number of
    pixels: the ELBO needs ``log p(x | z)`` of the whole image, not of an average pixel.

    >>> x = np.array([[1.0, 0.0]])
    >>> round(float(reconstruction_loss(x, np.array([[0.5, 0.5]]))[0]), 4)  # 2 * log 2
    1.3863
    """
    x = ops.convert_to_tensor(x)
    pixels = x.shape[-1]
    return pixels * keras.losses.binary_crossentropy(x, reconstruction)


class KLDivergenceLayer(layers.Layer):
    """Pass ``[z_mean, z_log_var]`` through unchanged and ``add_loss`` their mean KL.

    This is the Keras 3 way to put the KL term inside a Functional model: `add_loss` is
    called inside a layer's `call`, on real tensors, and the loss appears in the layer's
    (and every enclosing model's) `losses` after each call.

    >>> kl_layer = KLDivergenceLayer()
    >>> _ = kl_layer([np.array([[1.0]], "float32"), np.array([[0.0]], "float32")])
    >>> [float(loss) for loss in kl_layer.losses]
    [0.5]
    """

    def __init__(self, weight: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.weight = weight

    def call(self, inputs: Any) -> Any:
        z_mean, z_log_var = inputs
        self.add_loss(self.weight * ops.mean(gaussian_kl(z_mean, z_log_var)))
        return z_mean, z_log_var

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "weight": self.weight}


def build_encoder(latent_dim: int = 2, hidden_units: int = 128, seed: int = 0) -> keras.Model:
    """The encoder ``q(z | x)``: 64 pixels to a mean, a log-variance and a sample ``z``.

    >>> [tuple(t.shape) for t in build_encoder().outputs]
    [(None, 2), (None, 2), (None, 2)]
    """
    images = keras.Input((64,), name="images")
    hidden = layers.Dense(hidden_units, activation="relu")(images)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)
    z = Sampling(seed=seed, name="sampling")([z_mean, z_log_var])
    return keras.Model(images, [z_mean, z_log_var, z], name="encoder")


def build_decoder(latent_dim: int = 2, hidden_units: int = 128) -> keras.Model:
    """The decoder ``p(x | z)``: a latent vector to 64 pixel probabilities.

    >>> build_decoder().output.shape
    (None, 64)
    """
    z = keras.Input((latent_dim,), name="z")
    hidden = layers.Dense(hidden_units, activation="relu")(z)
    pixels = layers.Dense(64, activation="sigmoid", name="pixels")(hidden)
    return keras.Model(z, pixels, name="decoder")


def build_add_loss_vae(latent_dim: int = 2, hidden_units: int = 128, seed: int = 0) -> keras.Model:
    """A VAE as one Functional model: the KL term comes from `KLDivergenceLayer.add_loss`.

    Compile it with `reconstruction_loss` and fit it on ``(x, x)``; `compute_loss` adds the
    KL term that the layer left in `model.losses`.

    >>> model = build_add_loss_vae()
    >>> model.output.shape, [layer.name for layer in model.layers][2:5]
    ((None, 64), ['z_mean', 'z_log_var', 'kl'])
    """
    images = keras.Input((64,), name="images")
    hidden = layers.Dense(hidden_units, activation="relu")(images)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)
    z_mean, z_log_var = KLDivergenceLayer(name="kl")([z_mean, z_log_var])
    z = Sampling(seed=seed, name="sampling")([z_mean, z_log_var])
    hidden = layers.Dense(hidden_units, activation="relu")(z)
    pixels = layers.Dense(64, activation="sigmoid", name="pixels")(hidden)
    return keras.Model(images, pixels, name="add_loss_vae")


class VAE(keras.Model):
    """A VAE whose overridden `train_step` computes and tracks both terms of the loss.

    ``loss = reconstruction + beta * KL``, averaged over the batch. The three trackers are
    listed in `metrics`, so `fit` resets them at each epoch and reports each one.
    """

    def __init__(
        self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = beta
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def call(self, images: Any, training: bool = False) -> Any:
        _, _, z = self.encoder(images, training=training)
        return self.decoder(z, training=training)

    def _loss_terms(self, images: Any, training: bool) -> tuple[Any, Any, Any]:
        z_mean, z_log_var, z = self.encoder(images, training=training)
        reconstruction = self.decoder(z, training=training)
        reconstruction_term = ops.mean(reconstruction_loss(images, reconstruction))
        kl_term = ops.mean(gaussian_kl(z_mean, z_log_var))
        return reconstruction_term + self.beta * kl_term, reconstruction_term, kl_term

    def _update_trackers(self, total: Any, reconstruction: Any, kl: Any) -> dict[str, Any]:
        self.loss_tracker.update_state(total)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data: Any) -> dict[str, Any]:
        # `fit(x)` without targets still hands train_step a tuple on some paths: unpack it.
        images = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            total, reconstruction, kl = self._loss_terms(images, training=True)
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply(gradients, self.trainable_weights)
        return self._update_trackers(total, reconstruction, kl)

    def test_step(self, data: Any) -> dict[str, Any]:
        images = data[0] if isinstance(data, tuple) else data
        return self._update_trackers(*self._loss_terms(images, training=False))


@functools.cache
def train_vae(epochs: int = 20, latent_dim: int = 2, beta: float = 1.0) -> tuple[VAE, dict]:
    """Train a `VAE` on all 1,797 digits once per process; return it and its history.

    Cached, so the chapter's examples and figures share one trained model.
    """
    keras.utils.set_random_seed(0)
    images, _ = load_digits(flat=True)
    vae = VAE(build_encoder(latent_dim), build_decoder(latent_dim), beta=beta)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = vae.fit(images, epochs=epochs, batch_size=64, verbose=0)
    return vae, history.history


def sample_prior(decoder: keras.Model, n: int, seed: int = 0) -> np.ndarray:
    """Decode `n` draws ``z ~ N(0, I)``: new digits from the prior. Returns ``(n, 64)``.

    >>> sample_prior(build_decoder(), 5).shape
    (5, 64)
    """
    latent_dim = decoder.input.shape[-1]
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")
    return ops.convert_to_numpy(decoder(z))


def tile(images: np.ndarray, n_rows: int, n_cols: int, gap: int = 1) -> np.ndarray:
    """Tile ``n_rows * n_cols`` flat 8x8 images into one picture, row by row, with `gap`
    blank (zero) pixels between neighbours so that the digits stay apart.

    >>> tile(np.ones((6, 64)), 2, 3).shape  # 2 * 8 + 1 rows, 3 * 8 + 2 columns
    (17, 26)
    """
    size = 8 + gap
    canvas = np.zeros((n_rows * size - gap, n_cols * size - gap), dtype="float32")
    for index, image in enumerate(np.asarray(images)[: n_rows * n_cols]):
        row, col = divmod(index, n_cols)
        canvas[row * size : row * size + 8, col * size : col * size + 8] = image.reshape(8, 8)
    return canvas


def latent_grid(decoder: keras.Model, n: int = 15, limit: float = 2.0) -> np.ndarray:
    """Decode an ``n x n`` grid of 2-D latent points in ``[-limit, limit]^2`` and `tile` the
    images into one picture; the top row is the largest second coordinate.

    >>> latent_grid(build_decoder(), n=3).shape
    (26, 26)
    """
    values = np.linspace(-limit, limit, n, dtype="float32")
    z = np.array([[a, b] for b in values[::-1] for a in values], dtype="float32")
    return tile(ops.convert_to_numpy(decoder(z)), n, n)


def plot_prior_samples(n_rows: int = 6, n_cols: int = 8) -> Figure:
    """Real digits above digits decoded from ``z ~ N(0, I)`` by the trained VAE."""
    import matplotlib.pyplot as plt

    vae, _ = train_vae()
    images, _ = load_digits(flat=True)
    samples = sample_prior(vae.decoder, n_rows * n_cols, seed=1)
    real = images[np.random.default_rng(1).choice(len(images), n_rows * n_cols, replace=False)]
    # Stacked, not side by side, so the figure stays readable in a phone's column.
    fig, axes = plt.subplots(2, 1, figsize=(4.6, 7.4))
    for ax, batch, title in zip(
        axes, (real, samples), ("Real digits", "Decoded from z ~ N(0, I)"), strict=True
    ):
        ax.imshow(tile(batch, n_rows, n_cols), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_latent_space(n: int = 12, limit: float = 2.0) -> Figure:
    """Top: the posterior means of all digits, coloured by class. Bottom: the decoded grid
    over the same square of the latent space."""
    import matplotlib.pyplot as plt

    vae, _ = train_vae()
    images, labels = load_digits(flat=True)
    z_mean, _, _ = vae.encoder.predict(images, verbose=0)
    # What the chapter says of this figure: most posterior means lie inside the plotted square.
    assert np.mean(np.all(np.abs(z_mean) < limit, axis=1)) > 0.9
    # Stacked, not side by side, so the figure stays readable in a phone's column.
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(4.8, 8.8))
    scatter = top.scatter(z_mean[:, 0], z_mean[:, 1], c=labels, cmap="tab10", s=6)
    top.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
    top.set(xlabel="$z_1$", ylabel="$z_2$", title="Posterior means, by digit")
    fig.colorbar(scatter, ax=top, ticks=range(10), label="digit")
    # An invisible colorbar beside the grid gives it the width of the scatter plot above.
    fig.colorbar(scatter, ax=bottom).ax.set_visible(False)
    bottom.imshow(
        latent_grid(vae.decoder, n, limit),
        cmap="gray_r",
        extent=(-limit, limit, -limit, limit),
        vmin=0,
        vmax=1,
    )
    bottom.set(xlabel="$z_1$", ylabel="$z_2$", title=f"Decoded {n} x {n} grid")
    fig.tight_layout()
    return fig


def plot_loss_curves() -> Figure:
    """The two terms of the loss per epoch: reconstruction falls, KL dips, then rises."""
    import matplotlib.pyplot as plt

    _, history = train_vae()
    # What the chapter says of this figure: the KL dips in the first epochs, then rises
    # past its starting value.
    kl = np.asarray(history["kl_loss"])
    assert int(np.argmin(kl)) < 5 and kl[-1] > kl[0] > kl.min(), kl
    epochs = np.arange(1, len(history["loss"]) + 1)
    # Stacked, sharing the epoch axis, so the figure stays readable in a phone's column.
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.2, 6.4), sharex=True)
    top.plot(epochs, history["reconstruction_loss"], "o-", label="reconstruction")
    top.plot(epochs, history["loss"], "s--", label="total (negative ELBO)")
    top.set(ylabel="nats per image", title="Reconstruction and total")
    top.legend(fontsize=9)
    bottom.plot(epochs, history["kl_loss"], "o-", color="tab:red", label="KL(q(z|x) || p(z))")
    bottom.set(xlabel="epoch", ylabel="nats per image", title="KL term")
    bottom.legend(fontsize=9)
    fig.tight_layout()
    return fig
