"""The TensorFlow runtime every example runs in: a quiet start-up, fixed seeds, exact ops.

Both the test harness and the Sphinx build call these, so a chapter computes the same
numbers whether a reader sees them in the HTML or the test suite checks them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

#: The seed every chapter starts from.
SEED = 0
#: What sizes TensorFlow's thread pools (read when it creates them) and OpenMP's and BLAS's.
THREAD_SETTINGS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")

# Set before TensorFlow is imported: later changes have no effect on its C++ logging.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


def thread_settings(threads: int) -> dict[str, str]:
    """The environment that gives each of a process's thread pools `threads` threads."""
    return dict.fromkeys(THREAD_SETTINGS, str(threads))


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
