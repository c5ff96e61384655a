"""The release report on the real demo warehouse, and its Prefect artifacts inside a real flow run."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.runtime import flow_run
from selectolax.lexbor import LexborHTMLParser

from flows.release import PARTNERS_ARTIFACT_KEY, SUMMARY_ARTIFACT_KEY, publish_artifacts
from report.command import write_html_report
from report.data import HISTORY_PERIODS, TOP_PARTNERS, load_report_data
from report.render import render_markdown_summary

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture(scope="module")
def warehouse(published_demo: Path) -> Path:
    return published_demo / "warehouse.duckdb"


def test_demo_report_of_december_2025(warehouse: Path, tmp_path: Path) -> None:
    data = load_report_data(warehouse, "2025-12")
    assert len(data.history) == HISTORY_PERIODS and data.history[-1].period == "2025-12"
    assert data.history[0].period == "2023-11"
    assert len(data.top_partners) == TOP_PARTNERS
    assert all(p.partner_code != "WLD" for p in data.top_partners)
    assert data.publication_date is not None
    md = render_markdown_summary(data)
    # The demo's December 2025 world figures (bi.monthly_trade): 355.0 / 245.8 / 109.2 bn, +6.6% / +5.7%.
    assert "| Exports | US$355.0 bn | CNY 2,512.2 bn | +6.6% |" in md
    assert "| Imports | US$245.8 bn | CNY 1,739.2 bn | +5.7% |" in md
    assert "US$109.2 bn" in md
    # December: the full year, from bi.annual_trade (the demo's 2025: 3,770.0 bn of exports).
    assert data.annual is not None and "Exports US$3,770.0 bn" in md
    assert data.is_demo and "Synthetic demo figures" in md

    path = write_html_report(warehouse, "2025-12", tmp_path)
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    figures = tree.css("figure.chart")
    assert len(figures) == 5 and all(len(f.css("svg path")) >= 4 for f in figures)
    assert tree.css_first("#full-year") is not None


def test_every_demo_period_renders(warehouse: Path, tmp_path: Path) -> None:
    # The combined Jan-Feb periods and the first year (no year-earlier rows) included.
    for period in ("2023-01..02", "2023-03", "2024-01..02", "2025-06"):
        assert write_html_report(warehouse, period, tmp_path).is_file()


def test_missing_period_names_the_latest_available(warehouse: Path) -> None:
    with pytest.raises(ValueError, match="latest available period is 2025-12"):
        load_report_data(warehouse, "2026-01")


@flow(name="report-artifacts-test")
def _publish_report_artifacts(warehouse_path: Path, period: str) -> UUID:
    publish_artifacts(load_report_data(warehouse_path, period))
    run_id = flow_run.get_id()
    assert run_id is not None
    return UUID(run_id)


def test_publish_artifacts_inside_a_flow_run(warehouse: Path) -> None:
    run_id = _publish_report_artifacts(warehouse, "2025-12")
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[SUMMARY_ARTIFACT_KEY, PARTNERS_ARTIFACT_KEY]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
            )
        )
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {SUMMARY_ARTIFACT_KEY, PARTNERS_ARTIFACT_KEY}
    summary = by_key[SUMMARY_ARTIFACT_KEY]
    assert summary.type == "markdown"
    assert isinstance(summary.data, str) and "US$355.0 bn" in summary.data
    table = by_key[PARTNERS_ARTIFACT_KEY]
    assert table.type == "table"
    assert isinstance(table.data, str)  # a table artifact stores its rows as JSON
    rows = json.loads(table.data)
    assert len(rows) == TOP_PARTNERS and rows[0]["rank"] == 1
    assert {"partner", "exports_usd_bn", "exports_yoy_pct"} <= set(rows[0])


def test_customs_report_command_writes_the_page(published_demo: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(
        app, ["report", "--period", "2025-11", "--data-dir", str(published_demo), "--output", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    page = tmp_path / "report-2025-11.html"
    assert str(page) in result.output
    assert page.read_text(encoding="utf-8").count('<figure class="chart') == 5
