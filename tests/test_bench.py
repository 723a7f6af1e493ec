"""The benchmark's arithmetic and its reading of pytest's reports (it times nothing here)."""

from __future__ import annotations

import json
from pathlib import Path

from tfhandbook.tools.bench import FileTiming, chapters, file_timings, parallel_limit

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="docs.part.a.md" name="line:3" file="docs/part/a.md" time="2.5"/>
  <testcase classname="docs.part.a.md" name="line:9" file="docs/part/a.md" time="1.5"/>
  <testcase classname="tests.test_x" name="test_y" file="tests/test_x.py" time="0.25"/>
</testsuite></testsuites>
"""


def test_the_limit_is_the_longest_file_plus_an_import_when_it_dominates() -> None:
    files = [FileTiming("a", 10.0, 1), FileTiming("b", 4.0, 1), FileTiming("c", 2.0, 1)]
    assert parallel_limit(files, workers=2, import_seconds=3.0) == 13.0


def test_the_limit_is_the_even_share_of_the_work_when_that_is_larger() -> None:
    files = [FileTiming("a", 10.0, 1), FileTiming("b", 4.0, 1), FileTiming("c", 2.0, 1)] * 3
    assert parallel_limit(files, workers=2, import_seconds=3.0) == 24.0


def test_file_timings_sum_each_files_tests_and_take_examples_from_the_status(
    tmp_path: Path,
) -> None:
    junit = tmp_path / "run.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    status = tmp_path / "status.json"
    status.write_text(json.dumps({"files": {"docs/part/a.md": {"examples": 7}}}), "utf-8")
    timings = file_timings(junit, status)
    assert timings == [
        FileTiming("docs/part/a.md", 4.0, 2, 7),
        FileTiming("tests/test_x.py", 0.25, 1, 1),
    ]


def test_the_notebook_comparison_runs_chapters_not_overviews_or_appendices() -> None:
    names = {path.name for path in chapters()}
    assert "functional-and-sequential-apis.md" in names
    assert "index.md" not in names and "glossary.md" not in names
