"""The release report on a small literal warehouse: tables standing in for the BI views and meta tables.

Figures are chosen so that every headline number is known: December 2025 exports US$ 330.3 bn against
US$ 300.0 bn a year earlier (+10.1%), imports US$ 219.8 bn against US$ 200.0 bn (+9.9%).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import matplotlib
import pytest
import typer
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

from report.charts import CHART_RC, chart_monthly_trade, per_month
from report.command import report_command, write_html_report
from report.data import (
    HISTORY_PERIODS,
    SURPLUS_PARTNERS,
    TOP_PARTNERS,
    Release,
    ReportData,
    Totals,
    load_report_data,
)
from report.labels import format_amount, format_change_pct, period_label
from report.render import render_html_report, render_markdown_summary, top_partners_table
from warehouse.tables import BI_MONTHLY_TRADE, BI_REVISION_TRIANGLE, BI_REVISIONS, FACT_PARTNER_TRADE

BN = 1_000_000_000
PERIOD = "2025-12"
PERIODS = [
    key
    for year in (2023, 2024, 2025)
    for key in [f"{year}-01..02", *(f"{year}-{month:02d}" for month in range(3, 13))]
]

# code, name, is_group, exports 2025-12, exports 2024-12, imports 2025-12 (US$ bn)
PARTNERS: list[tuple[str, str, bool, float, float, float]] = [
    ("USA", "United States", False, 40.0, 50.0, 14.0),
    ("HKG", "Hong Kong, China", False, 28.0, 27.0, 3.0),
    ("VNM", "Vietnam", False, 18.0, 14.0, 9.0),
    ("JPN", "Japan", False, 14.0, 13.5, 15.0),
    ("KOR", "Republic of Korea", False, 13.0, 12.8, 16.0),
    ("IND", "India", False, 12.0, 10.0, 2.0),
    ("DEU", "Germany", False, 10.0, 10.2, 9.0),
    ("NLD", "Netherlands", False, 9.0, 8.5, 1.0),
    ("RUS", "Russian Federation", False, 8.5, 11.5, 11.0),
    ("GBR", "United Kingdom", False, 7.0, 6.9, 2.0),
    ("TWN", "Taiwan, China", False, 6.5, 6.0, 24.0),
    ("AUS", "Australia", False, 6.0, 5.0, 12.0),
    ("MYS", "Malaysia", False, 0.9, 0.5, 0.4),
    ("EU", "European Union", True, 45.0, 44.0, 25.0),
    ("RCEP", "Regional Comprehensive Economic Partnership", True, 100.0, 95.0, 80.0),
    ("WLD", "World", True, 330.3, 300.0, 219.8),
]


def _world(period: str, index: int) -> tuple[int, int]:
    if period == "2025-12":
        return 330_300_000_000, 219_800_000_000
    if period == "2024-12":
        return 300_000_000_000, 200_000_000_000
    months = 2 if period.endswith("..02") else 1
    return months * (250 * BN + index * BN), months * (180 * BN + index * BN // 2)


def _yoy(now: float | None, before: float | None) -> float | None:
    return None if now is None or not before else round(100 * (now / before - 1), 1)


# bi.annual_trade: (year, code, exports, imports, exports y/y) in US$ bn; imports y/y left out.
ANNUAL = [
    (2025, "WLD", 3770.0, 2581.5, 5.5),
    (2025, "USA", 420.0, 140.0, -19.5),
    (2025, "TWN", 70.0, 250.0, 1.0),
    (2025, "JPN", 150.0, 155.0, 0.5),
    (2025, "EU", 520.0, 270.0, 4.0),
    (2024, "WLD", 3575.0, 2580.0, None),
]


# The vintages of core.fact_partner_trade behind the real bi.revisions and bi.revision_triangle views: a
# preliminary first print of China's totals for every period, on the 10th of the next month (November
# and December 2025 on their meta.releases dates), then these Monthly Bulletin revisions, (period,
# partner, direction, public_on, {measure: (first print, Bulletin)}):
REVISED = [
    # After November's release (9 Dec 2025): the December report's revisions.
    (
        "2025-12",
        "WLD",
        "export",
        date(2026, 1, 20),
        {
            "value_usd": (330_330_900_000, 330_300_000_000),  # -US$30.9 m
            "value_ytd_usd": (3_770_030_900_000, 3_770_000_000_000),  # -US$30.9 m, January-December
            "value_cny": (2_345_320_000_000, 2_345_100_000_000),  # -CNY 220 m
        },
    ),
    ("2025-12", "USA", "export", date(2026, 1, 20), {"value_usd": (39_880_000_000, 40_000_000_000)}),
    # After October's release (10 Nov) and before November's: November's report's, not December's.
    (
        "2025-10",
        "WLD",
        "import",
        date(2025, 11, 18),
        {"value_usd": (_world("2025-10", PERIODS.index("2025-10"))[1] - 50_000_000, None)},  # +US$50 m
    ),
]


def _first_print_on(period: str) -> date:
    known = {"2025-12": date(2026, 1, 13), "2025-11": date(2025, 12, 9)}
    year, month = int(period[:4]), int(period[5:7]) + (1 if period.endswith("..02") else 0)
    return known.get(period, date(year + month // 12, month % 12 + 1, 10))


def _vintages(con: duckdb.DuckDBPyConnection) -> None:
    """core.fact_partner_trade's vintages (REVISED) under the contract's real revision views."""
    con.execute("CREATE SCHEMA core")
    con.execute(FACT_PARTNER_TRADE.create_sql())
    rows: list[dict[str, object]] = []
    for i, period in enumerate(PERIODS):
        world = dict(zip(("export", "import"), _world(period, i), strict=True))
        for direction, value in world.items():
            rows.append({"period": period, "partner_code": "WLD", "direction": direction, "value_usd": value})
    for period, code, direction, bulletin_on, measures in REVISED:
        first = next(
            (
                r
                for r in rows
                if (r["period"], r["partner_code"], r["direction"]) == (period, code, direction)
            ),
            None,
        )
        if first is None:
            first = {"period": period, "partner_code": code, "direction": direction}
            rows.append(first)
        # The Bulletin's value is the latest, what the bi views above show (None: the first print's value).
        revised = {"period": period, "partner_code": code, "direction": direction, "public_on": bulletin_on}
        rows.append(
            revised | {m: first.get(m) if after is None else after for m, (_, after) in measures.items()}
        )
        first.update({m: before for m, (before, _) in measures.items()})
    # The precedence rule: the Bulletin over the preliminary release, then the later over the earlier.
    for row in rows:
        row.setdefault("public_on", _first_print_on(str(row["period"])))
        row["product"] = (
            "bulletin" if row["public_on"] != _first_print_on(str(row["period"])) else "preliminary"
        )
        row["release_id"] = f"{row['product']}:{row['period']}:{row['public_on']}"
    ranked = sorted(
        rows, key=lambda r: (r["product"] == "bulletin", str(r["public_on"]), str(r["release_id"]))
    )
    for rank, row in enumerate(ranked, start=1):
        row["vintage_precedence"] = rank
    latest: dict[tuple[object, ...], object] = {}
    for row in ranked:  # lowest precedence first: the last one kept per figure is its latest vintage
        latest[row["period"], row["partner_code"], row["direction"]] = row["release_id"]
    for row in rows:
        period = str(row["period"])
        con.execute(
            "INSERT INTO core.fact_partner_trade (release_id, product, published_on, period, period_start,"
            " months_covered, partner_code, is_group, direction, value_usd, value_cny, value_ytd_usd,"
            " is_latest_vintage, vintage_source, public_on, vintage_precedence, value_source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row["release_id"],
                row["product"],
                row["public_on"],
                period,
                date(int(period[:4]), int(period[5:7]), 1),
                2 if period.endswith("..02") else 1,
                row["partner_code"],
                row["partner_code"] == "WLD",
                row["direction"],
                row.get("value_usd"),
                row.get("value_cny"),
                row.get("value_ytd_usd"),
                latest[row["period"], row["partner_code"], row["direction"]] == row["release_id"],
                row["product"],
                row["public_on"],
                row["vintage_precedence"],
                "published",
            ],
        )
    con.execute(BI_REVISIONS.create_sql())
    con.execute(BI_REVISION_TRIANGLE.create_sql())


def build_warehouse(
    path: Path, *, validation: bool = True, source: str = "demo", vintages: bool = True
) -> Path:
    """A warehouse with the columns the report reads: bi views as tables, meta tables as published."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA bi; CREATE SCHEMA meta")
        con.execute(
            """
            CREATE TABLE bi.monthly_trade (period VARCHAR, period_start DATE, months_covered BIGINT,
                exports_usd BIGINT, imports_usd BIGINT, balance_usd BIGINT, exports_cny BIGINT,
                imports_cny BIGINT, balance_cny BIGINT, exports_yoy_pct DOUBLE, imports_yoy_pct DOUBLE,
                period_kind VARCHAR, exports_yoy_source VARCHAR, imports_yoy_source VARCHAR,
                value_source VARCHAR)
            """
        )
        world = {p: _world(p, i) for i, p in enumerate(PERIODS)}
        for period, (exports, imports) in world.items():
            year, month = int(period[:4]), int(period[5:7])
            before = world.get(f"{year - 1}{period[4:]}")
            cny = (
                (2_345_100_000_000, 1_560_600_000_000)
                if period == PERIOD
                else (exports * 71 // 10, imports * 71 // 10)
            )
            con.execute(
                "INSERT INTO bi.monthly_trade VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    period,
                    date(year, month, 1),
                    2 if period.endswith("..02") else 1,
                    exports,
                    imports,
                    exports - imports,
                    cny[0],
                    cny[1],
                    cny[0] - cny[1],
                    _yoy(exports, before[0] if before else None),
                    _yoy(imports, before[1] if before else None),
                    "jan_feb_combined" if period.endswith("..02") else "month",
                    None if before is None else "derived",
                    None if before is None else "derived",
                    "published",
                ],
            )
        con.execute(
            """
            CREATE TABLE bi.partner_trade (period VARCHAR, partner_code VARCHAR, partner_name VARCHAR,
                is_group BOOLEAN, exports_usd BIGINT, imports_usd BIGINT, balance_usd BIGINT,
                exports_cny BIGINT, imports_cny BIGINT, balance_cny BIGINT,
                exports_yoy_pct DOUBLE, imports_yoy_pct DOUBLE)
            """
        )
        con.execute(
            """
            CREATE TABLE bi.trade_surplus (period VARCHAR, partner_code VARCHAR, balance_usd BIGINT,
                balance_ytd_usd BIGINT, balance_rolling_12m_usd BIGINT, share_of_total_balance_pct DOUBLE)
            """
        )
        for code, name, is_group, exports_now, exports_before, imports_now in PARTNERS:
            for period, exports_bn, imports_bn, yoy in (
                (PERIOD, exports_now, imports_now, _yoy(exports_now, exports_before)),
                ("2024-12", exports_before, imports_now * 0.9, None),
            ):
                ex, im = round(exports_bn * BN), round(imports_bn * BN)
                con.execute(
                    "INSERT INTO bi.partner_trade VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [period, code, name, is_group, ex, im, ex - im, ex * 7, im * 7, (ex - im) * 7, yoy, None],
                )
                con.execute(
                    "INSERT INTO bi.trade_surplus VALUES (?, ?, ?, ?, ?, ?)",
                    [period, code, ex - im, (ex - im) * 12, (ex - im) * 12, 100 * (ex - im) / (110.5 * BN)],
                )
        # The first year: no year-earlier rows, but a y/y rate published for one partner.
        for code, name, exports_bn, yoy in (
            ("USA", "United States", 71.77, -18.8),
            ("JPN", "Japan", 25.0, None),
        ):
            con.execute(
                "INSERT INTO bi.partner_trade VALUES (?, ?, ?, false, ?, 0, ?, 0, 0, 0, ?, NULL)",
                ["2023-01..02", code, name, round(exports_bn * BN), round(exports_bn * BN), yoy],
            )
        con.execute(
            """
            CREATE TABLE meta.validation_results (run_id VARCHAR, release_id VARCHAR, batch_id VARCHAR,
                suite_name VARCHAR, object_name VARCHAR, expectation_type VARCHAR, rule VARCHAR,
                severity VARCHAR, success BOOLEAN, observed_value VARCHAR, unexpected_count BIGINT,
                unexpected_examples VARCHAR, validated_at TIMESTAMPTZ)
            """
        )
        if validation:
            rows = [
                ("run-old", "critical", "values_present", False, datetime(2025, 12, 14, 9, tzinfo=UTC)),
                ("run-new", "critical", "values_present", True, datetime(2026, 1, 14, 9, tzinfo=UTC)),
                ("run-new", "critical", "world_is_sum", True, datetime(2026, 1, 14, 9, tzinfo=UTC)),
                ("run-new", "critical", "period_complete", True, datetime(2026, 1, 14, 9, tzinfo=UTC)),
                ("run-new", "warning", "yoy_plausible", False, datetime(2026, 1, 14, 9, tzinfo=UTC)),
                ("run-new", "warning", "cny_usd_ratio", True, datetime(2026, 1, 14, 9, tzinfo=UTC)),
            ]
            for run_id, severity, rule, success, at in rows:
                con.execute(
                    "INSERT INTO meta.validation_results VALUES (?, NULL, 'b1', 'core', 'core.fact_trade_surplus',"
                    " 'expect_x', ?, ?, ?, NULL, ?, NULL, ?)",
                    [run_id, rule, severity, success, None if success else 3, at],
                )
        con.execute(
            """
            CREATE TABLE meta.releases (release_id VARCHAR, product VARCHAR, period VARCHAR,
                published_on DATE, retrieved_at TIMESTAMPTZ, file_count BIGINT,
                is_latest_vintage BOOLEAN, status VARCHAR)
            """
        )
        con.execute(
            """
            INSERT INTO meta.releases VALUES
                ('online_query:2025-12:2026-01-20', 'online_query', '2025-12', DATE '2026-01-20', NULL, 2,
                 true, 'published'),
                ('preliminary:2025-12:2026-01-13', 'preliminary', '2025-12', DATE '2026-01-13', NULL, 8,
                 true, 'published'),
                ('preliminary:2025-11:2025-12-09', 'preliminary', '2025-11', DATE '2025-12-09', NULL, 8,
                 true, 'published')
            """
        )
        con.execute(
            "CREATE TABLE meta.runs AS SELECT 'run-new' AS run_id, 'published' AS status, ? AS source,"
            " TIMESTAMPTZ '2026-01-14 09:00:00+00' AS started_at",
            [source],
        )
        con.execute(
            "CREATE TABLE main.annual (year INTEGER, partner_code VARCHAR, exports_usd BIGINT,"
            " imports_usd BIGINT, balance_usd BIGINT, exports_yoy_pct DOUBLE, imports_yoy_pct DOUBLE)"
        )
        for year, code, exports_bn, imports_bn, yoy in ANNUAL:
            ex, im = round(exports_bn * BN), round(imports_bn * BN)
            con.execute(
                "INSERT INTO main.annual VALUES (?, ?, ?, ?, ?, ?, NULL)", [year, code, ex, im, ex - im, yoy]
            )
        con.execute("CREATE VIEW bi.annual_trade AS SELECT * FROM main.annual")
        if vintages:
            _vintages(con)
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("report") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def data(warehouse: Path) -> ReportData:
    return load_report_data(warehouse, PERIOD)


@pytest.fixture(scope="module")
def html(data: ReportData) -> str:
    return render_html_report(data)


# --- load_report_data -------------------------------------------------------------------------------
def test_headline_totals_and_year_earlier(data: ReportData) -> None:
    t = data.totals
    assert (t.exports_usd, t.imports_usd, t.balance_usd) == (
        330_300_000_000,
        219_800_000_000,
        110_500_000_000,
    )
    assert (t.exports_yoy_pct, t.imports_yoy_pct) == (10.1, 9.9)
    assert data.year_earlier is not None and data.year_earlier.period == "2024-12"
    assert data.world_balance_change_usd == 10_500_000_000
    assert data.publication_date == date(2026, 1, 13)  # the preliminary release, not the online query
    assert data.latest_period == PERIOD
    assert data.ingested_from == "demo"


def test_history_is_the_last_24_periods_ending_at_the_period(warehouse: Path, data: ReportData) -> None:
    assert [t.period for t in data.history] == PERIODS[-HISTORY_PERIODS:]
    # An earlier period's history ends at that period, not at the warehouse's latest.
    earlier = load_report_data(warehouse, "2024-06")
    assert earlier.history[-1].period == "2024-06"
    assert earlier.history[0].period == "2023-01..02"  # fewer than 24 before it


def test_top_partners_are_countries_by_exports(data: ReportData) -> None:
    codes = [p.partner_code for p in data.top_partners]
    assert codes == ["USA", "HKG", "VNM", "JPN", "KOR", "IND", "DEU", "NLD", "RUS", "GBR"]
    assert len(codes) == TOP_PARTNERS
    assert data.top_partners[0].exports_yoy_pct == -20.0


def test_partner_moves_are_the_largest_absolute_changes(data: ReportData) -> None:
    moves = data.partner_moves
    assert [m.partner_code for m in moves] == ["USA", "VNM", "RUS", "IND", "AUS"]
    usa = moves[0]
    assert usa.change_usd == pytest.approx(-10 * BN)
    assert usa.exports_year_earlier_usd == pytest.approx(50 * BN)
    assert usa.change_pct == -20.0
    assert not any(m.year_earlier_derived for m in moves)


def test_partner_moves_without_year_earlier_rows_use_the_published_rate(warehouse: Path) -> None:
    data = load_report_data(warehouse, "2023-01..02")
    # Japan has neither a year-earlier row nor a rate: no move can be stated for it.
    assert [m.partner_code for m in data.partner_moves] == ["USA"]
    usa = data.partner_moves[0]
    assert usa.year_earlier_derived
    assert usa.exports_year_earlier_usd == pytest.approx(71.77 * BN / 0.812)
    assert usa.change_pct == -18.8
    assert "derived from the published y/y rate" in render_markdown_summary(data)


def test_surplus_has_every_partner_but_the_world_with_groups_flagged(data: ReportData) -> None:
    codes = [s.partner_code for s in data.surplus]
    assert "WLD" not in codes and len(codes) == len(PARTNERS) - 1
    assert codes[0] == "USA" and codes[-1] == "TWN"  # largest surplus first, deficits last
    assert {s.partner_code for s in data.surplus if s.is_group} == {"EU", "RCEP"}


def test_validation_outcome_is_the_latest_run(data: ReportData) -> None:
    v = data.validation
    assert v.run_id == "run-new" and v.validated_at == datetime(2026, 1, 14, 9)
    assert [(c.severity, c.passed, c.failed) for c in v.counts] == [("critical", 3, 0), ("warning", 1, 1)]
    assert v.status == "passed with warnings"
    assert [(f.rule, f.unexpected_count) for f in v.failures] == [("yoy_plausible", 3)]


def test_no_validation_results_is_reported_as_such(tmp_path: Path) -> None:
    data = load_report_data(build_warehouse(tmp_path / "w.duckdb", validation=False), PERIOD)
    assert not data.validation.recorded and data.validation.status == "not recorded"
    assert "No validation results are recorded" in render_markdown_summary(data)
    assert "holds no validation results" in render_html_report(data)


def test_releases_of_the_period(data: ReportData) -> None:
    assert [r.release_id for r in data.releases] == [
        "preliminary:2025-12:2026-01-13",
        "online_query:2025-12:2026-01-20",
    ]


def test_a_period_revised_by_the_bulletin_says_so_beside_its_publication_date(data: ReportData) -> None:
    """The views show the Bulletin's figures once it is in: the report names its date too, not only the
    preliminary release's."""
    assert data.bulletin_date is None and "revised by" not in render_markdown_summary(data)
    bulletin = Release("bulletin:2025-12:2026-01-20", "bulletin", date(2026, 1, 20), "published", True, 4)
    withdrawn = Release("bulletin:2025-12:2026-01-22", "bulletin", date(2026, 1, 22), "quarantined", False, 4)
    revised = dataclasses.replace(data, releases=(*data.releases, bulletin, withdrawn))
    assert revised.bulletin_date == date(2026, 1, 20)
    assert "published 2026-01-13, revised by the Monthly Bulletin of 2026-01-20;" in render_markdown_summary(
        revised
    )
    header = LexborHTMLParser(render_html_report(revised)).css_first("header").text()
    assert "published 13 January 2026, revised by the Monthly Bulletin of 20 January 2026" in header


def test_missing_period_names_the_latest_available(warehouse: Path) -> None:
    with pytest.raises(
        ValueError, match=r"period 2026-01 is not in the warehouse .*latest available period is 2025-12"
    ):
        load_report_data(warehouse, "2026-01")


def test_malformed_period_and_missing_warehouse(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a period key"):
        load_report_data(warehouse, "December 2025")
    with pytest.raises(FileNotFoundError, match="no warehouse at"):
        load_report_data(tmp_path / "absent.duckdb", PERIOD)


# --- Markdown and the table artifact ----------------------------------------------------------------
def test_markdown_names_headline_numbers_and_yoy(data: ReportData) -> None:
    md = render_markdown_summary(data)
    for expected in (
        "December 2025",
        "published 2026-01-13",
        "| Exports | US$330.3 bn | CNY 2,345.1 bn | +10.1% |",
        "| Imports | US$219.8 bn | CNY 1,560.6 bn | +9.9% |",
        "| Balance (surplus) | US$110.5 bn | CNY 784.5 bn | +US$10.5 bn on 2024-12 |",
        "| United States (USA) | US$40.0 bn | -US$10.0 bn | -20.0% |",
        "| Vietnam (VNM) | US$18.0 bn | +US$4.0 bn | +28.6% |",
        "critical: 3 passed, 0 failed; warning: 1 passed, 1 failed",
        "`yoy_plausible`",
    ):
        assert expected in md, expected
    assert not any(line != line.rstrip() for line in md.splitlines())


def test_amounts_are_in_words_with_units() -> None:
    assert format_amount(330_300_000_000) == "US$330.3 bn"
    # The sign leads: `-US$1.0 bn`, never `US$ -1.0 bn`.
    assert format_amount(-1_000_000_000) == "-US$1.0 bn"
    assert format_amount(-17_189_400_000) == "-US$17.2 bn"
    assert format_amount(512_300_000, signed=True) == "+US$512 m"
    assert format_amount(-512_300_000, signed=True) == "-US$512 m"
    assert format_amount(2_512_250_000_000, "CNY") == "CNY 2,512.2 bn"
    assert format_amount(-2_512_250_000_000, "CNY") == "-CNY 2,512.2 bn"
    assert format_amount(None) == "n/a"
    # Revisions are small: one more decimal.
    assert format_amount(-30_900_000, signed=True, precise=True) == "-US$30.9 m"
    assert format_amount(354_980_000_000, precise=True) == "US$354.98 bn"
    assert format_amount(999_960_000, precise=True) == "US$1.00 bn"
    assert format_amount(-220_000_000, "CNY", signed=True, precise=True) == "-CNY 220.0 m"
    assert [format_change_pct(v) for v in (-0.00935, 0.301, 12.34, None)] == [
        "-0.0094%",
        "+0.30%",
        "+12.3%",
        "n/a",
    ]
    assert period_label("2025-01..02") == "January–February 2025"


def test_top_partners_table_rows(data: ReportData) -> None:
    rows = top_partners_table(data)
    assert len(rows) == TOP_PARTNERS
    assert rows[0] == {
        "rank": 1,
        "partner": "United States",
        "partner_code": "USA",
        "exports_usd_bn": 40.0,
        "exports_yoy_pct": -20.0,
        "imports_usd_bn": 14.0,
        "imports_yoy_pct": None,
        "balance_usd_bn": 26.0,
    }
    json.dumps(rows, allow_nan=False)  # what a Prefect table artifact stores


# --- HTML -------------------------------------------------------------------------------------------
def _text(tree: LexborHTMLParser, selector: str) -> str:
    node = tree.css_first(selector)
    assert node is not None, f"nothing matches {selector!r}"
    return node.text()


CHART_IDS = [
    "chart-monthly-trade",
    "chart-surplus-by-country",
    "chart-surplus-by-group",
    "chart-partner-yoy",
    "chart-first-print",
]


def test_html_has_five_charts_each_an_svg_with_a_caption(html: str) -> None:
    assert html.count('<figure class="chart') == 5
    tree = LexborHTMLParser(html)
    figures = tree.css("figure.chart")
    assert [f.attributes["id"] for f in figures] == CHART_IDS
    for figure in figures:
        assert len(figure.css("svg")) == 1, figure.attributes["id"]
        assert figure.css_first("figcaption") is not None
    monthly, countries, groups, yoy, first_print = (f.css_first("svg") for f in figures)
    assert monthly is not None and countries is not None and groups is not None and yoy is not None
    assert first_print is not None and len(first_print.css("path")) >= 2 * HISTORY_PERIODS
    # Bars are paths: two per period in the monthly chart, one per partner in the others.
    assert len(monthly.css("path")) >= 2 * HISTORY_PERIODS
    assert len(countries.css("path")) >= SURPLUS_PARTNERS
    assert len(yoy.css("path")) >= TOP_PARTNERS
    # Text stays text (svg.fonttype none): partner names are in the chart, searchable.
    assert "World +10.1%" in yoy.text()


def test_countries_and_groups_have_separate_surplus_charts(html: str) -> None:
    tree = LexborHTMLParser(html)
    countries = _text(tree, "#chart-surplus-by-country svg")
    groups = _text(tree, "#chart-surplus-by-group svg")
    assert "Taiwan, China" in countries and "United States" in countries
    assert "European Union" not in countries and "RCEP" not in countries
    assert "European Union" in groups and "RCEP" in groups
    assert "United States" not in groups and "Taiwan" not in groups


def test_jan_feb_is_drawn_as_its_monthly_average(data: ReportData) -> None:
    # The chart draws each bar as a <path>; text is text, so the y ticks show the scale. Jan-Feb 2025's
    # exports are 2 x (250 + 22) bn: drawn at 272 bn a month, as high as a month, not a 544 bn spike.
    combined = next(t for t in data.history if t.period == "2025-01..02")
    assert combined.months_covered == 2 and combined.exports_usd == 2 * 272 * BN
    assert per_month(combined.exports_usd, combined.months_covered) == 272 * BN
    assert per_month(None, 2) is None
    with matplotlib.rc_context(CHART_RC):
        svg = chart_monthly_trade(data.history)
    assert "Jan–Feb: monthly average" in svg and "US$ billion a month" in svg
    numbers = [float(t.replace(",", "")) for t in re.findall(r"<text[^>]*>([\d,.]+)</text>", svg)]
    ticks = [n for n in numbers if n not in (2023, 2024, 2025)]  # the x axis names the years
    # At full height the y axis would run past 500; halved, it stays below the largest single month.
    assert ticks and max(ticks) < 400


def test_html_names_the_jan_feb_average_in_a_note(html: str) -> None:
    caption = " ".join(_text(LexborHTMLParser(html), "#chart-monthly-trade figcaption").split())
    assert "monthly average" in caption and "halved" in caption


def test_html_header_tables_and_footer(html: str) -> None:
    tree = LexborHTMLParser(html)
    header = _text(tree, "header")
    assert "December 2025" in header and "13 January 2026" in header
    headline = " ".join(_text(tree, "dl.headline").split())
    for expected in ("US$330.3 bn", "+10.1%", "US$219.8 bn", "+9.9%", "US$110.5 bn", "CNY 2,345.1 bn"):
        assert expected in headline, expected
    assert len(tree.css("#top-partners tbody tr")) == TOP_PARTNERS
    assert len(tree.css("#partner-moves tbody tr")) == 5
    assert _text(tree, ".status-warn") == "passed with warnings"
    assert len(tree.css("#validation tbody tr")) == 2
    footer = _text(tree, "footer")
    assert "General Administration of Customs" in footer
    assert f"customs report --period {PERIOD}" in footer


def test_html_loads_nothing_from_outside(html: str) -> None:
    assert re.search(r"https?://", html) is None
    assert re.search(r"<(link|script|img|iframe|object|embed)\b", html) is None
    assert "@import" not in html
    assert "@font-face" not in html
    # url() only to fragments inside the page (the charts' clip paths).
    assert set(re.findall(r"url\((.)", html)) <= {"#"}
    assert set(re.findall(r'href="(.)', html)) <= {"#"}


def test_html_ids_are_unique_and_references_resolve(html: str) -> None:
    ids = re.findall(r'\sid="([^"]+)"', html)
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    references = set(re.findall(r"url\(#([^)]+)\)", html)) | set(re.findall(r'href="#([^"]+)"', html))
    assert references and references <= set(ids)


def test_rendering_is_deterministic(warehouse: Path, data: ReportData, html: str) -> None:
    assert render_html_report(load_report_data(warehouse, PERIOD)) == html
    # Another process: nothing may hang on object ids, random salts or the clock.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from report.data import load_report_data
        from report.render import render_html_report
        sys.stdout.buffer.write(render_html_report(load_report_data(Path({str(warehouse)!r}), {PERIOD!r})).encode())
        """
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=300)
    assert other.stdout == html.encode()


def test_write_html_report_writes_the_file_atomically(warehouse: Path, tmp_path: Path, html: str) -> None:
    reports = tmp_path / "reports"  # created on demand
    path = write_html_report(warehouse, PERIOD, reports)
    assert path == reports / "report-2025-12.html"
    first = path.read_bytes()
    assert first == html.encode()
    assert write_html_report(warehouse, PERIOD, reports).read_bytes() == first
    assert sorted(p.name for p in reports.iterdir()) == ["report-2025-12.html"]  # no temporary left


def test_a_period_without_partner_figures_still_has_every_chart(warehouse: Path) -> None:
    page = render_html_report(load_report_data(warehouse, "2023-03"))  # world totals only
    tree = LexborHTMLParser(page)
    assert [len(f.css("svg")) for f in tree.css("figure.chart")] == [1, 1, 1, 1, 1]
    assert "No partner figures for this period" in _text(tree, "#chart-surplus-by-country")
    assert "No group figures for this period" in _text(tree, "#chart-surplus-by-group")
    assert "No year-earlier figures for this period" in _text(tree, "#chart-partner-yoy")


def test_combined_period_report(warehouse: Path) -> None:
    tree = LexborHTMLParser(render_html_report(load_report_data(warehouse, "2023-01..02")))
    assert "January–February 2023" in _text(tree, "h1")
    assert "2 months, published together" in _text(tree, "header")
    # Japan has no rate: its row is labelled, without a bar; the United States' -18.8% is drawn.
    yoy = _text(tree, "#chart-partner-yoy svg")
    assert "-18.8%" in yoy and "Japan" in yoy and "n/a" in yoy


# --- command line -----------------------------------------------------------------------------------
def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_command)

    @app.callback()
    def main() -> None:  # a group: the command keeps its name, as under `customs report`
        pass

    return app


def test_report_command_writes_and_prints_the_path(warehouse: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "warehouse.duckdb").write_bytes(warehouse.read_bytes())
    result = CliRunner().invoke(_cli(), ["report", "--period", PERIOD, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == data_dir.resolve() / "reports" / "report-2025-12.html"
    assert path.is_file()

    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(
        _cli(), ["report", "--period", PERIOD, "--data-dir", str(data_dir), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "report-2025-12.html").is_file()


def test_report_command_rejects_a_period_not_in_the_warehouse(warehouse: Path, tmp_path: Path) -> None:
    (tmp_path / "warehouse.duckdb").write_bytes(warehouse.read_bytes())
    result = CliRunner().invoke(_cli(), ["report", "--period", "2026-01", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "2025-12" in result.output

    result = CliRunner().invoke(_cli(), ["report", "--period", PERIOD, "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no warehouse at" in result.output


def test_totals_are_the_columns_of_the_monthly_trade_contract() -> None:
    # The report reads bi.monthly_trade's columns from its contract: a column added or renamed there must
    # show here, not as a failed query at release time.
    assert [f.name for f in dataclasses.fields(Totals)] == BI_MONTHLY_TRADE.column_names


# --- December: the full year; the source; no local path --------------------------------------------
def test_december_has_a_full_year_section(data: ReportData, html: str) -> None:
    annual = data.annual
    assert annual is not None and annual.year == 2025
    assert (annual.world.exports_usd, annual.world.exports_yoy_pct) == (3770 * BN, 5.5)
    assert annual.world_year_earlier is not None
    assert annual.balance_change_usd == round(1188.5 * BN) - 995 * BN
    # Countries only, by exports; the EU is a group. Names from December's bi.partner_trade.
    assert [(p.partner_code, p.partner_name) for p in annual.top_partners] == [
        ("USA", "United States"),
        ("JPN", "Japan"),
        ("TWN", "Taiwan, China"),
    ]
    assert [p.partner_code for p in annual.largest_surpluses] == ["USA"]
    assert [p.partner_code for p in annual.largest_deficits] == ["TWN", "JPN"]
    section = " ".join(_text(LexborHTMLParser(html), "#full-year").split())
    for expected in (
        "The full year 2025",
        "US$3,770.0 bn +5.5% on 2024",
        "Trade surplus, 2025 US$1,188.5 bn +US$193.5 bn on 2024",
        "Taiwan, China TWN -US$180.0 bn",
    ):
        assert expected in section, expected
    assert "## The full year 2025" in render_markdown_summary(data)


def test_other_months_have_no_full_year_section(warehouse: Path) -> None:
    for period in ("2025-11", "2025-01..02"):
        data = load_report_data(warehouse, period)
        assert data.annual is None
        assert 'id="full-year"' not in render_html_report(data)


def test_demo_data_is_labelled_as_the_synthetic_demo(data: ReportData, html: str, tmp_path: Path) -> None:
    tree = LexborHTMLParser(html)
    assert "synthetic demo data, not GACC's figures" in _text(tree, "header")
    footer = " ".join(_text(tree, "footer").split())
    assert footer.startswith("Source: Synthetic demo data")
    assert "by the General Administration of Customs" not in _text(tree, "header")

    gacc = load_report_data(build_warehouse(tmp_path / "gacc.duckdb", source="gacc"), PERIOD)
    assert not gacc.is_demo
    gacc_tree = LexborHTMLParser(render_html_report(gacc))
    assert "synthetic" not in render_html_report(gacc).lower()
    assert "by the General Administration of Customs (GACC)" in _text(gacc_tree, "header")
    assert _text(gacc_tree, "footer").split()[1:4] == ["General", "Administration", "of"]
    assert render_markdown_summary(gacc).count("GACC figures") == 1
    assert "Synthetic demo figures (not GACC's)" in render_markdown_summary(data)


def test_the_page_holds_no_local_path(warehouse: Path, html: str) -> None:
    assert str(warehouse.parent) not in html
    assert str(warehouse) not in html
    assert "warehouse.duckdb" in _text(LexborHTMLParser(html), "footer")


# --- revisions since the last release ---------------------------------------------------------------
def test_revisions_since_the_last_release(data: ReportData) -> None:
    r = data.revisions
    # The latest period: everything made public after November's first release (9 December 2025).
    assert (r.kept, r.previous_period, r.after, r.until) == (True, "2025-11", date(2025, 12, 9), None)
    assert (r.usd_revised, r.cny_revised) == (3, 1)
    rows = [
        (
            x.period,
            x.partner_code,
            x.partner_name,
            x.direction,
            x.revised_measure,
            x.previous_value,
            x.value,
            x.change,
        )
        for x in r.largest
    ]
    assert rows == [
        (
            "2025-12",
            "USA",
            "United States",
            "export",
            "value_usd",
            39_880_000_000,
            40_000_000_000,
            120_000_000,
        ),
        ("2025-12", "WLD", "World", "export", "value_usd", 330_330_900_000, 330_300_000_000, -30_900_000),
        (
            "2025-12",
            "WLD",
            "World",
            "export",
            "value_ytd_usd",
            3_770_030_900_000,
            3_770_000_000_000,
            -30_900_000,
        ),
    ]
    world = r.largest[1]
    assert (world.previous_source, world.previous_public_on) == ("preliminary", date(2026, 1, 13))
    assert (world.source, world.public_on) == ("bulletin", date(2026, 1, 20))
    assert world.change_pct == pytest.approx(100 * -30_900_000 / 330_330_900_000)
    assert (world.unit, world.is_cumulative, r.largest[2].is_cumulative) == ("US$", False, True)


def test_revisions_section_in_the_page_and_the_summary(data: ReportData, html: str) -> None:
    tree = LexborHTMLParser(html)
    cells = [
        [" ".join(td.text().split()) for td in tr.css("td")] for tr in tree.css("#revisions-largest tbody tr")
    ]
    assert cells[1] == [
        "World (WLD): exports, December 2025",
        "US$330.33 bn",
        "preliminary release, 13 January 2026",
        "US$330.30 bn",
        "Monthly Bulletin, 20 January 2026",
        "-US$30.9 m",
        "-0.0094%",
    ]
    assert cells[0][0] == "United States (USA): exports, December 2025" and cells[0][5:] == [
        "+US$120.0 m",
        "+0.30%",
    ]
    assert cells[2][0] == "World (WLD): exports, January–December 2025"
    note = " ".join(_text(tree, "#revisions .note").split())
    assert note.startswith(
        "All 3 US-dollar figures revised since the first release of November 2025 (9 December 2025)"
    )
    assert "1 yuan figure too" in note
    assert tree.css_first("#no-revisions") is None
    md = render_markdown_summary(data)
    assert "## Revisions since the last release" in md
    assert (
        "| World (WLD): exports, December 2025 | US$330.33 bn | US$330.30 bn | -US$30.9 m | -0.0094% |" in md
    )


def test_an_earlier_period_shows_the_revisions_up_to_its_own_release(warehouse: Path) -> None:
    november = load_report_data(warehouse, "2025-11")
    r = november.revisions
    # After October's first release (10 November), up to November's (9 December): October's import
    # revision of 18 November, not the December Bulletin's, which the December report shows.
    assert (r.after, r.until) == (date(2025, 11, 10), date(2025, 12, 9))
    assert [(x.period, x.direction, x.change) for x in r.largest] == [("2025-10", "import", 50_000_000)]
    note = " ".join(_text(LexborHTMLParser(render_html_report(november)), "#revisions .note").split())
    assert "up to this period's first release (9 December 2025)" in note


def test_no_revision_is_one_line(warehouse: Path) -> None:
    data = load_report_data(warehouse, "2024-06")
    assert not data.revisions.found and data.revisions.largest == ()
    tree = LexborHTMLParser(render_html_report(data))
    assert tree.css_first("#revisions-largest") is None
    line = " ".join(_text(tree, "#no-revisions").split())
    assert line == (
        "No figure was revised since the first release of May 2024 (10 June 2024), "
        "up to this period's first release (10 July 2024)."
    )
    md = render_markdown_summary(data)
    assert f"## Revisions since the last release\n\n{line}\n" in md
    # The chart says it too: no period of its window was revised.
    assert "No figure revised since its first print" in _text(tree, "#chart-first-print svg")


def test_first_print_vs_latest_of_the_history(data: ReportData, html: str) -> None:
    assert [p.period for p in data.first_prints] == [t.period for t in data.history]
    december = data.first_prints[-1]
    assert (december.exports_first_usd, december.exports_latest_usd) == (330_330_900_000, 330_300_000_000)
    assert (december.exports_revision_usd, december.imports_revision_usd) == (-30_900_000, 0)
    # The latest vintage is what the views show.
    assert [p.exports_latest_usd for p in data.first_prints] == [t.exports_usd for t in data.history]
    svg = _text(LexborHTMLParser(html), "#chart-first-print svg")
    assert "US$ million a month" in svg and "No figure revised" not in svg


def test_a_warehouse_without_vintages_says_so(tmp_path: Path) -> None:
    data = load_report_data(build_warehouse(tmp_path / "old.duckdb", vintages=False), PERIOD)
    assert not data.revisions.kept and data.first_prints == ()
    tree = LexborHTMLParser(render_html_report(data))
    assert "keeps no vintages" in _text(tree, "#no-revisions")
    assert "No vintages of China's totals" in _text(tree, "#chart-first-print svg")
    assert "bi.revisions" not in _text(tree, "footer")
