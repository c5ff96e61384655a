"""The BI layer without traps (issue 13), in SQL against the published demo warehouse.

One name per concept across core and bi, partner names and group flags on every partner view, y/y figures
that say where they come from, commodity codes that say what kind they are, periods that say what they
cover, and a data dictionary whose traps hold on the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.codes import COMMODITY_CODE_KINDS, PERIOD_KINDS, YOY_SOURCES
from warehouse.reference import load_hs_headings
from warehouse.tables import BI_VIEWS
from warehouse.traps import DEMO_EXPORTS_2025_ANNUAL_BN, DEMO_EXPORTS_2025_SUM_OF_PERIODS_BN, TRAPS

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

PARTNER_VIEWS = ("bi.partner_trade", "bi.trade_surplus", "bi.annual_trade")
# (view, y/y column, its source column, the core column it shows, the core source column)
YOY_COLUMNS = [
    ("bi.monthly_trade", "exports_yoy_pct", "exports_yoy_source", "exports_yoy_pct", "exports_yoy_source"),
    ("bi.monthly_trade", "imports_yoy_pct", "imports_yoy_source", "imports_yoy_pct", "imports_yoy_source"),
    ("bi.partner_trade", "exports_yoy_pct", "exports_yoy_source", "exports_yoy_pct", "exports_yoy_source"),
    ("bi.partner_trade", "imports_yoy_pct", "imports_yoy_source", "imports_yoy_pct", "imports_yoy_source"),
    (
        "bi.annual_trade",
        "exports_yoy_pct",
        "exports_yoy_source",
        "exports_ytd_yoy_pct",
        "exports_ytd_yoy_source",
    ),
    (
        "bi.annual_trade",
        "imports_yoy_pct",
        "imports_yoy_source",
        "imports_ytd_yoy_pct",
        "imports_ytd_yoy_source",
    ),
]


@pytest.fixture
def con(published_demo: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(published_demo / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    rows = _rows(con, sql, *params)
    assert len(rows) == 1, f"{sql} {params}: {rows}"
    return rows[0]


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]


# --- one name per concept ---------------------------------------------------------------------------
def test_a_core_join_by_partner_code_gives_the_same_partner_name_as_the_views(
    con: duckdb.DuckDBPyConnection,
) -> None:
    joined = _rows(
        con,
        "SELECT period, partner_code, partner_name FROM core.fact_trade_surplus"
        " JOIN core.dim_partner USING (partner_code) ORDER BY period, partner_code",
    )
    in_view = _rows(con, "SELECT period, partner_code, partner_name FROM bi.partner_trade ORDER BY ALL")
    # The view leaves out a combined Jan-Feb once the same partner has its two months (a Bulletin's split).
    months = {(period, code) for period, code, _ in joined}
    split = {
        (period, code)
        for period, code, _ in joined
        if ".." in period and {(period[:5] + "01", code), (period[:5] + "02", code)} <= months
    }
    assert split and joined and [r for r in joined if r[:2] not in split] == in_view
    assert ("2025-11", "USA", "United States") in joined


def test_commodity_trade_carries_core_s_commodity_code_beside_the_kept_hs_code(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = _rows(
        con,
        "SELECT t.hs_code, commodity_code, d.commodity_name_en FROM bi.commodity_trade AS t"
        " JOIN core.dim_commodity AS d USING (commodity_code)",
    )
    (total,) = _one(con, "SELECT count(*) FROM bi.commodity_trade")
    assert len(rows) == total > 0
    assert all(hs_code == code for hs_code, code, _ in rows)


def test_the_published_views_have_the_declared_columns(con: duckdb.DuckDBPyConnection) -> None:
    for view in BI_VIEWS:
        assert _columns(con, view.qualified_name) == view.column_names


# --- partner views ----------------------------------------------------------------------------------
@pytest.mark.parametrize("view", PARTNER_VIEWS)
def test_every_partner_view_carries_partner_name_and_is_group_from_the_dimension(
    con: duckdb.DuckDBPyConnection, view: str
) -> None:
    mismatched = _rows(
        con,
        f"SELECT v.partner_code FROM {view} AS v JOIN core.dim_partner AS p USING (partner_code)"
        " WHERE v.partner_name IS DISTINCT FROM p.partner_name OR v.is_group IS DISTINCT FROM p.is_group",
    )
    (count,) = _one(con, f"SELECT count(*) FROM {view} WHERE partner_name IS NULL OR is_group IS NULL")
    assert mismatched == [] and count == 0


def test_ranking_partners_by_surplus_without_groups_is_one_query(con: duckdb.DuckDBPyConnection) -> None:
    ranking = _rows(
        con,
        "SELECT partner_code, partner_name FROM bi.trade_surplus"
        " WHERE period = '2025-12' AND NOT is_group ORDER BY balance_ytd_usd DESC LIMIT 5",
    )
    # The same ranking the long way round, from core: countries only, by their year-to-date balance.
    expected = _rows(
        con,
        "SELECT s.partner_code, p.partner_name FROM core.fact_trade_surplus AS s"
        " JOIN core.dim_partner AS p USING (partner_code)"
        " WHERE s.period = '2025-12' AND NOT p.is_group ORDER BY s.balance_ytd_usd DESC LIMIT 5",
    )
    groups = {code for (code,) in _rows(con, "SELECT partner_code FROM core.dim_partner WHERE is_group")}
    assert len(ranking) == 5 and ranking == expected
    assert not groups & {code for code, _ in ranking}
    # Without the filter a group tops the list: the trap the flag avoids.
    (top,) = _one(
        con,
        "SELECT partner_code FROM bi.trade_surplus WHERE period = '2025-12' ORDER BY balance_ytd_usd DESC LIMIT 1",
    )
    assert top in groups


# --- y/y: published or derived -------------------------------------------------------------------------
@pytest.mark.parametrize(("view", "pct", "source", "core_pct", "core_source"), YOY_COLUMNS)
def test_every_yoy_says_where_it_comes_from_and_derived_ones_are_rounded_as_gacc_prints(
    con: duckdb.DuckDBPyConnection, view: str, pct: str, source: str, core_pct: str, core_source: str
) -> None:
    keys = "year(s.period_start) = v.year" if view == "bi.annual_trade" else "s.period = v.period"
    year_end = " AND s.period LIKE '%-12'" if view == "bi.annual_trade" else ""
    partner = "" if view == "bi.monthly_trade" else " AND s.partner_code = v.partner_code"
    if view == "bi.monthly_trade":
        year_end += " AND s.partner_code = 'WLD'"
    rows = _rows(
        con,
        f"SELECT v.{pct}, v.{source}, s.{core_pct}, s.{core_source} FROM {view} AS v"
        f" JOIN core.fact_trade_surplus AS s ON {keys}{partner}{year_end}",
    )
    (count,) = _one(con, f"SELECT count(*) FROM {view}")
    assert len(rows) == count > 0
    sources = {r[1] for r in rows}
    assert sources <= {*YOY_SOURCES, None}
    for shown, kind, full, core_kind in rows:
        assert kind == core_kind
        assert (shown is None) == (kind is None)
        if kind == "published":
            assert shown == full
        elif kind == "derived":
            assert shown == round(full, 1)
    if view == "bi.partner_trade":  # table (4) prints few partner y/y figures: most are derived
        assert {"published", "derived"} <= sources


def test_the_facts_y_y_figures_keep_their_source(con: duckdb.DuckDBPyConnection) -> None:
    world = _one(
        con,
        "SELECT exports_yoy_pct, exports_yoy_source FROM bi.partner_trade WHERE period = '2025-11'"
        " AND partner_code = 'WLD'",
    )
    # Table (4) prints no partner's month y/y: derived, for a month without a Bulletin (2025's print it).
    usa, usa_source, usa_full = _one(
        con,
        "SELECT v.exports_yoy_pct, v.exports_yoy_source, s.exports_yoy_pct FROM bi.partner_trade AS v"
        " JOIN core.fact_trade_surplus AS s USING (period, partner_code)"
        " WHERE period = '2024-11' AND partner_code = 'USA'",
    )
    assert world == (5.9, "published")
    assert usa_source == "derived" and usa == round(usa_full, 1) != usa_full  # core keeps full precision


def test_share_of_total_balance_is_rounded_in_bi_and_full_in_core(con: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(
        con,
        "SELECT v.share_of_total_balance_pct, s.share_of_total_balance_pct FROM bi.trade_surplus AS v"
        " JOIN core.fact_trade_surplus AS s USING (period, partner_code)",
    )
    assert rows and all(shown == (None if full is None else round(full, 1)) for shown, full in rows)
    assert any(full is not None and full != round(full, 1) for _, full in rows)


# --- commodity detail and periods ------------------------------------------------------------------------
def test_commodity_codes_say_what_kind_they_are(con: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(con, "SELECT DISTINCT commodity_code, commodity_code_kind FROM bi.commodity_trade")
    kinds = dict(rows)
    assert set(kinds.values()) <= set(COMMODITY_CODE_KINDS)
    assert kinds["M-CRUDE"] == "gacc_label"
    for code, kind in kinds.items():
        if re.fullmatch(r"\d{8}", code):
            assert kind == "hs8", code
        else:
            assert kind == "gacc_label" and re.fullmatch(r"[MX]-[A-Z]+", code), code
    assert "hs8" in kinds.values()


def test_commodity_names_in_english_from_the_reference_and_chinese_as_published(
    con: duckdb.DuckDBPyConnection,
) -> None:
    headings = dict(load_hs_headings().select("heading", "description").iter_rows())
    rows = _rows(
        con,
        "SELECT DISTINCT t.commodity_code, t.commodity_code_kind, t.commodity_name, t.commodity_name_en,"
        " t.commodity_name_zh, t.hs_heading, d.commodity_name FROM bi.commodity_trade AS t"
        " JOIN core.dim_commodity AS d USING (commodity_code)",
    )
    for code, kind, name, name_en, name_zh, heading, reference_label in rows:
        if kind == "hs8":
            assert heading == code[:4] and name_en == headings[heading], code
            assert name_zh == name and re.search(r"[\u4e00-\u9fff]", name_zh), code
        else:
            # GACC's English label (the reference's first spelling; rows keep the one they printed).
            assert name_en == reference_label and name_zh is None, code
            assert re.fullmatch(r"[ -~]+", name_en), code


@pytest.mark.parametrize(
    "view",
    # bi.trade_mode too, but the demo has no trade-mode tables: tests/unit/warehouse/test_bi_contract.py
    ["bi.monthly_trade", "bi.partner_trade", "bi.trade_surplus", "bi.commodity_trade"],
)
def test_every_view_with_a_period_says_what_it_covers(con: duckdb.DuckDBPyConnection, view: str) -> None:
    kinds = dict(_rows(con, f"SELECT DISTINCT period, period_kind FROM {view}"))
    assert set(kinds.values()) == set(PERIOD_KINDS)
    assert all((kind == "jan_feb_combined") == (".." in period) for period, kind in kinds.items())


def test_a_year_of_commodity_detail_sums_each_month_once(con: duckdb.DuckDBPyConnection) -> None:
    # Both kinds of period stand in one view for 2024 ...
    (kinds,) = _one(
        con, "SELECT count(DISTINCT period_kind) FROM bi.commodity_trade WHERE period LIKE '2024-%'"
    )
    assert kinds == 2
    # ... but never in one series, so the dictionary's example query counts every month once.
    example = next(t for t in TRAPS if t.name == "jan-feb-combined").example_sql
    rows = con.execute(example).fetchall()
    columns = [d[0] for d in con.description]
    months = [dict(zip(columns, r, strict=True)) for r in rows]
    assert months and max(r["months_summed"] for r in months) <= 12
    assert {r["months_summed"] for r in months if r["commodity_code_kind"] == "gacc_label"} == {12}


# --- the dictionary's traps hold on the data ----------------------------------------------------------
def test_annual_figure_and_sum_of_periods_are_the_dictionary_s_and_the_revisions_explain_the_gap(
    con: duckdb.DuckDBPyConnection,
) -> None:
    annual, summed = _one(
        con,
        "SELECT a.exports_usd, (SELECT sum(exports_usd) FROM bi.monthly_trade WHERE year(period_start) = 2025)"
        " FROM bi.annual_trade AS a WHERE a.year = 2025 AND a.partner_code = 'WLD'",
    )
    (residuals,) = _one(
        con,
        "SELECT sum(revision_residual_usd) FROM core.fact_partner_trade WHERE is_latest_vintage"
        " AND partner_code = 'WLD' AND direction = 'export' AND period LIKE '2025-%'",
    )
    assert round(annual / 1e9, 1) == DEMO_EXPORTS_2025_ANNUAL_BN
    assert round(summed / 1e9, 1) == DEMO_EXPORTS_2025_SUM_OF_PERIODS_BN
    assert summed - annual == residuals != 0


def test_cny_growth_differs_from_usd_growth_as_the_dictionary_says(con: duckdb.DuckDBPyConnection) -> None:
    example = next(t for t in TRAPS if t.name == "cny-vs-usd-growth").example_sql
    by_period = {r[0]: r[1:] for r in con.execute(example).fetchall()}
    usd, cny = by_period["2025-11"]
    assert usd == 5.9 and abs(cny - 4) < 0.5


def test_a_missing_measure_is_null_never_zero(con: duckdb.DuckDBPyConnection) -> None:
    (nulls,) = _one(con, "SELECT count(*) FROM bi.partner_trade WHERE exports_yoy_pct IS NULL")
    (null_sources,) = _one(
        con,
        "SELECT count(*) FROM bi.partner_trade WHERE exports_yoy_pct IS NULL AND exports_yoy_source IS NULL",
    )
    assert nulls > 0 and null_sources == nulls


def test_money_is_in_whole_currency_units(con: duckdb.DuckDBPyConnection) -> None:
    (exports,) = _one(con, "SELECT exports_usd FROM bi.monthly_trade WHERE period = '2025-11'")
    (unit,) = _one(
        con,
        "SELECT unit FROM meta.data_dictionary WHERE object_name = 'monthly_trade' AND column_name = 'exports_usd'",
    )
    assert isinstance(exports, int) and round(exports / 1e9, 1) == 330.3 and unit == "US dollars"


@pytest.mark.parametrize("trap", TRAPS, ids=lambda t: t.name)
def test_every_trap_s_example_query_runs_on_the_demo(con: duckdb.DuckDBPyConnection, trap: object) -> None:
    from warehouse.traps import Trap

    assert isinstance(trap, Trap)
    assert con.execute(trap.example_sql).fetchall(), trap.name
    for column in trap.columns:
        schema, name, col = column.split(".")
        (found,) = _one(
            con,
            "SELECT count(*) FROM meta.data_dictionary WHERE object_schema = ? AND object_name = ?"
            " AND column_name = ?",
            schema,
            name,
            col,
        )
        assert found == 1, column


def test_the_published_dictionary_lists_the_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    rows = set(
        _rows(con, "SELECT object_name, column_name FROM meta.data_dictionary WHERE object_schema = 'bi'")
    )
    assert {
        ("trade_surplus", "partner_name"),
        ("annual_trade", "is_group"),
        ("monthly_trade", "exports_yoy_source"),
        ("commodity_trade", "commodity_code_kind"),
        ("commodity_trade", "period_kind"),
    } <= rows
