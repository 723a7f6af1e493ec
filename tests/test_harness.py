"""The harness runs a chapter as the reader sees it, and reports a failure by file and line."""

from __future__ import annotations

import textwrap

import pytest

PLUGIN_ARGS = ("-p", "tfhandbook.harness.pytest_plugin", "-p", "no:doctest", "-p", "no:xdist")


def write_chapter(pytester: pytest.Pytester, name: str, text: str) -> None:
    path = pytester.path / "docs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    (pytester.path / "snippets").mkdir(exist_ok=True)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*PLUGIN_ARGS, *args)


CHAPTER = """\
    # A chapter

    <!-- invisible-code-block: python
    import numpy as np
    -->

    ```python
    import tensorflow as tf
    third = tf.constant([1.0, 2.0]) / 3
    ```

    ```python
    >>> third
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([0.333, 0.667], dtype=float32)>
    >>> np.arange(3)
    array([0, 1, 2])
    ```

    ```{plot}
    import matplotlib.pyplot as plt
    plt.plot([1, 2, 3])
    ```
    """


def test_chapter_blocks_run_in_order_in_one_namespace(pytester: pytest.Pytester) -> None:
    write_chapter(pytester, "chapter.md", CHAPTER)
    result = run(pytester)
    result.assert_outcomes(passed=5)


def test_wrong_output_fails_naming_file_line_expected_and_got(pytester: pytest.Pytester) -> None:
    write_chapter(pytester, "chapter.md", CHAPTER.replace("0.667]", "0.8]"))
    result = run(pytester)
    result.assert_outcomes(passed=4, failed=1)
    report = result.stdout.str()
    assert "/docs/chapter.md, line 13, column 1 did not evaluate as expected:" in report
    assert "Source:\n    >>> third\nExpected:" in report
    assert (
        "Expected:\n    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([0.333, 0.8]" in report
    )
    assert (
        "Got:\n    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([0.33333334, 0.6666667 ]"
        in report
    )
    assert "Floats beyond tolerance: expected 0.8 (±0.05), got 0.6666667" in report


def test_exception_in_a_plain_block_names_file_and_line(pytester: pytest.Pytester) -> None:
    write_chapter(
        pytester,
        "broken.md",
        """\
        # Broken

        Some prose.

        ```python
        x = 1
        y = x / 0
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*broken.md line=5 column=1*", ">   y = x / 0", "*docs/broken.md:7: ZeroDivisionError"]
    )


def test_figure_code_cannot_lean_on_the_chapters_namespace(pytester: pytest.Pytester) -> None:
    write_chapter(
        pytester,
        "figure.md",
        """\
        # Figure

        ```python
        values = [1, 2, 3]
        ```

        ```{plot}
        import matplotlib.pyplot as plt
        plt.plot(values)
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*NameError: name 'values' is not defined*"])


def test_not_executed_code_is_not_run(pytester: pytest.Pytester) -> None:
    write_chapter(
        pytester,
        "old.md",
        """\
        # Old code

        ```{not-executed} Keras 2 only
        raise SystemExit("this must never run")
        ```

        ```python
        >>> 1 + 1
        2
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_each_chapter_starts_from_the_same_seeds(pytester: pytest.Pytester) -> None:
    draw = """\
        # Draw

        ```python
        >>> import keras
        >>> print(f"{float(keras.random.uniform(())):.6f}")
        {value}
        ```
        """
    # Whatever the first chapter draws, the second (a fresh document) must draw the same.
    write_chapter(pytester, "a.md", draw.replace("{value}", "-1.000000"))
    outlines = run(pytester).outlines
    drawn = outlines[outlines.index("Got:") + 1].strip()
    write_chapter(pytester, "a.md", draw.replace("{value}", drawn))
    write_chapter(pytester, "b.md", draw.replace("{value}", drawn))
    run(pytester).assert_outcomes(passed=4)


def test_examples_write_into_a_scratch_folder(pytester: pytest.Pytester) -> None:
    write_chapter(
        pytester,
        "files.md",
        """\
        # Files

        ```python
        >>> import os
        >>> with open("model-notes.txt", "w") as f:
        ...     _ = f.write("scratch")
        >>> os.path.exists("model-notes.txt")
        True
        ```
        """,
    )
    run(pytester).assert_outcomes(passed=3)
    assert not list(pytester.path.rglob("model-notes.txt"))


def test_snippet_docstrings_are_checked(pytester: pytest.Pytester) -> None:
    (pytester.path / "docs").mkdir()
    # No __init__.py: the module imports as `maths`, clear of the installed `snippets` package
    # (Sybil imports a snippet module by name, so its folder must be on sys.path).
    package = pytester.path / "snippets"
    package.mkdir()
    pytester.syspathinsert(package)
    (package / "maths.py").write_text(
        textwrap.dedent(
            '''\
            def half(x):
                """Half of `x`.

                >>> half(1)
                0.5
                >>> half(3)
                2.0
                """
                return x / 2
            '''
        )
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*snippets/maths.py, line 6*", "Expected:", "    2.0", "Got:"])


def test_exception_in_a_doctest_quotes_its_source(pytester: pytest.Pytester) -> None:
    write_chapter(
        pytester,
        "raises.md",
        """\
        # Raises

        ```python
        >>> values = [1, 2]
        >>> values[5]
        1
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    report = result.stdout.str()
    assert "raises.md, line 5, column 1 did not evaluate as expected:" in report
    assert "Source:\n    >>> values[5]\nException raised:" in report
    assert "IndexError: list index out of range" in report


def test_generated_table_functions_run_under_the_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        measuring="""
        def good():
            return ["mode", "ms"], [["eager", "1.0"]]

        def broken():
            raise RuntimeError("the timer fell over")
        """
    )
    pytester.syspathinsert()
    write_chapter(
        pytester,
        "measured.md",
        """\
        # Measured

        ```{generated-table} measuring.good
        ```

        ```{generated-table} measuring.broken
        :caption: Broken
        ```
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*measured.md::sybil:chapter,line:6*RuntimeError: the ti*"])


OWN_PROCESS_CHAPTER = """\
    ---
    own-process: it splits the CPU into two logical devices before TensorFlow starts
    ---
    # Two devices

    ```python
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    ```

    ```python
    >>> len(tf.config.list_logical_devices("CPU"))
    2
    ```
    """


def test_an_own_process_chapter_starts_tensorflow_itself(pytester: pytest.Pytester) -> None:
    # This process initialised TensorFlow long ago; only a fresh one can split the CPU.
    write_chapter(pytester, "devices.md", OWN_PROCESS_CHAPTER)
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_an_own_process_failure_shows_the_childs_report(pytester: pytest.Pytester) -> None:
    write_chapter(pytester, "devices.md", OWN_PROCESS_CHAPTER.replace("    2\n", "    3\n"))
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*devices.md ran in its own process and failed:", "*devices.md, line 13*", "Expected:"]
    )


def test_own_process_needs_a_reason(pytester: pytest.Pytester) -> None:
    write_chapter(pytester, "devices.md", OWN_PROCESS_CHAPTER.replace("it splits", "''  #"))
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*devices.md: 'own-process' needs a reason, as a sentence"])


def test_a_run_records_each_chapters_examples_for_the_status_page(
    pytester: pytest.Pytester,
) -> None:
    import json

    write_chapter(pytester, "chapter.md", CHAPTER)
    write_chapter(pytester, "devices.md", OWN_PROCESS_CHAPTER)
    run(pytester).assert_outcomes(passed=6)
    status = json.loads((pytester.path / ".tfhandbook" / "test-status.json").read_text())
    files = status["files"]
    assert files["docs/chapter.md"]["examples"] == 5
    assert files["docs/devices.md"]["examples"] == 2  # counted in its own process
    assert "CPU cores" in status["machine"]


def test_a_read_only_checkout_runs_but_records_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_chapter(pytester, "chapter.md", CHAPTER)
    monkeypatch.setenv("TFHANDBOOK_STATUS", "/proc/no-such-place/status.json")
    result = run(pytester)
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["tfhandbook: test status not recorded*"])


def test_a_resource_warning_is_reported_not_an_internal_error(pytester: pytest.Pytester) -> None:
    write_chapter(
        pytester,
        "leaky.md",
        """\
        # Leaky

        ```python
        >>> open("x.txt", "w").write("1")
        1
        ```
        """,
    )
    result = run(pytester, "-W", "error")
    result.assert_outcomes(failed=1)
    assert "INTERNALERROR" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*leaky.md::sybil:chapter,line:4*Unraisable*"])


def test_long_running_files_are_collected_first(pytester: pytest.Pytester) -> None:
    """xdist hands files out in collection order, so a long file must not come last."""
    (pytester.path / "docs").mkdir()
    (pytester.path / "snippets").mkdir()
    pytester.makepyfile(
        test_a_quick="def test_quick():\n    pass\n",
        test_z_long=(
            "import pytest\npytestmark = pytest.mark.long_running\ndef test_long():\n    pass\n"
        ),
    )
    result = run(pytester, "--collect-only", "-q")
    assert result.stdout.lines[:2] == ["test_z_long.py::test_long", "test_a_quick.py::test_quick"]


def test_parallel_workers_share_the_cores_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    from tfhandbook.harness.pytest_plugin import share_the_cores
    from tfhandbook.settings import THREAD_VARIABLES

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    share_the_cores(workers=4)
    assert [os.environ[name] for name in THREAD_VARIABLES] == ["2", "2", "2"]
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "3")  # as `nox -s flake` sets them
    monkeypatch.delenv("OMP_NUM_THREADS")
    share_the_cores(workers=4)
    assert "OMP_NUM_THREADS" not in os.environ
