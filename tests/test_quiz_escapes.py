"""One hostile submission per escape of issue 15. Each would pass, or leave a trace, if the
grader's only wall were the audit hook inside its child: the operating-system sandbox
(bubblewrap) is what stops it. Each test checks the verdict AND the machine afterwards."""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from tfhandbook.quiz.bank import Question, load_bank
from tfhandbook.quiz.grading import Comparison, compare_values, grade

BANKS = Path(__file__).parent / "quiz"
CHECKOUT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def softmax() -> Question:
    return load_bank(BANKS / "numpy.quiz.yaml").question("softmax")


def _honest_tail() -> str:
    """A wrong softmax: whatever the escape achieved, this answer must not pass."""
    return "\ndef softmax(x):\n    return np.zeros_like(x)\n"


def test_fork_exec_reaches_no_shell_no_file_and_no_port(softmax: Question, tmp_path: Path) -> None:
    marker = tmp_path / "shell-ran.txt"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    shell = (
        f"echo ran > {marker}; "
        f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}))\""
    )
    code = (
        "import os, _posixsubprocess\n"
        "r, w = os.pipe()\n"
        "try:\n"
        "    _posixsubprocess.fork_exec(\n"
        f"        [b'/bin/sh', b'-c', {shell.encode()!r}], [b'/bin/sh'], True, (w,), None, None,\n"
        "        -1, -1, -1, -1, -1, -1, r, w, True, False, -1,\n"
        "        None, None, None, -1, None, False)\n"
        "except BaseException:\n"
        "    pass\n"
        "import time; time.sleep(2)\n"
        "import numpy as np" + _honest_tail()
    )
    try:
        verdict = grade(softmax, code, seed=1)
        time.sleep(1)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert verdict.status == "failed"
    assert not marker.exists()


@pytest.mark.parametrize(
    "write",
    [
        "import sqlite3\nsqlite3.connect({path!r}).execute('create table t (x)')\n",
        "import os\nfd = os.open({folder!r}, os.O_RDONLY)\n"
        "os.close(os.open({name!r}, os.O_WRONLY | os.O_CREAT, dir_fd=fd))\n",
    ],
    ids=["sqlite3", "dir_fd"],
)
def test_writes_outside_scratch_leave_no_file(
    softmax: Question, tmp_path: Path, write: str
) -> None:
    target = tmp_path / "escaped.db"
    code = (
        "try:\n"
        + "".join(
            f"    {line}\n"
            for line in write.format(
                path=str(target), folder=str(tmp_path), name=target.name
            ).splitlines()
        )
        + "except BaseException:\n    pass\nimport numpy as np"
        + _honest_tail()
    )
    assert grade(softmax, code, seed=1).status == "failed"
    assert not target.exists()


def test_reading_the_bank_and_running_its_solution_does_not_pass(softmax: Question) -> None:
    bank = BANKS / "numpy.quiz.yaml"
    code = (
        "import yaml, numpy as np\n"
        "try:\n"
        f"    bank = yaml.safe_load(open({str(bank)!r}))\n"
        "    exec(bank['pools'][0]['questions'][0]['solution'])\n"
        "except BaseException:\n"
        "    def softmax(x):\n"
        "        return np.zeros_like(x)\n"
    )
    verdict = grade(softmax, code, seed=1)
    assert verdict.status == "failed", verdict.summary


def test_rewriting_the_grader_in_the_checkout_changes_nothing(softmax: Question) -> None:
    target = CHECKOUT / "src" / "tfhandbook" / "quiz" / "grading.py"
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    code = (
        "import os\n"
        "try:\n"  # relative to a folder's descriptor: the audit hook alone lets it through
        f"    folder = os.open({str(target.parent)!r}, os.O_RDONLY)\n"
        f"    fd = os.open({target.name!r}, os.O_WRONLY | os.O_TRUNC, dir_fd=folder)\n"
        "    os.write(fd, b'def grade(*a, **k):\\n    raise SystemExit\\n')\n"
        "except BaseException:\n"
        "    pass\n"
        "import numpy as np" + _honest_tail()
    )
    assert grade(softmax, code, seed=1).status == "failed"
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_an_endless_fork_loop_ends_within_the_limit_and_leaves_no_process(
    softmax: Question,
) -> None:
    import os

    code = (
        "import os\n"
        "def spawn():\n"
        "    try:\n"
        "        return os.fork()\n"
        "    except BaseException:\n"
        "        return -1\n"
        "import _posixsubprocess\n"
        "r, w = os.pipe()\n"
        "for _ in range(50):\n"
        "    try:\n"
        "        _posixsubprocess.fork_exec([b'/bin/sh', b'-c', b'while :; do sleep 100 & done'],\n"
        "            [b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True,\n"
        "            False, -1, None, None, None, -1, None, False)\n"
        "    except BaseException:\n"
        "        pass\n"
        "while True:\n"
        "    pass\n"
    )
    start = time.monotonic()
    verdict = grade(softmax, code, seed=1)
    elapsed = time.monotonic() - start
    assert verdict.status == "failed"
    assert elapsed < softmax.timeout + 15
    mine = [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and b"while :; do sleep" in _cmdline(pid)
    ]
    assert mine == []


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


#: A submission's way to the child's own reply channel: the file descriptor is argv[1], the
#: nonce a local of the child's main().
_REPLY = """
import json, os, sys
frame = sys._getframe()
while "job" not in frame.f_locals:
    frame = frame.f_back
nonce = frame.f_locals["job"]["nonce"]
def reply(data):
    os.write(int(sys.argv[1]), data if isinstance(data, bytes) else json.dumps(data).encode())
    os._exit(0)
"""
#: A gigabyte on stderr, and 3 million tiny JSON objects on the reply channel (9 MB), which
#: the parent once parsed into 1.6 GB of dictionaries.
_FLOODS = {
    "stderr": 'import os\nblock = b"x" * 2**20\nfor _ in range(1024):\n    os.write(2, block)\n',
    "channel": _REPLY
    + """reply(b'{"nonce": "%s", "runs": [' % nonce.encode() + b"{}," * 3_000_000 + b"{}]}")\n""",
}


@pytest.mark.parametrize("flood", sorted(_FLOODS))
def test_a_flood_keeps_the_parent_small(tmp_path: Path, flood: str) -> None:
    import subprocess
    import sys

    script = tmp_path / "measure.py"
    # The peak resident size of this process image (VmHWM, in kB): unlike ru_maxrss it
    # starts afresh at exec, so the pytest process that forked it does not count.
    script.write_text(
        "import re\n"
        "from tfhandbook.quiz.bank import load_bank\n"
        "from tfhandbook.quiz.grading import grade\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        f"q = load_bank({str(BANKS / 'numpy.quiz.yaml')!r}).question('softmax')\n"
        f"code = {_FLOODS[flood]!r}\n"
        "before = peak()\n"
        "verdict = grade(q, code, seed=1)\n"
        "after = peak()\n"
        "print(verdict.status, (after - before) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    assert out[0] == "failed"
    assert int(out[1]) < 100, f"the parent grew by {out[1]} MB"


@pytest.mark.parametrize(
    ("want", "have", "message"),
    [
        (np.float32([1.0, 2.0]), np.float64([1.0, 2.0]), "expected dtype float32, got float64"),
        (np.array(1.0, np.float32), np.float32([1.0]), "expected 0 dimensions, got 1"),
    ],
    ids=["float64 result", "scalar vs 1-element vector"],
)
def test_strict_comparison_rejects_what_loose_comparison_accepts(
    want: np.ndarray, have: np.ndarray, message: str
) -> None:
    assert message in compare_values("y", want, have, Comparison(), reveal=False)
    assert compare_values("y", want, have, Comparison(dtype="loose", shape="loose")) == ""


def test_a_wrong_reference_fails_its_expected_check_naming_file_line_and_question(
    tmp_path: Path,
) -> None:
    from tfhandbook.quiz.grading import verify_question

    text = (BANKS / "numpy.quiz.yaml").read_text()
    text = text.replace(
        '              result = {"p": softmax(np.array([[0.0, 1.0, 2.0]]))}\n',
        '              result = {"p": softmax(np.array([[0.0, 1.0, 2.0]]))}\n'
        "            expected:\n"
        "              p: [[0.0900306, 0.2447285, 0.6652410]]\n",
    )
    good = tmp_path / "good.quiz.yaml"
    good.write_text(text)
    assert verify_question(load_bank(good).question("softmax")).mismatches == []
    bad = tmp_path / "bad.quiz.yaml"
    bad.write_text(text.replace("axis=-1, keepdims=True)\n", "axis=0, keepdims=True)\n", 2))
    question = load_bank(bad).question("softmax")
    ((line, message),) = verify_question(question).mismatches
    assert "check 'one row'" in message and "wrong values" not in message
    assert (
        bad.read_text().splitlines()[line - 1].strip().startswith(("- name: one row", "expected"))
    )


@pytest.mark.parametrize(
    "write",
    [
        "tf.io.write_file({path!r}, 'x')",
        "tf.io.gfile.GFile({path!r}, 'w').write('x')",
    ],
    ids=["tf.io.write_file", "tf.io.gfile"],
)
def test_tensorflow_file_functions_write_nothing_outside_scratch(
    tmp_path: Path, write: str
) -> None:
    question = load_bank(BANKS / "sample.quiz.yaml").question("scaled-relu")
    target = tmp_path / "escaped.txt"
    code = (
        "try:\n"
        f"    {write.format(path=str(target))}\n"
        "except BaseException:\n"
        "    pass\n"
        "def scaled_relu(x, alpha):\n"
        "    return tf.nn.relu(x)\n"
    )
    assert grade(question, code, seed=3).status == "failed"
    assert not target.exists()


def test_a_readable_folder_under_the_scratch_path_stays_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clone in /tmp puts the environment and the package under the scratch path: the
    scratch tmpfs must not hide them (a fresh clone in /tmp once failed every grading)."""
    import sys

    from tfhandbook.quiz import sandbox

    assert str(tmp_path).startswith(sandbox.SCRATCH + "/")
    (tmp_path / "visible.txt").write_text("seen")
    readable = sandbox.readable_paths()
    monkeypatch.setattr(sandbox, "readable_paths", lambda: [*readable, str(tmp_path)])
    child = sandbox.Child(
        argv=[sys.executable, "-I", "-c", f"print(open({str(tmp_path / 'visible.txt')!r}).read())"],
        stdin=b"",
        timeout=30,
        environment={},
        scratch_bytes=2**20,
        channel_bytes=0,
    )
    (outcome,) = sandbox.run([child])
    assert outcome.stdout.text().strip() == "seen", outcome.stderr.text()


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_ending_the_grading_command_ends_every_sandboxed_process(
    tmp_path: Path, signum: str
) -> None:
    """Ctrl-C (SIGINT), SIGTERM and SIGKILL of the grading command, while the answer runs a
    process of its own: within seconds the command is gone, and so is every process it
    started, and it leaves no file behind in its temporary folder."""
    import os
    import signal
    import subprocess
    import sys
    import uuid

    marker = f"marker-{uuid.uuid4().hex}"
    bank = tmp_path / "slow.quiz.yaml"
    bank.write_text((BANKS / "numpy.quiz.yaml").read_text().replace("timeout: 5", "timeout: 120"))
    answer = (
        "import os, sys, _posixsubprocess\n"
        "r, w = os.pipe()\n"
        "try:\n"
        "    _posixsubprocess.fork_exec(\n"
        "        [sys.executable.encode(), b'-c', b'import time; time.sleep(1000)',\n"
        f"         b'{marker}'], [sys.executable.encode()], True, (w,),\n"
        "        None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1,\n"
        "        None, None, None, -1, None, False)\n"
        "except BaseException:\n"
        "    pass\n"
        "while True:\n"
        "    pass\n"
    )
    script = tmp_path / "grade.py"
    script.write_text(
        "import sys\n"
        "from tfhandbook.quiz.bank import load_bank\n"
        "from tfhandbook.quiz.grading import grade\n"
        f"grade(load_bank({str(bank)!r}).question('softmax'), sys.stdin.read(), seed=1)\n"
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    command = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert command.stdin is not None
    command.stdin.write(answer.encode())
    command.stdin.close()
    try:
        deadline = time.monotonic() + 60
        while not _processes_with(marker):
            assert time.monotonic() < deadline, "the answer's process never started"
            assert command.poll() is None, "the grading ended before the answer's process ran"
            time.sleep(0.2)
        started = time.monotonic()
        command.send_signal(getattr(signal, signum))
        command.wait(timeout=30)  # the cleanup is slower on a loaded machine
        while _processes_with(marker) and time.monotonic() < started + 15:
            time.sleep(0.2)
        assert _processes_with(marker) == [], f"the answer's process outlived {signum}"
        assert time.monotonic() - started < 15
        assert list(scratch.iterdir()) == []
    finally:
        command.kill()
        command.wait()


def _processes_with(text: str) -> list[str]:
    import os

    return [pid for pid in os.listdir("/proc") if pid.isdigit() and text.encode() in _cmdline(pid)]


def test_a_scalar_reaches_the_parent_as_a_scalar() -> None:
    """The strict scalar-vs-vector rule holds in a real grading only if the child's
    encoding keeps a 0-d value 0-d."""
    from tfhandbook.quiz.grading import decode
    from tfhandbook.quiz.sandbox_child import encode

    assert decode(encode(np.float32(1.5))).shape == ()
    assert decode(encode(np.float32([1.5]))).shape == (1,)


# -- the held-out red team: attacks written by someone other than the grader's author ------


@pytest.mark.parametrize(
    "forged",
    [
        'reply({"nonce": nonce, "runs": []})',
        'reply({"nonce": nonce, "runs": [{"error": {"type": "E", "lines": 5}}]})',
        'reply({"nonce": nonce, "runs": [{"probes": [{"error": {"lines": ["1"]}}]}]})',
        'reply(b"[" * 200_000)',
    ],
    ids=["no runs", "lines not a list", "lines not numbers", "deep nesting"],
)
def test_a_forged_reply_is_a_failed_verdict_not_a_grader_crash(
    softmax: Question, forged: str
) -> None:
    verdict = grade(softmax, _REPLY + forged + "\n" + _honest_tail())
    assert verdict.status == "failed"
    assert "Traceback" not in verdict.summary


_FORGER = """
import sys
child = sys.modules["__main__"]
def forge(namespace, probes, seed):
    return [{"values": {"p": child.encode(np.full((1, 3), 1 / 3))}} for _ in probes]
child.run_probes = forge
encode = child.encode
child.encode = lambda value: encode(True if isinstance(value, bool) else value)
np.allclose = lambda *args, **kwargs: True
all = bool = lambda *args: True
"""


def test_replacing_the_probe_runner_the_encoder_and_numpy_passes_nothing(
    softmax: Question,
) -> None:
    """Everything in the child is the learner's to replace; what it cannot make is the
    value only a solution computes, which the parent compares (see hard_to_guess)."""
    verdict = grade(softmax, _FORGER + _honest_tail())
    assert verdict.status == "failed"
    assert [result.passed for result in verdict.checks if result.hidden] == [False]


def test_a_hidden_check_never_echoes_what_the_learners_code_chose(softmax: Question) -> None:
    """Code that can read a hidden probe must find no channel to spell it out: not text
    echoed back, not the line numbers an error reports."""
    spell = """
import inspect
def softmax(x):
    if x.shape == (1, 3):
        return np.array([[0.09003057, 0.24472847, 0.66524096]])
    secret = repr(inspect.stack()[1].frame.f_locals)[:40]
    raise ValueError(secret)
"""
    verdict = grade(softmax, spell)
    (hidden,) = [result for result in verdict.checks if result.hidden]
    assert not hidden.passed
    assert "ValueError" in hidden.message and "line" not in hidden.message
    assert "seed" not in hidden.message and "rng" not in hidden.message


def test_escape_sequences_in_an_error_do_not_reach_the_terminal(softmax: Question) -> None:
    code = 'def softmax(x):\n    raise ValueError("\\x1b[2K\\x1b[32mPASSED\\x1b[0m")\n'
    verdict = grade(softmax, code)
    text = verdict.summary + "".join(result.message for result in verdict.checks)
    assert "\x1b" not in text and "PASSED" in text


def test_an_exit_status_like_a_signal_says_what_it_looks_like(softmax: Question) -> None:
    verdict = grade(softmax, "import os\nos._exit(137)\n")
    assert verdict.status == "failed"
    assert "exit status 137" in verdict.summary
