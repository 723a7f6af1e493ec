"""The process that runs quiz code: ``python -I -m tfhandbook.quiz.sandbox_child FD``.

The grader starts it inside the operating-system sandbox of :mod:`tfhandbook.quiz.sandbox`
(no network, its own PID namespace, a read-only view of the interpreter and a scratch
tmpfs). It reads a job (JSON) on stdin, limits itself, imports the libraries the checks
need, then installs an audit hook that nothing in the process can remove, which refuses
sockets, new processes, native calls through ``ctypes``, and writes outside its scratch
folder through Python's own functions. The hook is a courtesy that turns the common
mistakes into clear errors, not a wall: ``_posixsubprocess.fork_exec`` and TensorFlow's
C++ file functions raise no audit event. The sandbox is the wall. Then it runs each of
the job's runs (a question's setup, one submission, and the checks' probes) and writes the
values they produced, as JSON data, to file descriptor FD. It never decides whether an
answer is right: the parent compares these values with the reference solution's, outside
this process, and trusts nothing else it says.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import resource
import sys
import traceback
from typing import Any

from tfhandbook.quiz.source import compile_source

_BLOCKED_PREFIXES = ("socket.", "ctypes.", "os.exec", "os.spawn", "os.posix_spawn", "winreg.")
_BLOCKED_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
    "pty.spawn",
    "os.startfile",
    "webbrowser.open",
    "urllib.Request",
    "ftplib.connect",
    "http.client.connect",
    "smtplib.connect",
}
#: Events whose first argument is a path that must stay inside the working folder.
_PATH_EVENTS = {
    "os.remove",
    "os.rename",
    "os.replace",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.utime",
    "shutil.rmtree",
    "shutil.copyfile",
    "shutil.move",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Refused(PermissionError):
    """What submitted code gets for something the sandbox does not allow."""


def limit_resources(limits: dict[str, int]) -> None:
    """CPU seconds (a soft limit that signals, then a hard one that kills), address space,
    file size and open files."""
    cpu = limits["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    for name, value in (
        ("RLIMIT_AS", limits["memory_mb"] * 2**20),
        ("RLIMIT_FSIZE", limits["file_mb"] * 2**20),
        ("RLIMIT_NOFILE", 512),
        ("RLIMIT_CORE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))


def install_audit_hook(folder: str) -> None:
    """Refuse what a submission has no business doing, from here on, for good."""
    folder = os.path.realpath(folder)

    def inside(path: Any) -> bool:
        if isinstance(path, int):  # an already-open descriptor
            return True
        real = os.path.realpath(os.fsdecode(path))
        return real == folder or real.startswith(folder + os.sep)

    def hook(event: str, args: tuple) -> None:
        if event in _BLOCKED_EVENTS or event.startswith(_BLOCKED_PREFIXES):
            raise Refused(f"the grader does not allow {event}")
        if event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1] or "", args[2] or 0
            writes = any(c in str(mode) for c in "wax+") or flags & _WRITE_FLAGS
            if writes and path is not None and not inside(path):
                raise Refused(f"the grader does not allow writing to {path}")
        elif (
            event in _PATH_EVENTS
            and args
            and not all(
                inside(arg) for arg in args[:2] if isinstance(arg, str | bytes | os.PathLike)
            )
        ):
            raise Refused(f"the grader does not allow {event} outside its folder")

    sys.addaudithook(hook)


def encode(value: Any) -> dict[str, Any]:
    """A probe's value as plain JSON data: text, or an array's dtype, shape and bytes."""
    import numpy as np

    if value is None:
        return {"kind": "none"}
    if isinstance(value, str):
        return {"kind": "text", "value": value}
    if hasattr(value, "as_list") and not hasattr(value, "numpy"):  # tf.TensorShape
        value = value.as_list()
    if hasattr(value, "as_numpy_dtype"):  # tf.DType
        return {"kind": "text", "value": value.name}
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        array = np.asarray(value)
    except ValueError:  # a ragged list, such as a list of shapes: compare it as text
        return {"kind": "text", "value": repr(value)}
    if array.dtype.kind not in "biufc":
        raise TypeError(f"cannot compare a {type(value).__name__}: return numbers or text")
    array = np.ascontiguousarray(array).reshape(array.shape)  # ascontiguousarray makes 0-d 1-d
    return {
        "kind": "array",
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def describe_error(error: BaseException, filename: str) -> dict[str, Any]:
    """The exception as data: its type, its message, and the lines of `filename` it passed
    through (numbers only: the parent quotes them from its own copy of the code)."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == filename and frame.lineno
    ]
    return {"type": type(error).__name__, "message": str(error)[:2000], "lines": lines[-3:]}


def set_seeds(seed: int) -> None:
    """The same random numbers for the submission as for the reference."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


def run_probes(namespace: dict, probes: list[dict], seed: int) -> list[dict[str, Any]]:
    results = []
    for probe in probes:
        scope = dict(namespace, seed=seed)
        try:
            set_seeds(seed)
            exec(compile_source(probe["probe"], "<check>"), scope)
            values = scope.get("result")
            if not isinstance(values, dict):
                raise TypeError("the check did not produce a result dict")
            results.append({"values": {str(k): encode(v) for k, v in values.items()}})
        except BaseException as error:  # anything a submission raises
            results.append({"error": describe_error(error, "answer.py")})
    return results


def run_submission(run: dict, seed: int) -> dict[str, Any]:
    """One submission in a fresh namespace and Keras session, after its question's setup."""
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
    namespace: dict[str, Any] = {"__name__": "__answer__"}
    exec(compile_source(run["setup"], "<setup>"), namespace)
    try:
        exec(compile_source(run["code"], "answer.py"), namespace)
    except BaseException as error:  # SystemExit too: report it, do not leave
        return {"error": describe_error(error, "answer.py")}
    return {"probes": run_probes(namespace, run["probes"], seed)}


def main() -> None:
    channel = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    job = json.loads(sys.stdin.read())
    limit_resources(job["limits"])
    # Imported before the hook: importing loads native libraries, which the hook refuses.
    for module in ["numpy", *job["preload"]]:
        importlib.import_module(module)
    install_audit_hook(os.getcwd())
    outcome = [run_submission(run, job["seed"]) for run in job["runs"]]
    channel.write(json.dumps({"nonce": job["nonce"], "runs": outcome}))
    channel.flush()
    os._exit(0)  # skip interpreter teardown: nothing the submission registered runs


if __name__ == "__main__":
    main()
