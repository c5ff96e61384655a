"""Each step's figures are logged in the one line shape the scale benchmark reads back."""

from __future__ import annotations

import logging
import time

import pytest

from flows.steps import STEP_LINE, measured_step


def test_a_step_logs_its_wall_cpu_and_peak_rss(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="flows.steps"), measured_step("build"):
        spin_until = time.process_time() + 0.3  # CPU to measure: the figures are rounded to 0.1 s
        while time.process_time() < spin_until:
            pass
    [record] = [r for r in caplog.records if r.name == "flows.steps"]
    match = STEP_LINE.fullmatch(record.getMessage())
    assert match is not None, record.getMessage()
    assert match["step"] == "build"
    assert float(match["cpu"]) >= 0.2
    assert float(match["rss"]) > 0


def test_a_failing_step_still_logs_its_figures(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="flows.steps"),
        pytest.raises(RuntimeError, match="broken"),
        measured_step("publish"),
    ):
        raise RuntimeError("broken")
    assert [STEP_LINE.fullmatch(r.getMessage())["step"] for r in caplog.records] == ["publish"]  # type: ignore[index]
