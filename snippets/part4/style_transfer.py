"""Neural style transfer: Gram matrices, content, style and total-variation losses, and an
image optimised as a `tf.Variable`, with the figures of the "Neural style transfer" chapter.

The handbook cannot download ImageNet weights, so the default feature extractor is a small
VGG-shaped network with *random*, fixed filters (random features carry texture statistics:
Ustyuzhaninov et al., 2016; He et al., 2016). `build_vgg19_extractor` is the real VGG19 path
with the paper's layers; give it a weights file and it runs the same code (close to the
paper's method, not identical: see `build_vgg19_extractor`).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import keras
import numpy as np
import tensorflow as tf
from keras import layers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The random extractor's layers follow VGG's names, so the same loss code serves both.
STYLE_LAYERS = ("pixels", "block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
CONTENT_LAYERS = ("block3_conv2",)
# Gatys et al. (2016) match style at conv1_1 to conv5_1 and content at conv4_2 of VGG19,
# which Keras names block1_conv1 ... block5_conv1 and block4_conv2. (TensorFlow's style
# transfer tutorial uses the same style layers, and block5_conv2 for content.)
VGG_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
VGG_CONTENT_LAYERS = ("block4_conv2",)


def load_style_transfer_images(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """The content image (Chelsea the cat) and the style image (a stained-tissue texture).

    Both come as ``(1, size, size, 3)`` float32 batches in [0, 1]. The style image is a
    crop of scikit-image's immunohistochemistry sample, which is a texture at this scale.

    >>> content, style = load_style_transfer_images(size=32)
    >>> content.shape, style.shape, content.dtype
    ((1, 32, 32, 3), (1, 32, 32, 3), dtype('float32'))
    """
    from snippets.data.images import load_image, random_crops

    content = load_image("chelsea", size=size)[np.newaxis]
    style = random_crops("immunohistochemistry", n=1, size=size, scale=3 * size, seed=0)
    return content, style


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """Channel-by-channel inner products of a feature map, averaged over positions.

    For features of shape ``(batch, height, width, channels)`` the result has shape
    ``(batch, channels, channels)``: entry ``[b, c, d]`` is the mean over all positions of
    ``features[b, ..., c] * features[b, ..., d]``. Where a feature fired is summed away;
    which features fire *together* remains.

    >>> features = tf.random.stateless_normal((2, 5, 7, 3), seed=(1, 2))
    >>> gram = gram_matrix(features)
    >>> gram.shape
    TensorShape([2, 3, 3])
    >>> flat = tf.reshape(features, (2, 35, 3))
    >>> bool(np.allclose(gram, tf.matmul(flat, flat, transpose_a=True) / 35, atol=1e-6))
    True
    """
    features = tf.convert_to_tensor(features)
    tf.debugging.assert_rank(features, 4, message="gram_matrix expects (batch, h, w, c)")
    gram = tf.linalg.einsum("bijc,bijd->bcd", features, features)
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], gram.dtype)
    return gram / positions


def build_random_feature_extractor(
    widths: tuple[int, ...] = (16, 32, 64, 64), seed: int = 0
) -> keras.Model:
    """A VGG-shaped network with random, frozen filters that returns a dict of feature maps.

    Colour is kept out of the convolutions: the ``"pixels"`` output is the image scaled to
    [-1, 1] (its Gram matrix holds the colour statistics), and the convolutions see the
    luminance only, so matching their statistics changes texture, not hue. Block ``b`` has
    ``widths[b - 1]`` filters and works at 1/2**(b-1) of the input resolution; the filters
    are He-normal with a fixed seed and never trained.

    >>> extractor = build_random_feature_extractor()
    >>> outputs = extractor(np.zeros((1, 64, 64, 3), "float32"))
    >>> {name: tuple(outputs[name].shape) for name in ("pixels", "block4_conv1")}
    {'pixels': (1, 64, 64, 3), 'block4_conv1': (1, 8, 8, 64)}
    """
    initializer = keras.initializers.HeNormal(seed=seed)
    image = keras.Input((None, None, 3), name="image")
    pixels = layers.Rescaling(2.0, offset=-1.0, name="pixels")(image)
    luminance = layers.Dense(
        1,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant([[0.299], [0.587], [0.114]]),
        name="luminance",
    )(pixels)
    outputs = {"pixels": pixels}
    x = luminance
    for block, width in enumerate(widths, start=1):
        if block > 1:
            x = layers.AveragePooling2D(2, name=f"block{block - 1}_pool")(x)
        for index in (1, 2) if block < len(widths) else (1,):
            name = f"block{block}_conv{index}"
            x = layers.Conv2D(
                width,
                3,
                padding="same",
                activation="relu",
                kernel_initializer=initializer,
                name=name,
            )(x)
            outputs[name] = x
    extractor = keras.Model(image, outputs, name="random_features")
    extractor.trainable = False
    return extractor


def build_vgg19_extractor(
    weights: str | None,
    size: int,
    style_layers: tuple[str, ...] = VGG_STYLE_LAYERS,
    content_layers: tuple[str, ...] = VGG_CONTENT_LAYERS,
) -> keras.Model:
    """VGG19's convolutional base, loaded from `weights`, returning the named feature maps.

    `weights` is a path to a weights file that ``load_weights`` reads (the ImageNet
    ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` if you have it, or a
    ``.weights.h5`` you saved) or ``None`` for random initialisation. The model takes
    images in [0, 1] and applies VGG's own preprocessing (RGB to BGR, ImageNet means
    subtracted on the 0-255 scale) inside.

    With the ImageNet file this is close to Gatys et al. (2016), not the same: Keras's VGG19
    keeps max pooling (the paper swaps in average pooling) and its weights are not the
    paper's rescaled ones (each filter's mean activation normalised to 1), and the losses
    here are normalised differently (see `style_loss`, `content_loss`).
    """
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(size, size, 3))
    vgg.trainable = False
    image = keras.Input((size, size, 3), name="image")
    preprocessed = keras.applications.vgg19.preprocess_input(image * 255.0)
    features = keras.Model(
        vgg.input, {name: vgg.get_layer(name).output for name in style_layers + content_layers}
    )
    return keras.Model(image, features(preprocessed), name="vgg19_features")


def style_loss(outputs: dict, style_grams: dict) -> tf.Tensor:
    """Mean over style layers of the squared Gram difference, relative to the style's Gram.

    Dividing by the style Gram's mean square puts every layer on the same scale, so no layer
    dominates because its activations happen to be large.
    """
    terms = [
        tf.reduce_mean(tf.square(gram_matrix(outputs[name]) - target))
        / tf.reduce_mean(tf.square(target))
        for name, target in style_grams.items()
    ]
    return tf.add_n(terms) / len(terms)


def content_loss(outputs: dict, content_features: dict) -> tf.Tensor:
    """Mean squared feature difference at the content layers, relative to the content's."""
    terms = [
        tf.reduce_mean(tf.square(outputs[name] - target)) / tf.reduce_mean(tf.square(target))
        for name, target in content_features.items()
    ]
    return tf.add_n(terms) / len(terms)


def total_variation_loss(image: tf.Tensor) -> tf.Tensor:
    """`tf.image.total_variation` per pixel value: mean vertical plus mean horizontal step."""
    image = tf.convert_to_tensor(image)  # total_variation itself does not convert NumPy
    values = tf.cast(tf.reduce_prod(tf.shape(image)[1:]), image.dtype)
    return tf.reduce_mean(tf.image.total_variation(image)) / values


def make_style_transfer_step(
    extractor: keras.Model,
    image: tf.Variable,
    content: np.ndarray,
    style: np.ndarray,
    optimizer: keras.optimizers.Optimizer,
    content_weight: float = 0.3,
    tv_weight: float = 0.3,
    style_layers: tuple[str, ...] = STYLE_LAYERS,
    content_layers: tuple[str, ...] = CONTENT_LAYERS,
):
    """A compiled step that moves `image` one optimizer step down the total loss.

    The targets are computed once, outside the step. The tape watches the image only, and the
    gradient is taken for the image alone. After the update the image is
    clipped back into [0, 1] with `assign`. The step returns the three loss terms.
    """
    style_outputs = extractor(style)
    content_outputs = extractor(content)
    style_grams = {name: gram_matrix(style_outputs[name]) for name in style_layers}
    content_features = {name: content_outputs[name] for name in content_layers}

    @tf.function
    def train_step():
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(image)
            outputs = extractor(image)
            s_loss = style_loss(outputs, style_grams)
            c_loss = content_loss(outputs, content_features)
            tv_loss = total_variation_loss(image)
            loss = s_loss + content_weight * c_loss + tv_weight * tv_loss
        gradient = tape.gradient(loss, image)
        optimizer.apply([gradient], [image])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return {"style": s_loss, "content": c_loss, "total_variation": tv_loss}

    return train_step


class StyleTransferResult(NamedTuple):
    """The inputs, the optimised image and the loss of every step."""

    content: np.ndarray
    style: np.ndarray
    image: np.ndarray
    history: dict[str, np.ndarray]


def run_style_transfer(
    steps: int = 120,
    size: int = 64,
    content_weight: float = 0.3,
    tv_weight: float = 0.3,
    learning_rate: float = 0.02,
) -> StyleTransferResult:
    """Optimise the content image towards the style's statistics with the random extractor.

    Cached on the argument values, however they are passed: the chapter's examples and both
    figures share one run.
    """
    return _run_style_transfer(steps, size, content_weight, tv_weight, learning_rate)


@cache
def _run_style_transfer(
    steps: int, size: int, content_weight: float, tv_weight: float, learning_rate: float
) -> StyleTransferResult:
    content, style = load_style_transfer_images(size)
    extractor = build_random_feature_extractor()
    image = tf.Variable(content, name="image")
    optimizer = keras.optimizers.Adam(learning_rate)
    step = make_style_transfer_step(
        extractor, image, content, style, optimizer, content_weight, tv_weight
    )
    # Step 0 records the losses of the starting image (the optimizer moves it afterwards).
    history = {"style": [], "content": [], "total_variation": []}
    for _ in range(steps):
        for name, value in step().items():
            history[name].append(float(value))
    arrays = {name: np.array(values) for name, values in history.items()}
    return StyleTransferResult(content, style, image.numpy(), arrays)


def gram_distance(
    extractor: keras.Model,
    a: np.ndarray,
    b: np.ndarray,
    style_layers: tuple[str, ...] = STYLE_LAYERS,
) -> float:
    """The style loss of image `a` measured against image `b`'s Gram matrices."""
    targets = {name: gram_matrix(t) for name, t in extractor(b).items() if name in style_layers}
    return float(style_loss(extractor(a), targets))


def layout_correlation(a: np.ndarray, b: np.ndarray, block: int = 8) -> float:
    """Correlation of two images' luminance averaged over `block` by `block` squares: how
    much of the coarse light and dark layout they share (1 for the same layout).

    >>> image = np.random.default_rng(0).uniform(size=(1, 32, 32, 3)).astype("float32")
    >>> round(layout_correlation(image, image), 6)
    1.0
    """

    def coarse(image: np.ndarray) -> np.ndarray:
        luminance = np.asarray(image)[0] @ np.array([0.299, 0.587, 0.114])
        h, w = luminance.shape
        return luminance.reshape(h // block, block, w // block, block).mean(axis=(1, 3)).ravel()

    return float(np.corrcoef(coarse(a), coarse(b))[0, 1])


def plot_style_transfer(steps: int = 120) -> Figure:
    """Content, style and result side by side."""
    import matplotlib.pyplot as plt

    result = run_style_transfer(steps=steps)
    # What the chapter says of this figure: the result's mean colour is the style's, within
    # 0.1 per channel, and its coarse light and dark layout is still the photograph's.
    colour_gap = np.abs(result.image.mean(axis=(0, 1, 2)) - result.style.mean(axis=(0, 1, 2)))
    assert colour_gap.max() < 0.1, colour_gap
    assert layout_correlation(result.image, result.content) > 0.8
    fig, axes = plt.subplots(1, 3, figsize=(5.6, 3.1))
    panels = (
        (result.content, "Content:\nscikit-image's chelsea"),
        (result.style, "Style:\nimmunohistochemistry"),
        (result.image, f"Result after\n{steps} Adam steps"),
    )
    for ax, (image, title) in zip(axes, panels, strict=True):
        ax.imshow(image[0], interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Style transfer with random VGG-shaped features,\n64x64 pixels", fontsize=11)
    fig.tight_layout()
    return fig


def plot_style_transfer_losses(steps: int = 120) -> Figure:
    """The style, content and total-variation terms over the optimisation, log scale."""
    import matplotlib.pyplot as plt

    history = run_style_transfer(steps=steps).history
    # What the chapter says of this figure: style falls almost tenfold in 20 steps; content
    # rises from 0, peaks early and settles lower; total variation rises, then falls.
    style, content, tv = history["style"], history["content"], history["total_variation"]
    assert style[0] / style[20] > 8
    assert 5 < int(np.argmax(content)) < 40 and content[-1] < 0.8 * content.max()
    assert 5 < int(np.argmax(tv)) < 40 and tv[0] < tv[-1] < tv.max()
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    labels = {
        "style": "style loss (Gram matrices)",
        "content": "content loss (block3_conv2 features)",
        "total_variation": "total variation per pixel value",
    }
    for name, label in labels.items():
        # The content loss of the starting image is exactly 0, which a log axis cannot show.
        values = np.where(history[name] > 0, history[name], np.nan)
        ax.plot(np.arange(steps), values, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step (loss measured before the update)")
    ax.set_ylabel("loss term (unweighted)")
    ax.set_title("Style falls; content and smoothness give way", fontsize=11)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
