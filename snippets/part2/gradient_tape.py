"""Helpers for the "Tensors, variables and GradientTape" chapter.

Higher-order derivatives with nested tapes, two custom gradients (a numerically stable
``log(1 + exp(x))`` and a gradient-norm clipper), a straight-through gradient registered in
TensorFlow's gradient registry, a recorder that shows which gradient functions the tape
looks up, and the chapter's figures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from unittest import mock

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def derivatives(
    f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Return ``f(x)``, ``f'(x)`` and ``f''(x)`` for an element-wise `f`, with nested tapes.

    The inner tape records ``f``; its gradient is computed while the outer tape is still
    recording, so the outer tape records the gradient computation and can differentiate
    it once more. For an element-wise `f`, the gradient of ``sum(f(x))`` is ``f'(x)``
    element by element, which is what ``tape.gradient`` computes for a non-scalar target.

    >>> y, dy, d2y = derivatives(lambda x: x**3, tf.constant([1.0, 2.0]))
    >>> dy.numpy().tolist(), d2y.numpy().tolist()
    ([3.0, 12.0], [6.0, 12.0])
    """
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    return y, dy, d2y


def log1pexp_naive(x: tf.Tensor) -> tf.Tensor:
    """``log(1 + exp(x))`` as the formula reads: ``exp`` overflows float32 beyond x = 88.7.

    >>> float(log1pexp_naive(tf.constant(0.0)))  # log(2)
    0.6931471824645996
    """
    return tf.math.log(1.0 + tf.exp(x))


@tf.custom_gradient
def log1pexp(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
    """``log(1 + exp(x))`` computed without overflow, with the gradient ``sigmoid(x)``.

    The value uses ``max(x, 0) + log1p(exp(-|x|))``, whose ``exp`` never sees a positive
    argument. The gradient function replaces the chain rule through those four operations
    with the closed form, one operation that is finite everywhere.

    >>> x = tf.constant([-100.0, 0.0, 100.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = log1pexp(x)
    >>> y.numpy().tolist(), tape.gradient(y, x).numpy().tolist()
    ([0.0, 0.6931471824645996, 100.0], [0.0, 0.5, 1.0])
    """

    def grad(upstream: tf.Tensor) -> tf.Tensor:
        # d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x)
        return upstream * tf.sigmoid(x)

    value = tf.maximum(x, 0.0) + tf.math.log1p(tf.exp(-tf.abs(x)))
    return value, grad


def make_gradient_clipper(max_norm: float) -> Callable[[tf.Tensor], tf.Tensor]:
    """Return an identity function whose backward pass clips the gradient's norm.

    The forward pass returns its input unchanged; the backward pass rescales the incoming
    gradient so that its L2 norm is at most `max_norm`. `max_norm` is a Python number
    closed over, not an argument, so the custom gradient has one input and returns one
    gradient.

    >>> clip = make_gradient_clipper(1.0)
    >>> x = tf.constant([3.0, 4.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.reduce_sum(10.0 * clip(x))
    >>> tape.gradient(y, x).numpy().tolist()  # (10, 10) rescaled to norm 1
    [0.7071067690849304, 0.7071067690849304]
    """

    @tf.custom_gradient
    def clip_gradient(x: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        def grad(upstream: tf.Tensor) -> tf.Tensor:
            return tf.clip_by_norm(upstream, max_norm)

        return tf.identity(x), grad

    return clip_gradient


@tf.RegisterGradient("StraightThroughGrad")
def _straight_through_grad(op: Any, grad: tf.Tensor) -> tf.Tensor:
    """Pass the incoming gradient through unchanged: the straight-through estimator."""
    return grad


@tf.function
def round_gradients(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Gradients of ``round(x)`` in a graph: as registered, and with ``Round`` overridden.

    ``gradient_override_map`` tells the graph to look up ``"StraightThroughGrad"`` instead
    of ``"Round"`` for the ops created inside the block; ``tf.gradients``, the graph's
    symbolic differentiation, honours it.

    >>> [g.numpy().tolist() for g in round_gradients(tf.constant([0.4, 1.6]))]
    [[0.0, 0.0], [1.0, 1.0]]
    """
    graph = tf.compat.v1.get_default_graph()
    registered = tf.round(x)
    with graph.gradient_override_map({"Round": "StraightThroughGrad"}):
        overridden = tf.round(x)
    # Round's registered gradient is None: ask for zeros instead of None.
    (plain_grad,) = tf.gradients(registered, x, unconnected_gradients="zero")
    (override_grad,) = tf.gradients(overridden, x)
    return plain_grad, override_grad


@tf.function
def round_gradient_on_tape(x: tf.Tensor) -> tf.Tensor:
    """The gradient of ``round(x)`` from a ``GradientTape``, with the same override in place.

    The tape records the type name the op wrapper gives it, ``"Round"``, and never reads
    the ``_gradient_op_type`` attribute: the override has no effect, and the gradient
    stays the registered one (``None``, returned as zeros here).

    >>> round_gradient_on_tape(tf.constant([0.4, 1.6])).numpy().tolist()
    [0.0, 0.0]
    """
    graph = tf.compat.v1.get_default_graph()
    with tf.GradientTape() as tape:
        tape.watch(x)
        with graph.gradient_override_map({"Round": "StraightThroughGrad"}):
            y = tf.round(x)
    return tape.gradient(y, x, unconnected_gradients="zero")


class _RecordingRegistry:
    """Stands in for TensorFlow's gradient registry and records each lookup."""

    def __init__(self, registry: Any, lookups: list[tuple[str, Any]]) -> None:
        self._registry = registry
        self._lookups = lookups

    def lookup(self, op_type: str) -> Any:
        gradient_function = self._registry.lookup(op_type)
        if gradient_function is None:  # registered with tf.no_gradient
            self._lookups.append((op_type, "no gradient"))
            return None

        def recorded(op: Any, *grads: Any) -> Any:
            skipped = getattr(op, "skip_input_indices", None)
            self._lookups.append((op_type, tuple(skipped) if skipped else ()))
            return gradient_function(op, *grads)

        return recorded


@contextlib.contextmanager
def record_gradient_lookups() -> Iterator[list[tuple[str, Any]]]:
    """Record every gradient-function lookup an eager ``tape.gradient`` makes.

    Yields a list that fills with one ``(op_type, skipped_inputs)`` pair per recorded
    operation the backward pass visits, in the order it visits them; `skipped_inputs`
    holds the indices of the inputs whose gradient nobody asked for, or
    ``"no gradient"`` for an op type registered with ``tf.no_gradient``.

    The eager tape calls ``tensorflow.python.eager.backprop._gradient_function``, which
    reads the module attribute ``ops._gradient_registry`` on every call, so replacing
    that attribute for the duration of the block sees every lookup.

    >>> x = tf.constant(2.0)
    >>> with record_gradient_lookups() as lookups:
    ...     with tf.GradientTape() as tape:
    ...         tape.watch(x)
    ...         y = tf.exp(x) + 1.0
    ...     _ = tape.gradient(y, x)
    >>> lookups
    [('AddV2', (1,)), ('Exp', ())]
    """
    lookups: list[tuple[str, Any]] = []
    # ops._gradient_registry and ops.gradient_registry are the same object; the eager
    # backward pass reads the first name.
    with mock.patch.object(
        ops, "_gradient_registry", _RecordingRegistry(ops.gradient_registry, lookups)
    ):
        yield lookups


def plot_derivatives() -> Figure:
    """Plot tanh and its first two derivatives from nested tapes, against the closed forms."""
    import matplotlib.pyplot as plt

    x = tf.linspace(-4.0, 4.0, 201)
    y, dy, d2y = derivatives(tf.tanh, x)
    t = np.tanh(x.numpy())
    closed_forms = [t, 1 - t**2, -2 * t * (1 - t**2)]
    # The chapter says the tape's curves and the closed forms coincide.
    for values, exact in zip((y, dy, d2y), closed_forms, strict=True):
        assert np.allclose(values, exact, atol=1e-5), "tape and closed form differ"
    labels = ["f(x) = tanh(x)", "f'(x), inner tape", "f''(x), outer tape"]
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for values, exact, label, color in zip(
        (y, dy, d2y), closed_forms, labels, ("C0", "C1", "C2"), strict=True
    ):
        ax.plot(x, values, color=color, linewidth=2.5, label=label)
        ax.plot(x, exact, color="black", linestyle=":", linewidth=1)
    ax.plot([], [], color="black", linestyle=":", linewidth=1, label="closed form")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    ax.set_title("tanh and its derivatives from two nested tapes", fontsize=11)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_log1pexp_gradients() -> Figure:
    """Plot the gradient of the naive and the custom-gradient log(1 + exp(x)) in float32."""
    import matplotlib.pyplot as plt

    x = tf.linspace(-100.0, 100.0, 801)
    gradients = {}
    for name, function in (("naive formula", log1pexp_naive), ("tf.custom_gradient", log1pexp)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = function(x)
        gradients[name] = tape.gradient(y, x).numpy()
    naive, xs = gradients["naive formula"], x.numpy()
    first_zero = float(xs[(xs > 0) & (naive == 0)].min())
    first_nan = float(xs[np.isnan(naive)].min())
    # What the chapter says the figure shows: the custom gradient is finite everywhere;
    # the naive one drops to 0 before it turns into NaN, and at the first 0 the factor
    # 1 / (1 + exp(x)) is below the smallest normal float32 (a subnormal the CPU flushes).
    assert np.isfinite(gradients["tf.custom_gradient"]).all()
    assert first_zero < first_nan
    factor = np.float32(1) / (np.float32(1) + np.exp(np.float32(first_zero)))
    assert 0 < factor < np.finfo(np.float32).tiny
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    ax.plot(xs, gradients["tf.custom_gradient"], linewidth=4, alpha=0.6, label="tf.custom_gradient")
    ax.plot(xs, naive, color="C3", linewidth=1.5, label="naive formula (NaN is not drawn)")
    ax.axvspan(first_nan, xs[-1], color="C3", alpha=0.15)
    ax.annotate(
        f"naive: 0 from x = {first_zero:g}\n(1 / (1 + exp(x))\nunderflows)",
        xy=(first_zero, 0.0),
        xytext=(80, 0.1),
        ha="right",
        fontsize=9,
        arrowprops={"arrowstyle": "->"},
    )
    ax.annotate(
        f"naive: NaN from\nx = {first_nan:g}\n(exp(x) overflows)",
        xy=(first_nan, 0.75),
        xytext=(80, 0.5),
        ha="right",
        fontsize=9,
        arrowprops={"arrowstyle": "->"},
    )
    ax.set_xlabel("x")
    ax.set_ylabel("d/dx log(1 + exp(x))")
    ax.set_title("Gradient of log(1 + exp(x)) in float32", fontsize=11)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig
