"""The settings every process reads: one definition, the forms each caller needs."""

from __future__ import annotations

import pytest

from tfhandbook import settings


def test_parallel_flags_keep_a_chapter_in_one_worker_and_zero_runs_in_process() -> None:
    assert settings.parallel_flags() == [
        "-n",
        "auto",
        "--dist",
        "loadfile",
        "--no-loadscope-reorder",
    ]
    assert settings.parallel_flags(2)[:2] == ["-n", "2"]
    assert settings.parallel_flags(0) == ["-n", "0"]
    assert settings.pytest_command("docs", workers=None)[-3:] == ["-n", "0", "docs"]


def test_chromium_comes_from_the_environment_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMIUM", "/opt/my-chromium")
    assert settings.find_chromium() == "/opt/my-chromium"
