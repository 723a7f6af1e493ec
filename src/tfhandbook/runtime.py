"""The TensorFlow runtime every example runs in: a quiet start-up, fixed seeds, exact ops.

Both the test harness and the Sphinx build call these, so a chapter computes the same
numbers whether a reader sees them in the HTML or the test suite checks them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from tfhandbook.settings import QUIET_TF

#: The seed every chapter starts from.
SEED = 0

# Set before TensorFlow is imported: later changes have no effect on its C++ logging.
for _name, _value in QUIET_TF.items():
    os.environ.setdefault(_name, _value)


@contextlib.contextmanager
def _stderr_muted() -> Iterator[None]:
    """Silence file descriptor 2, where C++ code writes, not only Python's sys.stderr."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and initialise its devices without start-up log noise.

    TensorFlow prints a few lines through absl before its log level applies (oneDNN, CUDA
    probes) and one more when devices are first listed; both happen here, muted.
    """
    with _stderr_muted():
        import tensorflow as tf

        tf.config.list_physical_devices()
    # Retracing notices and AutoGraph's advice are meant for a developer at a console; in
    # the build log and the test report they are noise around the real warnings.
    tf.get_logger().setLevel("ERROR")


def reset_state(seed: int = SEED) -> None:
    """Start from a clean Keras session, fixed seeds, and deterministic kernels."""
    import keras
    import tensorflow as tf

    keras.backend.clear_session()
    # Seeds Python's `random`, NumPy and TensorFlow in one call.
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
