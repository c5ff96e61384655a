"""The overdue releases the `check-release-calendar` flow reports (the flow itself: tests/integration)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from config.settings import Settings
from flows.overdue import OverdueRelease, OverdueReleasesError, check_overdue
from tests.unit.status import APRIL_2026, APRIL_2026_MONTHS, APRIL_2026_TODAY, write_warehouse

TODAY = APRIL_2026_TODAY


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def warehouse(settings: Settings) -> Path:
    return write_warehouse(settings.warehouse_path, APRIL_2026, APRIL_2026_MONTHS)


def test_check_overdue(settings: Settings, warehouse: Path) -> None:
    assert check_overdue(settings, TODAY) == [
        OverdueRelease("preliminary", "2026-03", date(2026, 4, 8), 4, "official")
    ]
    later = check_overdue(settings, date(2026, 4, 24))
    # March's Bulletin and online query, both due Monday 20 April, are overdue from the 23rd.
    assert [(r.product, r.period, r.days_late) for r in later] == [
        ("preliminary", "2026-03", 16),
        ("bulletin", "2026-03", 4),
        ("online_query", "2026-03", 4),
    ]
    assert later[0].resource_id == "customs.release.preliminary.2026-03"


def test_overdue_error_names_every_release() -> None:
    error = OverdueReleasesError(
        [
            OverdueRelease("preliminary", "2026-03", date(2026, 4, 8), 16, "official"),
            OverdueRelease("online_query", "2026-03", date(2026, 4, 20), 1, "rule"),
        ],
        date(2026, 4, 24),
    )

    assert str(error) == (
        "2 releases overdue on 2026-04-24, not in the warehouse 2 days after their due date: "
        "preliminary 2026-03 (due 2026-04-08, 16 days late); online_query 2026-03 (due 2026-04-20, 1 day late)"
    )


def test_overdue_error_names_ten_releases_and_counts_the_rest() -> None:
    overdue = [
        OverdueRelease("online_query", f"2025-{m:02d}", date(2025, m, 20), 300, "rule") for m in range(1, 13)
    ]

    message = str(OverdueReleasesError(overdue, date(2026, 4, 24)))

    assert message.startswith("12 releases overdue on 2026-04-24")
    assert "online_query 2025-10 (due 2025-10-20, 300 days late); and 2 more" in message
    assert "2025-11" not in message
