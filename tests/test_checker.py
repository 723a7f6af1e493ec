"""The TensorFlow-aware output checker: what it accepts, and what it must still reject."""

from __future__ import annotations

import doctest

import pytest

from tfhandbook.harness.checker import TensorFlowOutputChecker, float_mismatches, tolerance

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

TENSOR = "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([{}, {}], dtype=float32)>"


def check(want: str, got: str) -> bool:
    return TensorFlowOutputChecker().check_output(want + "\n", got + "\n", FLAGS)


@pytest.mark.parametrize(
    ("want", "got"),
    [
        ("0.33", "0.33333334"),  # written to two places
        ("0.20595074", "0.20595071"),  # float32 round-off in the last digit
        ("1e-08", "1.2e-08"),  # both within the absolute tolerance of zero
        (TENSOR.format("0.333", "0.667"), TENSOR.format("0.33333334", "0.6666667 ")),
        ("[ 0.5 -0.25]", "[ 0.50000006 -0.25000003]"),
        ("<object object at 0x7f3a2b4c5d60>", "<object object at 0x55d0c0ffee00>"),
        ("(<KerasTensor shape=(None, 3)>, 2.0)", "(<KerasTensor shape=(None, 3)>, 2.00001)"),
        ("It failed. ...", "It failed. Here is why:\n\n  a long explanation"),
    ],
)
def test_checker_accepts_floats_within_tolerance_and_any_address(want: str, got: str) -> None:
    assert check(want, got)


@pytest.mark.parametrize(
    ("want", "got"),
    [
        ("0.5", "0.6"),
        ("0.33", "0.35"),  # outside the precision written
        ("1.0", "1.1"),
        (TENSOR.format("0.333", "0.8"), TENSOR.format("0.33333334", "0.6666667")),
        ("shape=(2, 3)", "shape=(3, 2)"),  # integers compare exactly
        ("dtype=float32, numpy=1.0", "dtype=float64, numpy=1.0"),  # text around floats too
        ("[0.5, 0.25]", "[0.5, 0.25, 0.125]"),  # a different count of numbers
        ("TensorFlow 2.21.0", "TensorFlow 2.20.0"),  # versions are text, not floats
        ("conv2d_1", "conv2d_2"),
        ("It failed. ...", "It passed. Here is why."),
    ],
)
def test_checker_rejects_real_differences(want: str, got: str) -> None:
    assert not check(want, got)


def test_tolerance_is_the_written_precision_or_float32_round_off() -> None:
    assert tolerance("0.25") == pytest.approx(0.005)
    assert tolerance("3.") == pytest.approx(0.5)
    assert tolerance("2.5e-3") == pytest.approx(0.00005)
    assert tolerance("123456.789012") == pytest.approx(123456.789012 * 1e-4)


def test_failure_report_names_the_floats_beyond_tolerance() -> None:
    example = doctest.Example("x", TENSOR.format("0.333", "0.8") + "\n")
    report = TensorFlowOutputChecker().output_difference(
        example, TENSOR.format("0.33333334", "0.6666667") + "\n", FLAGS
    )
    assert "Floats beyond tolerance: expected 0.8 (±0.05), got 0.6666667" in report


def test_float_mismatches_is_none_when_the_text_differs() -> None:
    assert float_mismatches("loss: 0.5", "accuracy: 0.5") is None
