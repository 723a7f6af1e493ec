"""The build and the tests refuse a TensorFlow or Keras other than the pinned releases."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tfhandbook import pins
from tfhandbook.pins import (
    CONSTRAINTS,
    OTHER_RELEASES,
    WrongVersions,
    check_versions,
    installed_version,
    pinned_versions,
)

ROOT = Path(__file__).parents[1]
PINNED = pinned_versions()
PLUGIN_ARGS = ("-p", "tfhandbook.harness.pytest_plugin", "-p", "no:doctest", "-p", "no:xdist")


@pytest.fixture(autouse=True)
def _no_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test decides the opt-out itself, whatever the session around it set."""
    monkeypatch.delenv(OTHER_RELEASES, raising=False)


def fake_installed(monkeypatch: pytest.MonkeyPatch, **versions: str) -> None:
    """Pretend `versions` are installed (the others as they are); nothing is installed."""
    real = installed_version
    monkeypatch.setattr(pins, "installed_version", lambda name: versions.get(name) or real(name))


def test_pins_come_from_the_checkouts_constraints_file() -> None:
    assert ROOT / "constraints.txt" == CONSTRAINTS
    text = CONSTRAINTS.read_text(encoding="utf-8")
    for name, version in PINNED.items():
        assert f"\n{name}=={version}\n" in text


def test_pinned_versions_reads_exact_pins_only(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        "# a comment\nKeras==3.15.1\ntensorboard==2.21.0\ntensorflow==2.21.0  # why\n",
        encoding="utf-8",
    )
    assert pinned_versions(constraints) == {"tensorflow": "2.21.0", "keras": "3.15.1"}


def test_a_constraints_file_without_a_pin_is_an_error(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("tensorflow==2.21.0\n", encoding="utf-8")
    with pytest.raises(WrongVersions, match="pins no version of keras"):
        pinned_versions(constraints)
    with pytest.raises(WrongVersions, match=r"there is no .*nowhere\.txt"):
        pinned_versions(tmp_path / "nowhere.txt")


def test_the_installed_versions_are_the_pinned_ones() -> None:
    check_versions(fix="nox -s tests")  # what every other test in this run relies on


def test_a_mismatched_version_fails_naming_installed_pinned_and_the_fix(monkeypatch) -> None:
    fake_installed(monkeypatch, tensorflow="2.20.0")
    with pytest.raises(WrongVersions) as raised:
        check_versions(fix="nox -s tests")
    message = str(raised.value)
    assert f"tensorflow 2.20.0 is installed, pinned {PINNED['tensorflow']}" in message
    assert "keras" not in message.split("(in")[0]  # Keras is right, so it is not blamed
    assert "`nox -s tests`" in message
    assert f"{OTHER_RELEASES}=tensorflow" in message


def test_a_missing_package_is_a_mismatch(monkeypatch) -> None:
    monkeypatch.setattr(pins, "installed_version", lambda name: None)
    with pytest.raises(
        WrongVersions, match=r"tensorflow is not installed, pinned .*; keras is not installed"
    ):
        check_versions(fix="nox -s docs")


def test_the_opt_out_lets_only_the_named_package_through(monkeypatch) -> None:
    fake_installed(monkeypatch, tensorflow="2.20.0", keras="3.12.0")
    monkeypatch.setenv(OTHER_RELEASES, "tensorflow")
    with pytest.raises(WrongVersions, match=r"keras 3\.12\.0 is installed, pinned") as raised:
        check_versions(fix="nox -s tests")
    assert "tensorflow 2.20.0" not in str(raised.value)
    monkeypatch.setenv(OTHER_RELEASES, "tensorflow, keras")
    check_versions(fix="nox -s tests")


def test_the_opt_out_takes_package_names_only(monkeypatch) -> None:
    monkeypatch.setenv(OTHER_RELEASES, "1")
    with pytest.raises(WrongVersions, match="names 1; it takes a comma-separated list of"):
        check_versions(fix="nox -s tests")


def test_compat_is_the_session_that_sets_the_opt_out() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    # The noxfile reads the variable's name from tfhandbook.pins, never spells it out.
    assert OTHER_RELEASES not in noxfile
    assert runpy.run_path(str(ROOT / "src/tfhandbook/pins.py"))["OTHER_RELEASES"] == (
        OTHER_RELEASES
    )
    sessions = re.split(r"\n@nox\.session", noxfile)
    setting = [session for session in sessions if 'PINS["OTHER_RELEASES"]' in session]
    assert len(setting) == 1
    assert "\ndef compat(" in setting[0]


# -- The test run ----------------------------------------------------------------------


def write_test(pytester: pytest.Pytester) -> None:
    (pytester.path / "docs").mkdir()
    (pytester.path / "snippets").mkdir()
    pytester.makepyfile(test_one="def test_one():\n    assert True\n")


def test_pytest_refuses_a_mismatched_tensorflow(pytester, monkeypatch) -> None:
    write_test(pytester)
    fake_installed(monkeypatch, tensorflow="2.20.0")
    result = pytester.runpytest(*PLUGIN_ARGS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert f"tensorflow 2.20.0 is installed, pinned {PINNED['tensorflow']}" in errors, errors
    assert "`nox -s tests`" in errors
    assert "test_one" not in result.stdout.str()  # nothing ran


def test_pytest_accepts_another_release_when_asked_on_purpose(pytester, monkeypatch) -> None:
    write_test(pytester)
    fake_installed(monkeypatch, tensorflow="2.20.0")
    monkeypatch.setenv(OTHER_RELEASES, "tensorflow")
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=1)


def test_pytest_runs_with_the_pinned_versions(pytester) -> None:
    write_test(pytester)
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=1)


# -- The Sphinx build ------------------------------------------------------------------


def write_project(folder: Path) -> Path:
    source = folder / "source"
    source.mkdir(parents=True)
    (source / "conf.py").write_text(
        'extensions = ["tfhandbook.book.sphinxext.pinned_versions"]\n', encoding="utf-8"
    )
    (source / "index.rst").write_text("Title\n=====\n", encoding="utf-8")
    return source


def build(folder: Path) -> int:
    from sphinx.cmd.build import build_main

    return build_main(["-q", "-b", "html", str(write_project(folder)), str(folder / "html")])


def test_sphinx_refuses_a_mismatched_keras_with_one_message(tmp_path) -> None:
    # A child process, so that what sphinx-build prints and returns is what a reader sees;
    # its version lookup is replaced before the build starts, nothing is installed.
    source = write_project(tmp_path)
    fake = (
        "import sys, tfhandbook.pins as pins\n"
        "real = pins.installed_version\n"
        "pins.installed_version = lambda name: '3.12.0' if name == 'keras' else real(name)\n"
        "from sphinx.cmd.build import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", fake, "-q", "-b", "html", str(source), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if key != OTHER_RELEASES},
        timeout=120,
    )
    assert child.returncode == 1, child.stderr
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1, child.stderr  # one message, no crash report
    assert lines[0].startswith("Wrong TensorFlow or Keras version: keras 3.12.0 is installed, ")
    assert f"pinned {PINNED['keras']}" in lines[0]
    assert "`nox -s docs`" in lines[0]
    assert not (tmp_path / "html" / "index.html").exists()


def test_sphinx_refuses_in_process_too(tmp_path, monkeypatch) -> None:
    fake_installed(monkeypatch, tensorflow="2.20.0")
    with pytest.raises(SystemExit, match=r"tensorflow 2\.20\.0 is installed, pinned"):
        build(tmp_path)


def test_sphinx_builds_with_the_opt_out_or_the_pinned_versions(tmp_path, monkeypatch) -> None:
    assert build(tmp_path / "pinned") == 0
    fake_installed(monkeypatch, keras="3.12.0")
    monkeypatch.setenv(OTHER_RELEASES, "keras")
    assert build(tmp_path / "opted-out") == 0
    assert (tmp_path / "opted-out" / "html" / "index.html").exists()
