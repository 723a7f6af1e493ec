"""Helpers for the "Graph mode: tf.function and AutoGraph" chapter.

The chapter counts traces, lists the operations in traced graphs, and measures one small
training step run eagerly, as a ``tf.function`` and as an XLA-compiled ``tf.function``. The
functions here do the counting and measuring so the chapter's examples stay short.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers


def op_types(concrete_function: Any) -> list[str]:
    """The distinct operation types in a concrete function's graph, sorted.

    >>> double = tf.function(lambda x: 2 * x)
    >>> op_types(double.get_concrete_function(tf.TensorSpec([None], tf.float32)))
    ['Const', 'Identity', 'Mul', 'Placeholder']
    """
    return sorted({op.type for op in concrete_function.graph.get_operations()})


def op_type_counts(concrete_function: Any) -> dict[str, int]:
    """How many nodes of each type the function's ``GraphDef`` holds, by type name.

    >>> double = tf.function(lambda x: 2 * x + 2 * x)
    >>> op_type_counts(double.get_concrete_function(tf.TensorSpec([], tf.float32)))
    {'AddV2': 1, 'Const': 2, 'Identity': 1, 'Mul': 2, 'Placeholder': 1}
    """
    counts = collections.Counter(node.op for node in concrete_function.graph.as_graph_def().node)
    return dict(sorted(counts.items()))


def grappler_node_types(concrete_function: Any) -> list[str]:
    """Run Grappler, TensorFlow's graph optimiser, on a copy of the function's graph; return
    the operation type of each node it keeps, in order.

    This is the optimisation the runtime applies when it first runs the function; the
    function's own ``graph`` stays as traced.

    >>> folded = tf.function(lambda x: x * (tf.constant(2.0) + tf.constant(1.0)))
    >>> grappler_node_types(folded.get_concrete_function(tf.TensorSpec([None], tf.float32)))
    ['Const', 'Placeholder', 'Mul', 'Identity']
    """
    from tensorflow.core.protobuf import config_pb2, meta_graph_pb2
    from tensorflow.python.framework import meta_graph
    from tensorflow.python.grappler import tf_optimizer

    meta_graph_def = meta_graph.create_meta_graph_def(graph=concrete_function.graph)
    # Grappler prunes everything the fetched outputs do not need: name the outputs.
    fetch = meta_graph_pb2.CollectionDef()
    fetch.node_list.value.extend(output.name for output in concrete_function.outputs)
    meta_graph_def.collection_def["train_op"].CopyFrom(fetch)
    optimized = tf_optimizer.OptimizeGraph(config_pb2.ConfigProto(), meta_graph_def)
    return [node.op for node in optimized.node]


def trace_counts(kind: str, n_calls: int = 20) -> list[int]:
    """Call a fresh ``tf.function`` `n_calls` times; return its trace count after each call.

    `kind` chooses what the i-th call passes:

    - ``"python int"``: the Python integer ``i`` (a new value every call);
    - ``"python int, 3 values"``: ``i % 3`` (values repeat);
    - ``"tensor"``: ``tf.constant(i)`` (same shape and dtype every call);
    - ``"growing shape"``: a tensor of shape ``(i + 1,)``;
    - ``"growing shape, reduce_retracing"``: the same, with ``reduce_retracing=True``.

    >>> trace_counts("python int", 4), trace_counts("tensor", 4)
    ([1, 2, 3, 4], [1, 1, 1, 1])
    >>> trace_counts("growing shape, reduce_retracing", 4)
    [1, 2, 2, 2]
    """
    arguments: dict[str, Callable[[int], Any]] = {
        "python int": lambda i: i,
        "python int, 3 values": lambda i: i % 3,
        "tensor": lambda i: tf.constant(i),
        "growing shape": lambda i: tf.zeros([i + 1]),
        "growing shape, reduce_retracing": lambda i: tf.zeros([i + 1]),
    }
    argument = arguments[kind]
    # A fresh function per curve: the trace cache lives on the tf.function object.
    function = tf.function(lambda x: x, reduce_retracing=kind.endswith("reduce_retracing"))
    counts = []
    # Retracing on every call is the point here: silence TensorFlow's warning about it.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        for i in range(n_calls):
            function(argument(i))
            counts.append(function.experimental_get_tracing_count())
    finally:
        logger.setLevel(level)
    return counts


def plot_trace_counts(n_calls: int = 20) -> Any:
    """Plot :func:`trace_counts` for every kind of argument; return the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    styles = {
        "python int": "o-",
        "growing shape": "x--",
        "python int, 3 values": "s-",
        "growing shape, reduce_retracing": "^-",
        "tensor": "d-",
    }
    counts = {kind: trace_counts(kind, n_calls) for kind in styles}
    # What the chapter says the figure shows: circles and crosses coincide, one trace per
    # call; repeating values stop at three; one tensor shape traces once; reduce_retracing
    # stops at two.
    one_per_call = list(range(1, n_calls + 1))
    assert counts["python int"] == counts["growing shape"] == one_per_call, counts
    assert counts["python int, 3 values"][-1] == min(3, n_calls), counts
    assert set(counts["tensor"]) == {1}, counts
    assert counts["growing shape, reduce_retracing"][-1] == min(2, n_calls), counts
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    calls = np.arange(1, n_calls + 1)
    for kind, style in styles.items():
        ax.plot(calls, counts[kind], style, label=kind, markersize=4)
    ax.set_xlabel("number of calls")
    ax.set_ylabel("traces so far\n(experimental_get_tracing_count)")
    ax.set_title("Traces of one tf.function, by what you pass it", fontsize=11)
    ax.set_xticks(range(0, n_calls + 1, 5))
    ax.set_ylim(0, 1.6 * n_calls)  # room for the legend above the lines
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", title="argument of the i-th call", fontsize=9, title_fontsize=9)
    fig.tight_layout()
    return fig


class LazyScale(tf.Module):
    """Multiply by a learned per-feature scale, created on the first call.

    The create-once pattern: the ``tf.function`` creates its variable only while
    ``self.scale`` is ``None``, that is on the first trace, and reuses it afterwards.

    >>> lazy = LazyScale()
    >>> lazy(tf.ones([2, 3])).shape, lazy(tf.ones([5, 3])).shape, len(lazy.variables)
    (TensorShape([2, 3]), TensorShape([5, 3]), 1)
    """

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self.scale: tf.Variable | None = None

    @tf.function
    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        if self.scale is None:  # a Python test: it runs once per trace, not per call
            self.scale = tf.Variable(tf.ones([x.shape[-1]]), name="scale")
        return x * self.scale


def make_mlp_step(
    mode: str, features: int = 32, hidden: int = 64, classes: int = 10
) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """A forward and backward step of a small MLP with SGD; return ``step(x, y) -> loss``.

    `mode` is ``"eager"`` (plain Python), ``"tf.function"`` or ``"tf.function + XLA"``
    (``jit_compile=True``). Each call builds its own model and optimizer.

    >>> step = make_mlp_step("tf.function")
    >>> x, y = tf.ones([4, 32]), tf.constant([0, 1, 2, 3])
    >>> step(x, y).shape, step.experimental_get_tracing_count()
    (TensorShape([]), 1)
    """
    model = keras.Sequential(
        [keras.Input((features,)), layers.Dense(hidden, activation="relu"), layers.Dense(classes)]
    )
    optimizer = keras.optimizers.SGD(learning_rate=0.01)
    # Build the optimizer's own variables now, outside any tf.function.
    optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return loss

    if mode == "eager":
        return step
    if mode == "tf.function":
        return tf.function(step)
    if mode == "tf.function + XLA":
        return tf.function(step, jit_compile=True)
    raise ValueError(f"unknown mode {mode!r}")


def make_small_ops_loop(mode: str, n_ops: int = 50) -> Callable[[tf.Tensor], tf.Tensor]:
    """`n_ops` multiply-adds (``2 * n_ops`` element-wise operations) on a small tensor.

    `mode` is ``"eager"``, ``"tf.function"`` or ``"tf.function + XLA"``.

    >>> loop = make_small_ops_loop("tf.function + XLA", n_ops=4)
    >>> float(loop(tf.zeros([8]))[0])
    0.5
    """

    def small_ops(x: tf.Tensor) -> tf.Tensor:
        for _ in range(n_ops):  # a Python loop: unrolled into n_ops ops when traced
            x = x * 0.5 + 0.25
        return x

    if mode == "eager":
        return small_ops
    return tf.function(small_ops, jit_compile=(mode == "tf.function + XLA"))


MODES = ("eager", "tf.function", "tf.function + XLA")


def _time_calls(function: Callable[..., Any], args: tuple[Any, ...], calls: int) -> float:
    """Median wall time of one call, in milliseconds, over `calls` calls."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        result = function(*args)
        # Wait for the value: TensorFlow may return before the computation ends.
        np.asarray(result)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def execution_times() -> tuple[list[str], list[list[str]]]:
    """Time a small MLP training step and a loop of 50 multiply-adds in each mode.

    Returns ``(header, rows)`` for the ``{generated-table}`` directive: the first call
    (which traces and, with XLA, compiles) and the median of the following calls, in
    milliseconds, and the speed-up of the median over eager execution. Checks what the
    chapter says of the table on any machine: the graph's later calls are faster than
    eager ones, and each graph mode's first call is slower than a later eager call.
    """
    x = tf.random.stateless_normal([64, 32], seed=[0, 1])
    y = tf.random.stateless_uniform([64], seed=[0, 2], maxval=10, dtype=tf.int32)
    workloads = {
        "MLP step (64x32 batch)": (make_mlp_step, (x, y), 30),
        "50 multiply-adds on 8 floats": (make_small_ops_loop, (tf.zeros([8]),), 100),
    }
    header = ["workload", "mode", "first call (ms)", "later calls (ms)", "speed-up vs eager"]
    rows = []
    for workload, (make, args, calls) in workloads.items():
        eager_ms = None
        for mode in MODES:
            function = make(mode)
            start = time.perf_counter()
            np.asarray(function(*args))
            first_ms = 1000 * (time.perf_counter() - start)
            median_ms = _time_calls(function, args, calls)
            eager_ms = eager_ms or median_ms
            if mode != "eager":
                assert first_ms > eager_ms, (workload, mode, first_ms, eager_ms)
            if mode == "tf.function":
                assert median_ms < eager_ms, (workload, mode, median_ms, eager_ms)
            rows.append(
                [
                    workload,
                    mode,
                    f"{first_ms:.1f}",
                    f"{median_ms:.3f}",
                    f"{eager_ms / median_ms:.1f}x",
                ]
            )
    return header, rows
