"""`customs status`: the warehouse's releases against GACC's calendar, the report, its text, the command."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from config.settings import Settings
from release_calendar import release_periods
from status.command import status_command
from status.data import STATUS_SCHEMA, WAREHOUSE_PRODUCTS, status_report
from status.render import render_status
from tests.conftest import REPO_ROOT
from tests.unit.status import APRIL_2026, APRIL_2026_MONTHS, APRIL_2026_TODAY, write_warehouse

TODAY = APRIL_2026_TODAY


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def warehouse(settings: Settings) -> Path:
    return write_warehouse(settings.warehouse_path, APRIL_2026, APRIL_2026_MONTHS)


def _row(frame: pl.DataFrame, product: str, period: str) -> dict[str, object]:
    rows = frame.filter((pl.col("product") == product) & (pl.col("period") == period)).rows(named=True)
    assert len(rows) == 1, (product, period, rows)
    return rows[0]


# --- the report -----------------------------------------------------------------------------------------
def test_status_report(settings: Settings, warehouse: Path) -> None:
    report = status_report(settings, TODAY)

    assert report.schema == STATUS_SCHEMA
    assert report["product"].unique(maintain_order=True).to_list() == list(WAREHOUSE_PRODUCTS)
    # 2025 and 2026: preliminary (Jan-Feb, 03..12), Bulletin (02..12) and online query (01..12).
    assert report.height == 2 * 11 + 2 * 11 + 2 * 12
    assert _row(report, "preliminary", "2026-01..02") == {
        "product": "preliminary",
        "period": "2026-01..02",
        "due_date": date(2026, 3, 10),
        "due_source": "official",
        "state": "published",
        "days_late": None,
        "in_warehouse": True,
        "published_on": date(2026, 3, 10),
    }
    assert _row(report, "preliminary", "2026-03") == {
        "product": "preliminary",
        "period": "2026-03",
        "due_date": date(2026, 4, 8),
        "due_source": "official",
        "state": "overdue",
        "days_late": 4,
        "in_warehouse": False,
        "published_on": None,
    }
    march_query = _row(report, "online_query", "2026-03")
    assert (march_query["state"], march_query["due_date"]) == ("none_expected", date(2026, 4, 20))
    assert _row(report, "preliminary", "2026-04")["state"] == "none_expected"
    assert _row(report, "bulletin", "2026-02") == {
        "product": "bulletin",
        "period": "2026-02",
        "due_date": date(2026, 3, 18),
        "due_source": "rule",
        "state": "published",
        "days_late": None,
        "in_warehouse": True,
        "published_on": date(2026, 3, 18),
    }
    march_bulletin = _row(report, "bulletin", "2026-03")
    assert (march_bulletin["state"], march_bulletin["due_date"]) == ("none_expected", date(2026, 4, 20))
    assert report.filter(pl.col("state") == "overdue")["period"].to_list() == ["2026-03"]


def test_status_report_without_a_warehouse_has_nothing_published(settings: Settings) -> None:
    report = status_report(settings, TODAY)

    assert not report["in_warehouse"].any()
    assert report["published_on"].null_count() == report.height
    assert set(report["state"]) == {"overdue", "none_expected"}
    assert _row(report, "preliminary", "2026-01..02")["state"] == "overdue"


def test_status_report_for_another_product(settings: Settings, warehouse: Path) -> None:
    report = status_report(settings, TODAY, products=("yearbook",))

    assert report.select("period", "due_date", "state").rows() == [
        ("2025", date(2026, 9, 30), "none_expected"),
        ("2026", date(2027, 9, 30), "none_expected"),
    ]


def test_render_status(settings: Settings, warehouse: Path) -> None:
    text = render_status(status_report(settings, TODAY))

    assert "GACC releases against the warehouse" in text
    lines = text.splitlines()
    march = next(line for line in lines if "preliminary" in line and "2026-03 " in line)
    assert "2026-04-08" in march and "OVERDUE" in march and "official" in march
    jan_feb = next(line for line in lines if "preliminary" in line and "2026-01..02" in line)
    assert "published" in jan_feb and "2026-03-10" in jan_feb
    assert "In the warehouse: 38 of 68 releases." in text
    assert "OVERDUE: 1 release past due and grace:" in text
    assert "  preliminary 2026-03: due 2026-04-08, 4 days late" in text
    assert "Next expected: bulletin 2026-03 and online_query 2026-03 on 2026-04-20." in text
    assert "\x1b[" not in text  # plain text, no terminal colours


def test_render_status_lists_due_releases_and_says_when_nothing_is_overdue(settings: Settings) -> None:
    write_warehouse(
        settings.warehouse_path,
        [("preliminary", p, date(2026, 1, 14)) for p in release_periods(2025)["preliminary"]],
    )

    text = render_status(status_report(settings, date(2026, 1, 20), products=("preliminary",)))

    assert "Nothing overdue." in text
    assert "Due now (1, within 2 days of grace): preliminary 2025-12" not in text  # it is published
    assert "Next expected: preliminary 2026-01..02 on 2026-03-10." in text


def test_render_status_names_a_release_in_its_grace_days(settings: Settings) -> None:
    text = render_status(status_report(settings, date(2026, 1, 15), products=("preliminary",)))

    assert "Due now (1, within 2 days of grace): preliminary 2025-12 (due 2026-01-14)" in text


# --- the Monthly Bulletin, like the preliminary release ------------------------------------------------
def test_a_bulletin_is_due_from_its_day_and_overdue_after_its_grace(
    settings: Settings, warehouse: Path
) -> None:
    # March 2026's Bulletin: due Monday 20 April (18 April is a Saturday), in grace to the 22nd.
    due = _row(status_report(settings, date(2026, 4, 21)), "bulletin", "2026-03")
    assert (due["state"], due["days_late"], due["in_warehouse"]) == ("due", 1, False)
    overdue = _row(status_report(settings, date(2026, 4, 23)), "bulletin", "2026-03")
    assert (overdue["state"], overdue["days_late"], overdue["in_warehouse"]) == ("overdue", 3, False)

    text = render_status(status_report(settings, date(2026, 4, 21)))
    assert (
        "Due now (2, within 2 days of grace): bulletin 2026-03 (due 2026-04-20); online_query 2026-03" in text
    )


def test_a_missing_bulletin_is_overdue_and_a_quarantined_one_is_missing(settings: Settings) -> None:
    # February's Bulletin (due 18 March) is recorded, but quarantined: it is not served.
    releases = [r for r in APRIL_2026 if r[:2] != ("bulletin", "2026-02")]
    quarantined = ("bulletin", "2026-02", date(2026, 3, 18), "quarantined")
    write_warehouse(settings.warehouse_path, [*releases, quarantined], APRIL_2026_MONTHS)

    report = status_report(settings, TODAY)

    assert report.filter(pl.col("state") == "overdue").select("product", "period", "days_late").rows() == [
        ("preliminary", "2026-03", 4),
        ("bulletin", "2026-02", 25),
    ]
    assert "  bulletin 2026-02: due 2026-03-18, 25 days late" in render_status(report)


# --- the command ----------------------------------------------------------------------------------------
app = typer.Typer()
app.command("status")(status_command)
app.command("other")(lambda: None)  # with two commands, typer keeps "status" as a sub-command name
runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["status", *args], terminal_width=120)
    return result.exit_code, result.output


def test_status_command_prints_overdue_and_exits_0(settings: Settings, warehouse: Path) -> None:
    code, output = _invoke("--data-dir", str(settings.data_dir), "--today", "2026-04-12")

    assert code == 0, output
    assert f"warehouse: {warehouse}" in output
    assert "as of 2026-04-12" in output
    assert "preliminary 2026-03: due 2026-04-08, 4 days late" in output


def test_status_command_fails_on_overdue_when_asked(settings: Settings, warehouse: Path) -> None:
    code, output = _invoke("--data-dir", str(settings.data_dir), "--today", "2026-04-12", "--fail-on-overdue")

    assert code == 1, output
    assert "OVERDUE: 1 release" in output


def test_status_command_passes_with_nothing_overdue(settings: Settings, warehouse: Path) -> None:
    code, output = _invoke("--data-dir", str(settings.data_dir), "--today", "2026-04-08", "--fail-on-overdue")

    assert code == 0, output
    assert "Nothing overdue." in output


def test_status_command_without_a_warehouse(tmp_path: Path) -> None:
    code, output = _invoke(
        "--data-dir", str(tmp_path / "none"), "--today", "2026-04-12", "--product", "yearbook"
    )

    assert code == 0, output
    assert "(absent: nothing published yet)" in output
    assert "yearbook is not ingested into the warehouse" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--today", "12/04/2026"], "not a day (YYYY-MM-DD)"),
        (["--product", "express"], "unknown product 'express'"),
    ],
)
def test_status_command_rejects_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = _invoke("--data-dir", str(tmp_path), *args)

    assert code == 2
    assert message in output


def test_status_command_reports_a_file_that_is_not_a_warehouse(settings: Settings) -> None:
    settings.warehouse_path.parent.mkdir(parents=True)
    settings.warehouse_path.write_bytes(b"not a duckdb file")

    code, output = _invoke("--data-dir", str(settings.data_dir), "--today", "2026-04-12")

    assert code == 2
    assert "error" in output


def test_status_module_does_not_import_prefect() -> None:
    # `customs status` must not pay Prefect's import: the overdue flow is built on first use.
    code = (
        "import sys, status.command, flows.overdue; assert 'prefect' not in sys.modules, 'prefect imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
