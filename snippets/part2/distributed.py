"""Helpers for the "Distributed training" chapter.

The chapter splits the CPU into two logical devices, trains with ``MirroredStrategy`` through
``fit`` and through a custom loop, and runs ``MultiWorkerMirroredStrategy`` for real as two
worker processes on the loopback interface. The functions here build the distributed training
step, start and supervise the two workers, and draw the chapter's figure.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

#: The folder that holds the ``snippets`` package: worker processes import from it.
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
#: Rows of the synthetic regression problem every worker generates (from the same seed).
N_EXAMPLES = 64


def make_regression_data(n: int = N_EXAMPLES, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A linear target ``y = x @ [1, -2, 3] + 0.5`` with a little noise, seeded.

    >>> x, y = make_regression_data(n=4)
    >>> x.shape, y.shape, x.dtype
    ((4, 3), (4, 1), dtype('float32'))
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [3.0]], "float32") + 0.5
    y += 0.01 * rng.normal(size=y.shape).astype("float32")
    return x, y


def make_regression_model() -> keras.Model:
    """A linear model from 3 features to 1 output: small enough to compare weights exactly.

    >>> [tuple(w.shape) for w in make_regression_model().weights]
    [(3, 1), (1,)]
    """
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])


def make_distributed_train_step(
    strategy: tf.distribute.Strategy,
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    global_batch_size: int,
) -> Callable[[Any], tf.Tensor]:
    """A ``tf.function`` that runs one synchronous training step on every replica.

    Each replica computes the squared error of its share of the batch, divides the sum by
    the *global* batch size (``tf.nn.compute_average_loss``) and lets the optimizer
    all-reduce the gradients. The step returns the loss of the whole global batch, summed
    over the replicas. Create `model` and `optimizer` inside ``strategy.scope()``.

    >>> strategy = tf.distribute.get_strategy()  # the default strategy: one replica
    >>> model, optimizer = make_regression_model(), keras.optimizers.SGD(0.1)
    >>> step = make_distributed_train_step(strategy, model, optimizer, global_batch_size=4)
    >>> loss = step((tf.ones([4, 3]), tf.ones([4, 1])))
    >>> loss.shape, int(optimizer.iterations)
    (TensorShape([]), 1)
    """

    def replica_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            per_example_loss = tf.reduce_mean(tf.square(predictions - y), axis=-1)
            loss = tf.nn.compute_average_loss(per_example_loss, global_batch_size=global_batch_size)
        gradients = tape.gradient(loss, model.trainable_variables)
        # Under a strategy, the Keras optimizer sums the gradients over replicas first.
        optimizer.apply(gradients, model.trainable_variables)
        return loss

    @tf.function
    def train_step(batch: Any) -> tf.Tensor:
        per_replica_losses = strategy.run(replica_step, args=batch)
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    return train_step


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    The operating system picks it; there is a small window in which another process could
    take it before the worker binds it, which is acceptable for a local demonstration.

    >>> 1024 <= free_port() <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tf_config(workers: list[str], index: int) -> str:
    """The ``TF_CONFIG`` JSON for worker `index` of a cluster of `workers` addresses.

    >>> json.loads(tf_config(["127.0.0.1:2222", "127.0.0.1:2223"], 1))["task"]
    {'type': 'worker', 'index': 1}
    """
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def _wait_for_all(processes: list[subprocess.Popen], timeout: float) -> None:
    """Wait until every process has exited, until one fails, or until `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        codes = [process.poll() for process in processes]
        # A worker that fails leaves the other waiting for it in a collective: stop early.
        if all(code is not None for code in codes) or any(code for code in codes):
            return
        time.sleep(0.1)


def run_two_workers(timeout: float = 90.0) -> list[dict[str, Any]]:
    """Train with ``MultiWorkerMirroredStrategy`` in two worker processes; return their results.

    Each worker runs ``python -m snippets.part2.multi_worker`` with its own ``TF_CONFIG``,
    both on 127.0.0.1 at ports picked now. The workers run in their own process group and
    are killed if they have not finished after `timeout` seconds, or if one fails, so a
    broken cluster cannot hang the caller. Each result holds the worker's initial and final
    weights, its loss per step and its ``fit`` outcome (see
    :func:`snippets.part2.multi_worker.train_worker`).
    """
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPOSITORY_ROOT), os.environ.get("PYTHONPATH", "")]),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    with tempfile.TemporaryDirectory(prefix="workers-") as folder:
        outputs = [Path(folder, f"worker-{index}.npz") for index in range(2)]
        logs = [Path(folder, f"worker-{index}.log") for index in range(2)]
        processes = []
        try:
            for index in range(2):
                with logs[index].open("w") as log:
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "snippets.part2.multi_worker", outputs[index]],
                            env={**environment, "TF_CONFIG": tf_config(workers, index)},
                            cwd=folder,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,  # a process group of its own, killable
                        )
                    )
            _wait_for_all(processes, timeout)
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        failed = [i for i, process in enumerate(processes) if process.returncode != 0]
        if failed:
            code = processes[failed[0]].returncode
            reason = "was killed (timeout or a failed peer)" if code < 0 else f"exited with {code}"
            raise RuntimeError(
                f"worker {failed[0]} {reason}:\n" + logs[failed[0]].read_text()[-3000:]
            )
        results = []
        for output in outputs:
            with np.load(output, allow_pickle=False) as saved:
                results.append({name: saved[name] for name in saved.files})
        return results


def flat_gradient(
    model: keras.Model, x: np.ndarray, y: np.ndarray, global_batch_size: int | None = None
) -> np.ndarray:
    """The gradient of the squared-error loss on `x`, `y` with respect to all of `model`'s
    weights, flattened into one vector.

    The loss is the per-example squared error summed and divided by `global_batch_size`
    (``tf.nn.compute_average_loss``), or averaged over ``len(x)`` when it is ``None``: pass
    the global batch size to compute what one replica computes from its share of a batch.

    >>> model = make_regression_model()
    >>> x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    >>> whole = flat_gradient(model, x, y)
    >>> halves = flat_gradient(model, x[:2], y[:2], 4) + flat_gradient(model, x[2:], y[2:], 4)
    >>> whole.shape, bool(np.allclose(whole, halves))
    ((4,), True)
    """
    with tf.GradientTape() as tape:
        per_example_loss = tf.reduce_mean(tf.square(model(x) - y), axis=-1)
        loss = tf.nn.compute_average_loss(
            per_example_loss, global_batch_size=global_batch_size or len(x)
        )
    gradients = tape.gradient(loss, model.trainable_variables)
    return np.concatenate([np.ravel(g) for g in gradients])


def plot_all_reduce(global_batch_size: int = 16, seed: int = 0) -> Any:
    """Draw one synchronous step on two replicas, with the gradients each one computes.

    The gradients come from one device, computed the way each replica computes them: on its
    half of the global batch, divided by the global batch size. So the figure needs no
    logical-device split and can be drawn in any process.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    keras.utils.set_random_seed(seed)
    model = make_regression_model()
    x, y = make_regression_data(seed=seed)
    x, y = x[:global_batch_size], y[:global_batch_size]  # the first global batch
    half = global_batch_size // 2
    g0 = flat_gradient(model, x[:half], y[:half], global_batch_size)
    g1 = flat_gradient(model, x[half:], y[half:], global_batch_size)
    # The mistake: each replica averages over its own half instead of the global batch.
    local_means = flat_gradient(model, x[:half], y[:half])
    local_means += flat_gradient(model, x[half:], y[half:])
    single_device = flat_gradient(model, x, y)
    # What the chapter says the bars show: the all-reduced sum matches one device on the
    # whole batch, and the sum of per-replica means is twice as tall.
    np.testing.assert_allclose(g0 + g1, single_device, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(local_means, 2 * single_device, rtol=1e-5, atol=1e-6)

    # Stacked, not side by side, so the text stays readable in a phone's column.
    fig, (diagram, bars) = plt.subplots(
        2, 1, figsize=(5.5, 9), gridspec_kw={"height_ratios": [1, 1.1]}
    )
    diagram.set_xlim(0, 10)
    diagram.set_ylim(0, 10)
    diagram.axis("off")
    diagram.set_title("One step of MirroredStrategy with two replicas", fontsize=11)

    def box(x0: float, y0: float, w: float, h: float, text: str, colour: str) -> None:
        diagram.add_patch(
            FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0.1", fc=colour, ec="0.3")
        )
        diagram.text(x0 + w / 2, y0 + h / 2, text, ha="center", va="center", fontsize=9)

    def arrow(start: tuple[float, float], end: tuple[float, float]) -> None:
        diagram.add_patch(
            FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="0.3")
        )

    box(0.2, 8.3, 9.6, 1.2, f"global batch: {global_batch_size} examples", "0.92")
    for i, (x0, colour) in enumerate([(0.2, "#cfe2f3"), (5.4, "#fce5cd")]):
        rows = f"{i * half}-{(i + 1) * half - 1}"
        box(
            x0,
            5.2,
            4.4,
            2.2,
            f"replica {i} on CPU:{i}\nexamples {rows}\n"
            f"forward, loss / {global_batch_size},\nbackward: gradient g{i}",
            colour,
        )
        arrow((x0 + 2.2, 8.2), (x0 + 2.2, 7.5))
        arrow((x0 + 2.2, 5.1), (5.0, 3.9))
        box(x0, 0.3, 4.4, 1.4, f"CPU:{i} applies g0 + g1\nto its copy of the weights", colour)
        arrow((5.0, 2.3), (x0 + 2.2, 1.8))
    box(2.6, 2.4, 4.8, 1.4, "all-reduce (sum): both replicas\nreceive g0 + g1", "#d9ead3")

    labels = ["w1", "w2", "w3", "bias"]
    positions = np.arange(len(labels))
    series = [
        ("g0 (replica 0)", g0, "#6fa8dc"),
        ("g1 (replica 1)", g1, "#f6b26b"),
        ("g0 + g1 (after all-reduce)", g0 + g1, "#93c47d"),
        ("one device, whole batch", single_device, "0.35"),
        ("sum of per-replica means", local_means, "#e06666"),
    ]
    width = 0.16
    for k, (name, values, colour) in enumerate(series):
        bars.bar(positions + (k - 2) * width, values, width, label=name, color=colour)
    bars.axhline(0, color="0.3", linewidth=0.8)
    bars.set_xticks(positions, labels)
    bars.set_xlabel("weight of the linear model")
    bars.set_ylabel("gradient of the loss")
    bars.set_title("Gradients of one step, per replica and summed", fontsize=11)
    bars.legend(fontsize=9, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    return fig
