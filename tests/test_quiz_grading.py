"""Grading code answers: the reference passes, plausible mistakes fail, and hostile answers
are caught without harming the grader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfhandbook.quiz.bank import Question, load_bank
from tfhandbook.quiz.grading import grade, imported_modules

BANKS = Path(__file__).parent / "quiz"


@pytest.fixture(scope="module")
def softmax() -> Question:
    return load_bank(BANKS / "numpy.quiz.yaml").question("softmax")


def test_the_reference_passes_and_each_wrong_solution_fails(softmax: Question) -> None:
    assert grade(softmax, softmax.solution, seed=1).passed
    for wrong in softmax.wrong_solutions:
        verdict = grade(softmax, wrong.code, seed=1)
        assert verdict.status == "failed", wrong.name


def test_public_failures_show_values_hidden_ones_do_not(softmax: Question) -> None:
    wrong_axis = softmax.wrong_solutions[1].code
    verdict = grade(softmax, wrong_axis, seed=1)
    public, hidden = verdict.checks
    assert public.passed is False and "expected [[0.09" in public.message
    # A hidden check names the value and how it is wrong, never its inputs or expected values.
    assert hidden.message == (
        "on inputs you have not seen: value 'p': wrong values (beyond rtol 1e-05, atol 1e-06)"
    )


def test_a_syntax_error_is_not_gradable_and_spends_no_attempt(softmax: Question) -> None:
    verdict = grade(softmax, "def softmax(x):\n    return (", seed=1)
    assert verdict.status == "not gradable" and not verdict.spends_attempt
    assert "answer.py line 2" in verdict.summary


def test_a_broken_reference_is_the_graders_fault(softmax: Question) -> None:
    from dataclasses import replace

    broken = replace(softmax, solution="def softmax(x):\n    raise ValueError('oops')\n")
    verdict = grade(broken, softmax.solution, seed=1)
    assert verdict.status == "not gradable"
    assert "the reference solution fails check 'one row'" in verdict.summary
    assert "the grader's fault" in verdict.summary


HOSTILE = {
    "endless loop": (
        "def softmax(x):\n    while True:\n        pass\n",
        "did not finish within 5 s",
    ),
    "memory hog": (
        "hog = bytearray(8 * 2**30)\n",
        "MemoryError",
    ),
    "fork bomb": (
        "import os\nwhile True:\n    os.fork()\n",
        "the grader does not allow os.fork",
    ),
    "subprocess": (
        "import subprocess\nsubprocess.run(['true'])\n",
        "the grader does not allow subprocess.Popen",
    ),
    "network": (
        "import socket\nsocket.create_connection(('127.0.0.1', 9))\n",
        "the grader does not allow socket.",
    ),
    "writing outside its folder": (
        "open('/var/tmp/tfhandbook-escaped.txt', 'w').write('x')\n",
        "the grader does not allow writing to /var/tmp/tfhandbook-escaped.txt",
    ),
    "native calls": (
        "import ctypes\nctypes.CDLL(None).system(b'true')\n",
        "the grader does not allow ctypes.",
    ),
    "exiting early": (
        "import os\nos._exit(0)\n",
        "ended before the checks ran",
    ),
    "sys.exit": (
        "import sys\nsys.exit(0)\n",
        "SystemExit",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answers_fail_with_a_clear_message(softmax: Question, name: str) -> None:
    code, message = HOSTILE[name]
    verdict = grade(softmax, code, seed=1)
    assert verdict.status == "failed"
    everything = verdict.summary + " ".join(check.message for check in verdict.checks)
    assert message in everything
    assert not Path("/var/tmp/tfhandbook-escaped.txt").exists()


def test_printing_fake_results_or_patching_numpy_does_not_pass(softmax: Question) -> None:
    fake = (
        "import json, numpy as np\n"
        "print(json.dumps({'runs': [{'probes': []}]}))\n"
        "np.allclose = lambda *args, **kwargs: True\n"
        "def softmax(x):\n    return np.zeros_like(x)\n"
    )
    verdict = grade(softmax, fake, seed=1)
    assert verdict.status == "failed"
    assert [check.passed for check in verdict.checks] == [False, False]


def test_values_larger_than_a_pipe_arrive_whole() -> None:
    """A child's values travel through a pipe, which holds 64 KiB: reading them only after
    the child ends would leave a child with more to send waiting until its timeout."""
    from tfhandbook.quiz.bank import Check
    from tfhandbook.quiz.grading import decode, run_children

    probe = Check("big", "result = {'ones': np.ones(200_000)}")
    (outcome,) = run_children("import numpy as np", [""], [probe], seed=0, timeout=30)
    assert decode(outcome["probes"][0]["values"]["ones"]).sum() == 200_000


def test_tensorflow_is_loaded_only_for_questions_that_import_it() -> None:
    assert imported_modules("import numpy as np\nfrom keras import layers\n") == [
        "keras",
        "numpy",
    ]


def test_a_tensorflow_question_checks_values_and_gradients() -> None:
    question = load_bank(BANKS / "sample.quiz.yaml").question("scaled-relu")
    assert grade(question, question.solution, seed=3).passed
    verdict = grade(question, question.wrong_solutions[1].code, seed=3)
    assert verdict.status == "failed"


def test_verify_question_runs_reference_and_mistakes_in_one_child(softmax: Question) -> None:
    from tfhandbook.quiz.grading import verify_question

    verification = verify_question(softmax)
    assert verification.passing_wrong == [] and verification.mismatches == []


def test_verify_questions_runs_questions_of_several_banks_in_one_child(softmax: Question) -> None:
    from tfhandbook.quiz.grading import verify_questions

    scaled_relu = load_bank(BANKS / "sample.quiz.yaml").question("scaled-relu")
    questions = [softmax, scaled_relu]  # one needs only NumPy, the other TensorFlow
    verifications = verify_questions(questions)
    assert [v.passing_wrong for v in verifications] == [[], []]
    assert [v.mismatches for v in verifications] == [[], []]


def test_verify_questions_names_the_question_whose_reference_fails(softmax: Question) -> None:
    from dataclasses import replace

    from tfhandbook.quiz.grading import ChildFailure, verify_questions

    broken = replace(softmax, id="broken-softmax", solution="def softmax(x):\n    raise ValueError")
    with pytest.raises(ChildFailure, match="broken-softmax: the reference solution fails"):
        verify_questions([softmax, broken])


def test_autograph_converts_a_tf_function_in_an_answer() -> None:
    """AutoGraph reads a function's source; an answer exists only as a string."""
    question = load_bank(BANKS / "sample.quiz.yaml").question("scaled-relu")
    python_if_on_a_tensor = (
        "@tf.function\n"
        "def scaled_relu(x, alpha):\n"
        "    if tf.reduce_all(x > 0):\n"
        "        return alpha * x\n"
        "    return alpha * tf.nn.relu(x)\n"
    )
    verdict = grade(question, python_if_on_a_tensor, seed=3)
    assert verdict.passed, verdict.summary + " ".join(check.message for check in verdict.checks)


def test_without_bubblewrap_grading_says_so_in_one_line(
    softmax: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfhandbook.quiz import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    verdict = grade(softmax, softmax.solution, seed=1)
    assert verdict.status == "not gradable" and not verdict.spends_attempt
    assert verdict.summary == sandbox.BWRAP_MISSING
    assert "\n" not in verdict.summary and "apt-get install bubblewrap" in verdict.summary
