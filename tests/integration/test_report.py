"""The release report on the real demo warehouse, and its Prefect artifacts inside a real flow run."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import UUID

import duckdb
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.runtime import flow_run
from selectolax.lexbor import LexborHTMLParser

from domain.periods import Period
from flows.ingest.model import PreliminaryTable, TableRow
from flows.monthly import monthly_release
from flows.release import PARTNERS_ARTIFACT_KEY, SUMMARY_ARTIFACT_KEY, publish_artifacts
from report.command import write_html_report
from report.data import HISTORY_PERIODS, TOP_PARTNERS, load_report_data
from report.render import render_markdown_summary
from tools.demo import releases
from tools.demo.render import render_preliminary_page

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# A warehouse of its own for the revisions: table (1) of October to December 2025 (the demo's series, in
# GACC's page layout), then December's US-dollar page again, published on 20 February 2026 with exports
# lower by US$30 million (-0.3 in the page's unit, US$100 million).
REVISED_ON = date(2026, 2, 20)
REVISION_USD = -30_000_000


def _lower_exports(row: TableRow) -> TableRow:
    """Exports lower by REVISION_USD, month and January-to-month, and E&I and the balance with them."""
    if row.label not in ("Export & Import", "Export", "Balance"):
        return row
    cells = tuple(
        replace(
            c,
            figure_as_published=round(c.figure_as_published + REVISION_USD / 1e8, 1),
            amount_whole_units=c.amount_whole_units + REVISION_USD,
        )
        if c.measure == "value" and c.amount_whole_units is not None and c.figure_as_published is not None
        else c
        for c in row.cells
    )
    return replace(row, cells=cells)


def _month_value(table: PreliminaryTable, label: str) -> int:
    (value,) = (
        c.amount_whole_units
        for r in table.rows
        if r.label == label
        for c in r.cells
        if c.measure == "value" and c.span == "month" and c.amount_whole_units is not None
    )
    return value


@pytest.fixture(scope="module")
def revised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PreliminaryTable]:
    """(the warehouse, December's table (1) in US dollars as first printed)."""
    root = tmp_path_factory.mktemp("revisions")
    landing = root / "landing"
    landing.mkdir()
    series = releases.load_series()
    for month in (10, 11, 12):
        for currency in ("USD", "CNY"):
            table = releases.build_table(series, "totals", currency, Period.month(2025, month))
            (landing / f"t1_{currency.lower()}_2025-{month}.html").write_bytes(render_preliminary_page(table))
    december = releases.build_table(series, "totals", "USD", Period.month(2025, 12))
    revised_page = replace(
        december, rows=tuple(_lower_exports(r) for r in december.rows), published_on=REVISED_ON
    )
    (landing / "t1_usd_2025-12_revised.html").write_bytes(render_preliminary_page(revised_page))
    summary = monthly_release(source="landing", path=str(landing), data_dir=str(root / "data"))
    assert summary.published, summary.message
    return root / "data" / "warehouse.duckdb", december


@pytest.fixture(scope="module")
def warehouse(published_demo: Path) -> Path:
    return published_demo / "warehouse.duckdb"


def _bulletin_world_figures(warehouse: Path, period: str) -> list[tuple[int, int, float]]:
    """China's (exports, imports) of `period` as the Monthly Bulletin prints them: (US$, CNY, y/y %) each.

    The Bulletin is the latest vintage (its US$354.9 bn of December 2025 exports; the US$355.0 bn of
    docs facts.md is the preliminary release's, the latest as of 2026-01-14)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT direction, vintage_source, value_usd, value_cny, yoy_pct_published_usd"
            " FROM core.fact_partner_trade WHERE is_latest_vintage AND period = ? AND partner_code = 'WLD'"
            " AND direction IN ('export', 'import') ORDER BY direction",
            [period],
        ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("export", "bulletin"), ("import", "bulletin")]
    return [(usd, cny, yoy) for _, _, usd, cny, yoy in rows]


def test_demo_report_of_december_2025(warehouse: Path, tmp_path: Path) -> None:
    data = load_report_data(warehouse, "2025-12")
    assert len(data.history) == HISTORY_PERIODS and data.history[-1].period == "2025-12"
    # 24 periods: 2025's twelve months (its Jan-Feb split by the February Bulletin, so never also the
    # combined period), 2024's eleven (no Bulletin in the demo: Jan-Feb combined), and 2023-12.
    periods = [t.period for t in data.history]
    assert [p for p in periods if p.startswith("2025")] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert periods[0] == "2023-12" and "2024-01..02" in periods
    assert len(data.top_partners) == TOP_PARTNERS
    assert all(p.partner_code != "WLD" for p in data.top_partners)
    assert data.publication_date is not None
    md = render_markdown_summary(data)
    assert "published 2026-01-13, revised by the Monthly Bulletin of 2026-01-19" in md
    # The demo's December 2025 world figures: the Bulletin's (2026-01-19), the latest vintage.
    (exports, imports) = _bulletin_world_figures(warehouse, "2025-12")
    for label, (usd, cny, yoy) in (("Exports", exports), ("Imports", imports)):
        assert f"| {label} | US${usd / 1e9:,.1f} bn | CNY {cny / 1e9:,.1f} bn | {yoy:+.1f}% |" in md
    assert f"US${(exports[0] - imports[0]) / 1e9:,.1f} bn" in md
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
    ((exports_usd, _, _), _) = _bulletin_world_figures(warehouse, "2025-12")
    assert isinstance(summary.data, str) and f"US${exports_usd / 1e9:,.1f} bn" in summary.data
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


# --- revisions, on a warehouse published by the pipeline ------------------------------------------------
def _cells(tree: LexborHTMLParser, selector: str) -> list[list[str]]:
    return [[" ".join(td.text().split()) for td in tr.css("td")] for tr in tree.css(selector)]


def test_a_revision_shows_in_the_report_with_its_numbers(
    revised: tuple[Path, PreliminaryTable], tmp_path: Path
) -> None:
    warehouse, december = revised
    exports = _month_value(december, "Export")
    total = _month_value(december, "Export & Import")
    data = load_report_data(warehouse, "2025-12")
    r = data.revisions
    assert (r.previous_period, r.after, r.until) == ("2025-11", date(2025, 12, 8), None)
    # December's exports and E&I, the month and January-December: nothing else changed, the yuan included.
    assert (r.usd_revised, r.cny_revised) == (4, 0)
    month = [x for x in r.largest if x.revised_measure == "value_usd"]
    assert [(x.period, x.partner_code, x.direction, x.previous_value, x.value, x.change) for x in month] == [
        ("2025-12", "WLD", "export", exports, exports + REVISION_USD, REVISION_USD),
        ("2025-12", "WLD", "total", total, total + REVISION_USD, REVISION_USD),
    ]
    first = month[0]
    assert (first.previous_source, first.previous_public_on) == ("preliminary", december.published_on)
    assert (first.source, first.public_on) == ("preliminary", REVISED_ON)
    assert first.change_pct == pytest.approx(100 * REVISION_USD / exports)

    tree = LexborHTMLParser(write_html_report(warehouse, "2025-12", tmp_path).read_text(encoding="utf-8"))
    rows = {row[0]: row[1:] for row in _cells(tree, "#revisions-largest tbody tr")}
    assert rows["World (WLD): exports, December 2025"] == [
        f"US${exports / 1e9:,.2f} bn",
        "preliminary release, 13 January 2026",
        f"US${(exports + REVISION_USD) / 1e9:,.2f} bn",
        "preliminary release, 20 February 2026",
        "-US$30.0 m",
        f"{100 * REVISION_USD / exports:+.4f}%",
    ]
    assert "World (WLD): exports, January–December 2025" in rows
    assert tree.css_first("#no-revisions") is None
    # The chart: December's exports as first printed and as revised; imports and the other months as printed.
    prints = {p.period: p for p in data.first_prints}
    assert list(prints) == ["2025-10", "2025-11", "2025-12"]
    assert (prints["2025-12"].exports_first_usd, prints["2025-12"].exports_latest_usd) == (
        exports,
        exports + REVISION_USD,
    )
    assert [p.exports_revision_usd or p.imports_revision_usd for p in data.first_prints] == [
        0,
        0,
        REVISION_USD,
    ]
    assert "No figure revised" not in " ".join(tree.css_first("#chart-first-print svg").text().split())


def test_a_release_without_revisions_says_so_in_one_line(
    revised: tuple[Path, PreliminaryTable], tmp_path: Path
) -> None:
    warehouse, _ = revised
    # November's report: from October's first release to November's, nothing was revised (December's
    # revision of 20 February belongs to December's report).
    page = write_html_report(warehouse, "2025-11", tmp_path).read_text(encoding="utf-8")
    tree = LexborHTMLParser(page)
    assert tree.css_first("#revisions-largest") is None
    line = tree.css_first("#no-revisions")
    assert line is not None
    assert " ".join(line.text().split()) == (
        "No figure was revised since the first release of October 2025 (7 November 2025), "
        "up to this period's first release (8 December 2025)."
    )
    assert "No figure was revised" in render_markdown_summary(load_report_data(warehouse, "2025-11"))
