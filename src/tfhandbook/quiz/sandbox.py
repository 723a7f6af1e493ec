"""The operating-system wall around every grading child: bubblewrap (``bwrap``) namespaces.

Every child that runs quiz code (a learner's answer, or a bank's reference solution) starts
as ``bwrap ... python -I -m tfhandbook.quiz.sandbox_child`` in namespaces of its own.

What it guarantees, on a Linux machine with bubblewrap:

- **No network**: a network namespace with nothing but its own loopback; a port on the
  machine's loopback is out of reach.
- **No process outlives the grading**: a PID namespace whose first process is bubblewrap's;
  when the child ends, or the parent kills it at the wall-clock limit, the kernel kills every
  process in the namespace, and :func:`run` returns only once they are gone. The child dies
  with the grading command (``--die-with-parent``) even when that command is killed with
  SIGKILL; Ctrl-C and SIGTERM end the children before the command exits.
- **Only the interpreter is visible**: a mount namespace holding the Python interpreter
  (``sys.base_prefix``), the virtual environment's packages, the ``tfhandbook`` package and
  the system libraries in ``/usr/lib``, all read-only, a minimal ``/dev`` and ``/proc``, and a
  scratch folder ``/tmp``. The checkout is not there: no ``docs/``, no banks, no tests, no
  ``.git``, no home folder.
- **Scratch and nothing else writable**: the scratch folder is a size-limited tmpfs that
  exists only inside the namespace, so it vanishes with it, even after a SIGKILL of the
  grading command; everything else, the root included, is mounted read-only.
- **Bounded output**: the parent keeps the head and the tail of the child's stdout and stderr
  (:class:`Capture`) and at most a fixed number of bytes of its values; a child that writes
  a gigabyte costs the parent a few dozen kilobytes.

Inside, the child still limits its own CPU time, memory, file size and open files
(``setrlimit``) and installs its audit hook, a second wall behind this one.

What it cannot guarantee: a learner who owns the machine can read the banks, the
reference solutions and the hidden checks outside the grader, and can edit the grader
itself. On a learner's own machine the limits make practice honest; they do not make it an
exam. Nor does it cap the number of processes a child starts inside its namespace or their
total memory (that needs cgroups): the wall-clock limit ends them.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: The one line grading prints where bubblewrap is missing.
BWRAP_MISSING = (
    "grading needs bubblewrap (`bwrap`) to isolate the code it runs, and it is not installed: "
    "install it with `apt-get install bubblewrap` (Debian, Ubuntu) and grade again"
)
#: How much of each of a child's stdout and stderr the parent keeps, at the head and the tail.
CAPTURE_BYTES = 32 * 2**10
#: Where the child's scratch folder is, inside the sandbox.
SCRATCH = "/tmp"
#: System folders whose libraries the interpreter and TensorFlow load.
_SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32")
#: Top-level folders that merged-/usr systems make links into /usr.
_TOP_LEVEL = ("/lib", "/lib64", "/lib32", "/libx32")
#: How long the parent waits for a killed sandbox's processes to be gone.
_REAP_SECONDS = 10.0


class SandboxUnavailable(RuntimeError):
    """Bubblewrap is missing or cannot create namespaces here: nothing is graded."""


def bwrap() -> str:
    """The path of ``bwrap``, or :class:`SandboxUnavailable` with how to install it."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(BWRAP_MISSING)
    return path


def readable_paths() -> list[str]:
    """Everything the child may read: the interpreter, the packages, the system libraries.

    Computed from the running interpreter, so it holds for a virtual environment, a pyenv
    build or the system Python alike. The ``tfhandbook`` package is added by itself: an
    editable install puts the checkout on ``sys.path``, and the checkout must stay out.
    """
    import tfhandbook

    paths = [
        sys.base_prefix,
        sys.base_exec_prefix,
        str(Path(os.path.realpath(sys.executable)).parents[1]),
    ]
    if sys.prefix != sys.base_prefix:  # a virtual environment: its files, not its folder
        paths += [os.path.join(sys.prefix, name) for name in ("pyvenv.cfg", "bin", "lib", "lib64")]
    paths.append(os.path.dirname(os.path.realpath(tfhandbook.__file__)))
    paths += [path for path in _SYSTEM_LIBRARIES if os.path.isdir(path)]
    paths += ["/etc/ld.so.cache"]
    return [path for path in dict.fromkeys(paths) if os.path.exists(path)]


def command(argv: list[str], environment: dict[str, str], scratch_bytes: int) -> list[str]:
    """The ``bwrap`` command that runs `argv` isolated, with only `environment` set."""
    wrapped = [
        bwrap(),
        "--unshare-all",  # network, PID, IPC, UTS, cgroup and user namespaces
        "--unshare-user",
        "--disable-userns",  # no nested user namespace to regain privileges in
        "--die-with-parent",
        "--new-session",  # no terminal to push keystrokes into
        "--clearenv",
    ]
    # The scratch tmpfs goes first, so a checkout or an environment that lives under the
    # scratch path (a clone in /tmp, say) is bound on top of it instead of hidden by it.
    wrapped += ["--size", str(scratch_bytes), "--tmpfs", SCRATCH]
    for top in _TOP_LEVEL:
        if os.path.islink(top):
            wrapped += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            wrapped += ["--ro-bind", top, top]
    for path in readable_paths():
        wrapped += ["--ro-bind", path, path]
    wrapped += ["--proc", "/proc", "--dev", "/dev"]
    wrapped += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", SCRATCH]
    for name, value in environment.items():
        wrapped += ["--setenv", name, value]
    return [*wrapped, "--", *argv]


class Capture:
    """The head and the tail of a stream, at most ``2 * limit`` bytes whatever its length."""

    def __init__(self, limit: int = CAPTURE_BYTES) -> None:
        self.limit = limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        if len(self.tail) > self.limit:
            del self.tail[: len(self.tail) - self.limit]

    def text(self) -> str:
        left_out = self.total - len(self.head) - len(self.tail)
        gap = f"\n[... {left_out} bytes left out ...]\n" if left_out else ""
        return self.head.decode(errors="replace") + gap + self.tail.decode(errors="replace")


@dataclass
class Child:
    """One sandboxed process to run: its command, its input and its limits."""

    argv: list[str]
    stdin: bytes
    timeout: float
    environment: dict[str, str]
    scratch_bytes: int
    #: The most the child may write to its values channel (file descriptor ``{channel}`` in
    #: `argv` is replaced by the channel's number); more stops it.
    channel_bytes: int


@dataclass
class Outcome:
    """How a child ended, and what it wrote."""

    returncode: int | None = None
    channel: bytearray = field(default_factory=bytearray)
    stdout: Capture = field(default_factory=Capture)
    stderr: Capture = field(default_factory=Capture)
    timed_out: bool = False
    overflowed: bool = False
    #: Whether bubblewrap built the sandbox and started the command.
    started: bool = False


class _Running:
    """A started child: its process, its pipes and what has arrived on them."""

    def __init__(self, child: Child) -> None:
        self.child = child
        self.outcome = Outcome()
        self.info = bytearray()
        info_read, info_write = os.pipe()
        channel_read, channel_write = os.pipe()
        argv = [arg.replace("{channel}", str(channel_write)) for arg in child.argv]
        wrapped = command(argv, child.environment, child.scratch_bytes)
        wrapped[1:1] = ["--info-fd", str(info_write)]
        try:
            self.process = subprocess.Popen(
                wrapped,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(info_write, channel_write),
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                start_new_session=True,  # a Ctrl-C reaches the parent, which ends the child
            )
        except BaseException:
            for descriptor in (info_read, channel_read):
                os.close(descriptor)
            raise
        finally:
            os.close(info_write)
            os.close(channel_write)
        self.deadline = time.monotonic() + child.timeout
        self.pending = memoryview(child.stdin)
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self.stdin = self.process.stdin.fileno()
        os.set_blocking(self.stdin, False)
        self.readers = {
            self.process.stdout.fileno(): self.outcome.stdout.add,
            self.process.stderr.fileno(): self.outcome.stderr.add,
            info_read: self.info.extend,
            channel_read: self._channel,
        }
        self._own = [info_read, channel_read]

    def _channel(self, data: bytes) -> None:
        self.outcome.channel += data
        if len(self.outcome.channel) > self.child.channel_bytes:
            self.outcome.overflowed = True
            self.kill()

    def sandbox_pid(self) -> int | None:
        """The PID, outside, of the first process of the child's PID namespace."""
        with contextlib.suppress(ValueError, TypeError, KeyError):
            pid = json.loads(bytes(self.info))["child-pid"]
            return pid if isinstance(pid, int) and pid > 1 else None
        return None

    def kill(self) -> None:
        """End every process of the sandbox: killing the namespace's first process makes
        the kernel kill the rest; killing bubblewrap too covers a sandbox still starting."""
        pid = self.sandbox_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def finish(self) -> None:
        """Wait for bubblewrap, which leaves once the namespace's processes are gone."""
        try:
            self.process.wait(timeout=_REAP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        for descriptor in self._own:
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self.outcome.returncode = self.process.returncode
        self.outcome.started = self.sandbox_pid() is not None


def run(children: list[Child]) -> list[Outcome]:
    """Run `children` at the same time, each in a sandbox of its own, and return how each
    ended. Every process they started is gone when this returns, however it returns."""
    bwrap()  # fail before starting anything
    running: list[_Running] = []
    with _terminate_as_interrupt():
        try:
            for child in children:
                running.append(_Running(child))
            _pump(running)
        finally:
            for each in running:
                if each.process.poll() is None:
                    each.kill()
            for each in running:
                each.finish()
    for each in running:
        if not each.outcome.started and each.outcome.returncode:
            line = each.outcome.stderr.text().strip().splitlines()[-1:] or ["no message"]
            raise SandboxUnavailable(f"bubblewrap could not build the sandbox: {line[0]}")
    return [each.outcome for each in running]


def _pump(running: list[_Running]) -> None:
    """Feed each child its input and read its output until it ends or its time is up."""
    selector = selectors.DefaultSelector()
    owner: dict[int, _Running] = {}
    with selector:
        for each in running:
            selector.register(each.stdin, selectors.EVENT_WRITE)
            owner[each.stdin] = each
            for descriptor in each.readers:
                selector.register(descriptor, selectors.EVENT_READ)
                owner[descriptor] = each
        while True:
            now = time.monotonic()
            # A child is done once its pipes are closed and its sandbox has exited: a child
            # that closes its pipes but lives on still ends at its deadline.
            active = [
                each for each in running if each in owner.values() or each.process.poll() is None
            ]
            if not active:
                return
            for each in active:
                if now >= each.deadline and not each.outcome.timed_out:
                    each.outcome.timed_out = True
                    each.kill()
                elif now >= each.deadline + _REAP_SECONDS:
                    each.process.kill()  # bubblewrap itself hangs: stop waiting for it
            waits = [each.deadline - now for each in active if not each.outcome.timed_out]
            if any(each not in owner.values() for each in active):
                waits.append(0.05)  # poll the process: no pipe will wake us
            for key, _ in selector.select(max(0.0, min(waits, default=0.05))):
                descriptor = key.fd
                each = owner[descriptor]
                if descriptor == each.stdin:
                    try:
                        written = os.write(descriptor, each.pending[: 2**16])
                    except BrokenPipeError:
                        written = len(each.pending)
                    each.pending = each.pending[written:]
                    if not each.pending:
                        selector.unregister(descriptor)
                        del owner[descriptor]
                        with contextlib.suppress(OSError):
                            each.process.stdin.close()  # type: ignore[union-attr]
                    continue
                data = os.read(descriptor, 2**16)
                if data:
                    each.readers[descriptor](data)
                else:
                    selector.unregister(descriptor)
                    del owner[descriptor]


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While children run, SIGTERM unwinds like Ctrl-C, so they are ended before the
    command exits. (Only the main thread can set a handler; elsewhere ``--die-with-parent``
    still ends them when the command dies.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
