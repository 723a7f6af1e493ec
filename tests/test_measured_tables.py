"""The functions behind ``{generated-table}``: found by name, and their tables validated."""

from __future__ import annotations

import pytest

from tfhandbook.book.measured_tables import TableFunctionError, run_table_function
from tfhandbook.settings import describe_machine


def test_a_table_function_is_called_by_its_dotted_name() -> None:
    header, rows = run_table_function("test_measured_tables.a_table")
    assert header == ["mode", "ms"]
    assert rows == [["eager", "2.50"]]


def a_table() -> tuple[list[str], list[list[str]]]:
    return ["mode", "ms"], [("eager", "2.50")]


def not_strings() -> tuple[list[str], list[list[float]]]:
    return ["mode", "ms"], [["eager", 2.5]]


def not_a_pair() -> list[str]:
    return ["mode", "ms"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a_table", "is not a dotted name"),
        ("test_measured_tables.nothing", "cannot import test_measured_tables.nothing"),
        ("test_measured_tables.not_strings", "row 1 must be 2 str"),
        ("test_measured_tables.not_a_pair", "must return (header, rows)"),
    ],
)
def test_a_missing_function_or_malformed_table_is_named(name: str, message: str) -> None:
    with pytest.raises(TableFunctionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_table_function(name)


def test_the_machine_line_names_cores_and_versions() -> None:
    line = describe_machine()
    assert "CPU cores" in line and "TensorFlow " in line and "Keras " in line
