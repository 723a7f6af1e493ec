"""The flake session's plan of conditions and its comparison of outcomes."""

from __future__ import annotations

from pathlib import Path

from tfhandbook.tools.flake import Conditions, differences, outcomes, plan, sealed

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="a" name="ok" time="1"/>
  <testcase classname="a" name="broken" time="1"><failure message="no"/></testcase>
  <testcase classname="a" name="later" time="1"><skipped message="why"/></testcase>
</testsuite></testsuites>
"""


def test_every_run_has_its_own_hash_seed_and_threads_and_workers_vary() -> None:
    runs = plan(5, cores=2)
    assert len({run.hash_seed for run in runs}) == 5
    assert {(run.threads, run.workers) for run in runs} == {(1, 1), (1, 2), (2, 1), (2, 2)}


def test_conditions_reach_tensorflow_through_its_environment_variables() -> None:
    environment = Conditions(hash_seed=3, threads=1, workers=2).environment()
    assert environment["PYTHONHASHSEED"] == "3"
    assert environment["TF_NUM_INTRAOP_THREADS"] == environment["TF_NUM_INTEROP_THREADS"] == "1"


def test_outcomes_reads_passed_failed_and_skipped(tmp_path: Path) -> None:
    junit = tmp_path / "run.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    assert outcomes(junit) == {"a::ok": "passed", "a::broken": "failed", "a::later": "skipped"}


def test_a_test_that_changes_outcome_or_goes_missing_is_a_difference() -> None:
    first = {"a": "passed", "b": "passed", "c": "passed"}
    second = {"a": "failed", "b": "passed"}
    assert differences([first, second]) == {"a": ["passed", "failed"], "c": ["passed", "absent"]}


def test_identical_runs_have_no_differences() -> None:
    run = {"a": "passed", "b": "skipped"}
    assert differences([run, dict(run), dict(run)]) == {}


def test_a_sealed_run_cuts_the_network_and_mounts_the_checkout_read_only() -> None:
    command = sealed(["python", "-m", "pytest", "-k", "a b"])
    assert command[:4] == ["unshare", "--net", "--mount", "sh"]
    assert "remount,bind,ro" in command[-1] and "exec python -m pytest -k 'a b'" in command[-1]
