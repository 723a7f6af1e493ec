"""One worker of the "Distributed training" chapter's multi-worker run.

Run it as ``python -m snippets.part2.multi_worker OUTPUT.npz`` with ``TF_CONFIG`` set in the
environment; :func:`snippets.part2.distributed.run_two_workers` starts two of them on the
loopback interface. Each worker builds the same tiny model inside a
``tf.distribute.MultiWorkerMirroredStrategy`` scope, trains it with a custom loop on its shard
of a small synthetic regression problem, and saves its initial and final weights, so the
parent process can check that training changed the weights and that both workers agree.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

#: Examples per step, summed over both workers.
GLOBAL_BATCH_SIZE = 16


def train_worker(output: str, epochs: int = 2) -> None:
    """Join the cluster that ``TF_CONFIG`` describes, train, and save the results to `output`.

    The ``.npz`` file holds ``initial_<i>`` and ``final_<i>`` for each weight tensor, the
    loss of every step (``losses``), the worker's ``task_index``, ``num_replicas`` in sync,
    the number of examples it read (``examples_seen``) and ``fit_error``: what
    ``model.fit`` raises under this strategy with Keras 3 (empty if it trains).
    """
    import keras
    import tensorflow as tf

    from snippets.part2.distributed import (
        make_distributed_train_step,
        make_regression_data,
        make_regression_model,
    )

    keras.utils.set_random_seed(0)
    # Reads TF_CONFIG and starts this worker's gRPC server; collectives wait for the peer.
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = make_regression_model()
        optimizer = keras.optimizers.SGD(learning_rate=0.1)
    initial = [w.numpy() for w in model.weights]

    x, y = make_regression_data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH_SIZE)
    options = tf.data.Options()
    # In-memory data has no files to split: shard the elements instead.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    distributed = strategy.experimental_distribute_dataset(dataset.with_options(options))
    train_step = make_distributed_train_step(strategy, model, optimizer, GLOBAL_BATCH_SIZE)
    losses, examples_seen = [], 0
    for _ in range(epochs):
        for batch in distributed:
            local_x = strategy.experimental_local_results(batch[0])
            examples_seen += sum(int(t.shape[0]) for t in local_x)
            losses.append(float(train_step(batch)))
    final = [w.numpy() for w in model.weights]

    # The course's way, `fit` under the strategy: record what Keras 3 does with it.
    with strategy.scope():
        fit_model = make_regression_model()
        fit_model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    try:
        fit_model.fit(dataset, epochs=1, verbose=0)
        fit_error = ""
    except Exception as error:  # the error message is the result
        fit_error = f"{type(error).__name__}: {str(error).splitlines()[0]}"

    task = json.loads(os.environ["TF_CONFIG"])["task"]
    arrays = {f"initial_{i}": w for i, w in enumerate(initial)}
    arrays.update({f"final_{i}": w for i, w in enumerate(final)})
    np.savez(
        output,
        task_index=task["index"],
        num_replicas=strategy.num_replicas_in_sync,
        losses=np.array(losses),
        examples_seen=examples_seen,
        fit_error=fit_error,
        **arrays,
    )


if __name__ == "__main__":
    train_worker(sys.argv[1])
