"""A doctest output checker that knows how TensorFlow prints things.

The idea comes from TensorFlow's own ``tf_doctest`` checker: a float printed by float32
arithmetic can differ in its last digits between machines and kernels (oneDNN, XLA), so
floats are compared as numbers, and memory addresses, which differ on every run, are
wildcards. Everything else must match as text.
"""

from __future__ import annotations

import doctest
import re
from dataclasses import dataclass

from sybil.evaluators.doctest import OutputChecker

#: Relative tolerance for float32 round-off.
RTOL = 1e-4
#: Absolute tolerance, for values that should be zero.
ATOL = 1e-6

# A float has a decimal point or an exponent; integers (shapes, counts) compare as text.
# The look-arounds keep version numbers such as 2.21.0 and names such as conv2d_1 intact.
_FLOAT = re.compile(
    r"(?<![\w.])[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![\w.])"
)
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_PLACEHOLDER = "\x00"


@dataclass(frozen=True)
class FloatMismatch:
    """An expected float and the actual one that falls outside its tolerance."""

    expected: str
    actual: str
    tolerance: float

    def __str__(self) -> str:
        return f"expected {self.expected} (±{self.tolerance:.2g}), got {self.actual}"


def tolerance(written: str) -> float:
    """How far a value may be from `written`: its written precision, or float32 round-off.

    >>> tolerance("0.25")
    0.005
    """
    mantissa, _, exponent = written.lower().partition("e")
    decimals = len(mantissa.partition(".")[2]) - int(exponent or 0)
    return max(0.5 * 10.0**-decimals, RTOL * abs(float(written)), ATOL)


def _split(text: str) -> tuple[str, list[str]]:
    """Return `text` with floats replaced by a placeholder and whitespace normalised, and the
    floats, in order."""
    text = _ADDRESS.sub("0x…", text)
    floats = _FLOAT.findall(text)
    skeleton = _FLOAT.sub(_PLACEHOLDER, text)
    skeleton = re.sub(r"\s+", " ", skeleton)
    # NumPy pads with a space where a minus sign could go; the sign lives in the float.
    skeleton = re.sub(r"([\[(]) ", r"\1", skeleton)
    skeleton = re.sub(r" ([\])])", r"\1", skeleton)
    return skeleton.strip(), floats


def float_mismatches(want: str, got: str) -> list[FloatMismatch] | None:
    """Compare two outputs number by number.

    Returns ``None`` when their text (floats and addresses aside) differs or they hold a
    different count of floats, otherwise the floats that differ beyond their tolerance.
    """
    want_text, want_floats = _split(want)
    got_text, got_floats = _split(got)
    if want_text != got_text or len(want_floats) != len(got_floats):
        return None
    return [
        FloatMismatch(w, g, tolerance(w))
        for w, g in zip(want_floats, got_floats, strict=True)
        if abs(float(w) - float(g)) > tolerance(w)
    ]


class TensorFlowOutputChecker(OutputChecker):
    """Sybil's checker, plus tolerant floats and wildcard memory addresses."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        # Sybil drops the space before a line-ending "...", so "a sentence. ..." would only
        # match text ending in "."; plain doctest reads it as the sentence, then anything.
        if doctest.OutputChecker.check_output(self, want, got, optionflags):
            return True
        if super().check_output(_ADDRESS.sub("0x…", want), _ADDRESS.sub("0x…", got), optionflags):
            return True
        return float_mismatches(want, got) == []

    def output_difference(self, example: doctest.Example, got: str, optionflags: int) -> str:
        report = super().output_difference(example, got, optionflags)
        mismatches = float_mismatches(example.want, got)
        if mismatches:
            report += "Floats beyond tolerance: " + "; ".join(map(str, mismatches)) + "\n"
        return report
