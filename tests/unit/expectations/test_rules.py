"""Every business rule on tiny literal frames: the rows it names as offending (pure polars, no GX).

Each rule is tested through `Rule.offending_rows`: its prepared frame filtered by the condition its
GX expectation checks. A good input names no row, a bad one names exactly the row it breaks. That GX
names the same rows is tested once for every rule in test_gate.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations import rules
from expectations.parameters import MAD_CAP, MAD_FLOOR, OUTLIER_K
from expectations.rules import Rule, rule_named
from tests.unit.expectations.literals import partner_trade, release, staging, surplus
from tests.unit.expectations.literals import trade_mode as trade_mode_fact
from warehouse.contracts import TableContract
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_MODE, FACT_TRADE_SURPLUS, STG_PRELIMINARY


def _rule(name: str, table: TableContract = STG_PRELIMINARY) -> Rule:
    return rule_named(name, table)


def _offending(rule: Rule, frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return rule.offending_rows(frame).select(columns)


def _expected(columns: list[str], rows: list[tuple[Any, ...]], like: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c: like.schema[c] for c in columns}, orient="row")


def test_the_registry_declares_each_rule_once_with_its_gx_class() -> None:
    keys = [(rule.name, rule.object_name) for rule in rules.RULES]
    assert len(keys) == len(set(keys))
    for rule in rules.RULES:
        assert rule.suite_name == f"rules.{rule.object_name}.{rule.name}"
        for expectation in rule.expectations:
            assert expectation.name.split(".")[0] == rule.name
            assert expectation.severity in ("critical", "warning")
            cls = expectation.spec().expectation_class()
            assert cls.__name__ == expectation.expectation
    spec = _rule("ei_equals_export_plus_import").expectations[0].spec()
    assert getattr(spec.expectation_class(), "expectation_type", None) == (
        "expect_total_to_equal_export_plus_import"
    )


def test_rule_named_rejects_an_unknown_rule() -> None:
    with pytest.raises(KeyError, match=r"no business rule 'no_such_rule' on staging\.preliminary_cells"):
        rule_named("no_such_rule", STG_PRELIMINARY)


# --- ei_equals_export_plus_import ------------------------------------------------------------------------

EI_COLUMNS = ["table_id", "label", "e_and_i", "export", "import", "deviation"]


def _partner_row(total: float, export: float | None, import_: float | None) -> pl.DataFrame:
    return staging(
        {"direction": "total", "figure_as_published": total},
        {"direction": "export", "figure_as_published": export},
        {"direction": "import", "figure_as_published": import_},
    )


@pytest.mark.parametrize(
    ("total", "export", "import_", "offends"),
    [
        (10.0, 6.0, 4.0, False),
        (10.2, 6.0, 4.0, False),  # within the rounding of three figures
        (10.5, 6.0, 4.0, True),
        (6.0, 6.0, None, False),  # a flow printed '-' counts as 0
        (10.0, None, None, False),  # no flow printed: nothing to compare
    ],
)
def test_ei_equals_export_plus_import_on_table_4(
    total: float, export: float | None, import_: float | None, offends: bool
) -> None:
    result = _offending(
        _rule("ei_equals_export_plus_import"), _partner_row(total, export, import_), EI_COLUMNS
    )
    rows = [("by_partner", "Japan", total, export, import_, abs(total - 10.0))] if offends else []
    assert_frame_equal(result, _expected(EI_COLUMNS, rows, result))


def test_ei_in_table_1_is_checked_across_its_rows() -> None:
    totals = {"table_id": "totals", "scale": 100_000_000}
    frame = staging(
        {
            **totals,
            "row_number": 1,
            "label": "Export & Import",
            "direction": "total",
            "figure_as_published": 10.0,
        },
        {**totals, "row_number": 2, "label": "Export", "direction": "export", "figure_as_published": 6.0},
        {**totals, "row_number": 3, "label": "Import", "direction": "import", "figure_as_published": 3.7},
    )
    result = _offending(_rule("ei_equals_export_plus_import"), frame, EI_COLUMNS)
    expected = _expected(EI_COLUMNS, [("totals", "Export & Import", 10.0, 6.0, 3.7, 0.3)], result)
    assert_frame_equal(result, expected)


# --- world_equals_table1_total ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table1_figure", "offends"),
    [
        (30.0, False),
        (30.4, False),  # US$ 40 million: within half of table (1)'s unit of US$ 100 million
        (31.0, True),
    ],
)
def test_world_equals_table1_total(table1_figure: float, offends: bool) -> None:
    frame = staging(
        {"label": "Total", "indent_level": 0, "figure_as_published": 3000.0},
        {
            "table_id": "totals",
            "scale": 100_000_000,
            "source_sha256": "f-totals",
            "label": "Export",
            "indent_level": 0,
            "figure_as_published": table1_figure,
        },
    )
    columns = ["release_id", "totals_release_id", "period", "direction", "difference", "tolerance"]
    result = _offending(_rule("world_equals_table1_total"), frame, columns)
    rows = [("r-2025-05", "r-2025-05", "2025-05", "export", -1e8, 0.55e8)] if offends else []
    assert_frame_equal(result, _expected(columns, rows, result))


# --- members_not_above_group --------------------------------------------------------------------------------


@pytest.mark.parametrize(("germany", "offends"), [(60.0, False), (70.1, False), (80.0, True)])
def test_members_not_above_group(germany: float, offends: bool) -> None:
    frame = staging(
        {"row_number": 1, "label": "European Union", "figure_as_published": 100.0},
        {
            "row_number": 2,
            "label": "Germany",
            "parent_label": "European Union",
            "figure_as_published": germany,
        },
        {"row_number": 3, "label": "France", "parent_label": "European Union", "figure_as_published": 30.0},
    )
    columns = ["group", "group_value", "members_sum", "members", "deviation", "tolerance"]
    result = _offending(_rule("members_not_above_group"), frame, columns)
    # Tolerance: half a printed step per member and for the group, plus a margin.
    rows = [("European Union", 100.0, 110.0, "Germany, France", 10.0, 0.16)] if offends else []
    assert_frame_equal(result, _expected(columns, rows, result))


# --- no_partner_above_world -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("japan", "offends"), [(20.0, False), (100.1, False), (150.0, True)])
def test_no_partner_above_world_in_staging(japan: float, offends: bool) -> None:
    frame = staging(
        {"row_number": 1, "label": "Total", "indent_level": 0, "figure_as_published": 100.0},
        {"row_number": 2, "label": "Japan", "figure_as_published": japan},
    )
    columns = ["label", "value", "world_value", "deviation"]
    result = _offending(_rule("no_partner_above_world"), frame, columns)
    rows = [("Japan", 150.0, 100.0, 50.0)] if offends else []
    assert_frame_equal(result, _expected(columns, rows, result))


@pytest.mark.parametrize(("usa", "offends"), [(100, False), (1_010, False), (1_020, True)])
def test_no_partner_above_world_in_the_fact(usa: int, offends: bool) -> None:
    frame = partner_trade(
        {"partner_code": "WLD", "value_usd": 1_000}, {"partner_code": "USA", "value_usd": usa}
    )
    columns = ["partner_code", "measure", "deviation", "tolerance"]
    result = _offending(_rule("no_partner_above_world", FACT_PARTNER_TRADE), frame, columns)
    # 1% of the World value: the fact's World and partners come from tables printed in other units.
    rows = [("USA", "value_usd", 20.0, 10.0)] if offends else []
    assert_frame_equal(result, _expected(columns, rows, result))


# --- yoy_agrees_with_levels ----------------------------------------------------------------------------------


def _yoy_frame(published_yoy_pct: float, **row: Any) -> pl.DataFrame:
    earlier = release("2024-05", date(2024, 6, 7))
    return staging(
        {**earlier, **row, "figure_as_published": 100.0},
        {**row, "figure_as_published": 110.0},
        {**row, "measure": "yoy_pct", "figure_as_published": published_yoy_pct},
    )


WORLD_ROW = {"table_id": "totals", "scale": 100_000_000, "label": "Export", "indent_level": 0}
YOY_COLUMNS = ["label", "period", "year_earlier", "deviation_world", "deviation_partners"]


@pytest.mark.parametrize(
    ("row", "published", "expected_rows"),
    [
        (WORLD_ROW, 10.0, []),
        (WORLD_ROW, 10.2, []),  # 0.15 pp for the rate's rounding, plus the levels' rounding
        (WORLD_ROW, 12.0, [("Export", "2025-05", "2024-05", 2.0, None)]),  # the World: critical
        ({}, 8.0, [("Japan", "2025-05", "2024-05", None, 2.0)]),  # a partner: a warning
    ],
)
def test_yoy_agrees_with_levels(
    row: dict[str, Any], published: float, expected_rows: list[tuple[Any, ...]]
) -> None:
    result = _offending(_rule("yoy_agrees_with_levels"), _yoy_frame(published, **row), YOY_COLUMNS)
    assert_frame_equal(result, _expected(YOY_COLUMNS, expected_rows, result))


def test_yoy_severity_follows_the_deviation_column() -> None:
    world, partners = _rule("yoy_agrees_with_levels").expectations
    assert (world.name, world.severity, world.kwargs["column_B"]) == (
        "yoy_agrees_with_levels.world",
        "critical",
        "deviation_world",
    )
    assert (partners.name, partners.severity, partners.kwargs["column_B"]) == (
        "yoy_agrees_with_levels.partners",
        "warning",
        "deviation_partners",
    )


def test_yoy_without_the_year_earlier_is_not_checked() -> None:
    frame = staging({"figure_as_published": 110.0}, {"measure": "yoy_pct", "figure_as_published": 99.0})
    assert _rule("yoy_agrees_with_levels").prepare(frame).is_empty()


# --- ytd_non_decreasing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("april", "offends"),
    [
        (400.0, False),
        (299.0, False),  # a revision: 0.3% below March, within 0.5% plus one printed step
        (290.0, True),
    ],
)
def test_ytd_non_decreasing(april: float, offends: bool) -> None:
    ytd = {"span": "ytd", "label": "United States (US)"}
    frame = staging(
        {**release("2025-03", date(2025, 4, 14)), **ytd, "figure_as_published": 300.0},
        {**release("2025-04", date(2025, 5, 9)), **ytd, "figure_as_published": april},
    )
    columns = ["release_id", "previous_release_id", "period", "previous_period", "deviation", "tolerance"]
    result = _offending(_rule("ytd_non_decreasing"), frame, columns)
    rows = [("r-2025-04", "r-2025-03", "2025-04", "2025-03", 1e7, 1.6e6)] if offends else []
    assert_frame_equal(result, _expected(columns, rows, result))
    assert _rule("ytd_non_decreasing").blame_columns == ("release_id", "previous_release_id")


def test_cross_period_rules_read_the_latest_vintage() -> None:
    """A re-posted page supersedes the first vintage: the first one's slip is not held against it."""
    ytd = {"span": "ytd"}
    first = {**release("2025-04", date(2025, 5, 9)), "release_id": "r-2025-04"}
    repost = {**first, "release_id": "r-2025-04+r2", "source_sha256": "f-2025-04+r2"}
    frame = staging(
        {**release("2025-03", date(2025, 4, 14)), **ytd, "figure_as_published": 300.0},
        {**first, **ytd, "figure_as_published": 1.0},  # the first vintage's value collapses
        {**repost, **ytd, "figure_as_published": 400.0},
    )
    assert rules.latest_vintage(frame).get_column("release_id").to_list() == ["r-2025-03", "r-2025-04+r2"]
    assert _rule("ytd_non_decreasing").offending_rows(frame).is_empty()


# --- no_missing_periods -----------------------------------------------------------------------------------------

PUBLISHED = {
    "2024-12": date(2025, 1, 13),
    "2025-01..02": date(2025, 3, 7),
    "2025-03": date(2025, 4, 14),
    "2025-04": date(2025, 5, 9),
    "2025-05": date(2025, 6, 9),
}


@pytest.mark.parametrize(
    ("periods", "missing"),
    [
        (["2024-12", "2025-01..02", "2025-03"], []),  # Jan-Feb counts as one period
        (["2025-03", "2025-05"], ["2025-04"]),
        (["2024-12", "2025-03"], ["2025-01..02"]),
    ],
)
def test_no_missing_periods_in_staging(periods: list[str], missing: list[str]) -> None:
    frame = staging(*(release(p, PUBLISHED[p]) for p in periods))
    columns = ["table_id", "currency", "period", "release_id"]
    result = _offending(_rule("no_missing_periods"), frame, columns)
    assert_frame_equal(result, _expected(columns, [("by_partner", "USD", p, None) for p in missing], result))


def test_table_2_is_not_expected_in_the_jan_feb_period() -> None:
    # Table (2) is of a single month: the Jan-Feb release prints its trade modes as table (3) only.
    frame = staging(
        *(
            {**release(p, PUBLISHED[p]), "table_id": table_id}
            for p in ("2024-12", "2025-01..02", "2025-03", "2025-05")
            for table_id in ("trade_mode_month", "trade_mode_ytd")
            if not (table_id == "trade_mode_month" and p == "2025-01..02")
        )
    )
    columns = ["table_id", "currency", "period", "release_id"]
    result = _offending(_rule("no_missing_periods"), frame, columns)
    expected = [(t, "USD", "2025-04", None) for t in ("trade_mode_month", "trade_mode_ytd")]
    assert_frame_equal(result.sort("table_id"), _expected(columns, expected, result))


def test_no_missing_periods_in_the_fact() -> None:
    frame = partner_trade(
        {"partner_code": "WLD", "period": "2025-03", "release_id": "r-2025-03"},
        {"partner_code": "WLD", "period": "2025-05", "release_id": "r-2025-05"},
        {"partner_code": "JPN", "period": "2025-04", "release_id": "r-2025-04"},  # not the World: not read
    )
    columns = ["partner_code", "period", "release_id"]
    result = _offending(_rule("no_missing_periods", FACT_PARTNER_TRADE), frame, columns)
    assert_frame_equal(result, _expected(columns, [("WLD", "2025-04", None)], result))


@pytest.mark.parametrize("table", [STG_PRELIMINARY, FACT_PARTNER_TRADE], ids=lambda t: t.qualified_name)
def test_a_missing_period_blames_no_release(table: TableContract) -> None:
    assert _rule("no_missing_periods", table).blame_columns == ()


# --- no_outlier_moves ---------------------------------------------------------------------------------------------------


def _monthly(values: dict[str, float]) -> pl.DataFrame:
    return staging(*({**release(p, PUBLISHED[p]), "figure_as_published": v} for p, v in values.items()))


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ({"2025-03": 100.0, "2025-04": 101.0, "2025-05": 102.0}, []),
        # x1000 in April: the jump into it and the fall out of it.
        (
            {"2025-03": 100.0, "2025-04": 100_000.0, "2025-05": 101.0},
            [("2025-04", "mom"), ("2025-05", "mom")],
        ),
    ],
)
def test_no_outlier_moves(values: dict[str, float], flagged: list[tuple[str, str]]) -> None:
    result = _offending(_rule("no_outlier_moves"), _monthly(values), ["period", "kind"])
    assert_frame_equal(result, _expected(["period", "kind"], flagged, result))


def test_outlier_threshold_is_clamped() -> None:
    """A smooth series gets the floor, one whose few points are outliers the cap."""
    smooth = _rule("no_outlier_moves").prepare(
        _monthly({"2025-03": 100.0, "2025-04": 101.0, "2025-05": 102.0})
    )
    slip = _rule("no_outlier_moves").prepare(_monthly({"2025-03": 100.0, "2025-04": 1e5, "2025-05": 101.0}))
    assert set(smooth.get_column("tolerance")) == {OUTLIER_K.value * MAD_FLOOR.value}
    assert set(slip.get_column("tolerance")) == {OUTLIER_K.value * MAD_CAP.value}


# --- rules on core facts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("balance_ytd_cny", "offends"), [(6, False), (7, False), (8, True)])
def test_balance_is_exports_minus_imports(balance_ytd_cny: int, offends: bool) -> None:
    frame = surplus({"balance_ytd_cny": balance_ytd_cny})
    columns = ["partner_code", "currency", "span", "difference"]
    result = _offending(_rule("balance_is_exports_minus_imports", FACT_TRADE_SURPLUS), frame, columns)
    assert_frame_equal(result, _expected(columns, [("USA", "CNY", "ytd", 2.0)] if offends else [], result))


@pytest.mark.parametrize(
    ("partner_code", "residual", "offends"),
    [
        ("JPN", 10_000_000, False),  # 1% of the value
        ("JPN", 20_000_000, True),
        ("JPN", -20_000_000, True),
        ("WLD", 90_000_000, False),  # the World is printed in 100 million: one printed unit is allowed
        ("WLD", 110_000_000, True),
    ],
)
def test_derived_month_matches_published(partner_code: str, residual: int, offends: bool) -> None:
    frame = partner_trade(
        {"partner_code": partner_code, "value_usd": 1_000_000_000, "revision_residual_usd": residual}
    )
    columns = ["partner_code", "currency", "revision_residual", "tolerance"]
    result = _offending(_rule("derived_month_matches_published", FACT_PARTNER_TRADE), frame, columns)
    tolerance = 1e8 if partner_code == "WLD" else 1e7
    rows = [(partner_code, "USD", residual, tolerance)] if offends else []
    assert_frame_equal(result, _expected(columns, rows, result))


@pytest.mark.parametrize(
    ("rate", "offends"), [(7.2, False), (5.0, False), (9.0, False), (4.9, True), (72.0, True), (None, False)]
)
def test_implied_rate_plausible(rate: float | None, offends: bool) -> None:
    frame = partner_trade({"partner_code": "FRA", "implied_cny_per_usd": rate})
    columns = ["partner_code", "implied_cny_per_usd"]
    result = _offending(_rule("implied_rate_plausible", FACT_PARTNER_TRADE), frame, columns)
    assert_frame_equal(result, _expected(columns, [("FRA", rate)] if offends else [], result))


# --- malformed input -------------------------------------------------------------------------------------


def test_a_malformed_period_is_left_to_the_contract_suite() -> None:
    frame = _partner_row(10.5, 6.0, 4.0).with_columns(period=pl.lit("2025-5"))
    assert _rule("ei_equals_export_plus_import").offending_rows(frame).is_empty()


def test_a_frame_without_a_column_the_rule_reads_cannot_be_prepared() -> None:
    frame = surplus({}).drop("balance_usd")
    with pytest.raises(pl.exceptions.ColumnNotFoundError, match="balance_usd"):
        _rule("balance_is_exports_minus_imports", FACT_TRADE_SURPLUS).offending_rows(frame)


# --- trade_modes_sum_to_total / trade_mode_total_equals_table1 ---------------------------------------------

TRADE_MODE = {"table_id": "trade_mode_month", "scale": 100_000_000, "indent_level": 0}
TRADE_MODE_SUM_COLUMNS = ["table_id", "direction", "total", "regimes_sum"]


@pytest.mark.parametrize(
    ("other", "offends"),
    [
        (40.0, False),
        (40.2, False),  # within the rounding of four printed figures (4 x 0.05 + 0.1)
        (40.4, True),
        (None, False),  # a regime printed '-' counts as 0 where the others add up
    ],
)
def test_trade_modes_sum_to_the_total_value_leaving_aggregates_out(
    other: float | None, offends: bool
) -> None:
    """Total 100 = Ordinary 60 + Processing-with-imported-materials 30 + Other 10; the printed
    'Processing trade' aggregate (30) is not added again."""
    ordinary = 60.0 if other is not None else 70.0
    frame = staging(
        *(
            {**TRADE_MODE, "row_number": row, "trade_mode_code": code, "figure_as_published": figure}
            for row, (code, figure) in enumerate(
                [
                    ("TOTAL", 100.0),
                    ("ORDINARY", ordinary),
                    ("PROCESSING", 30.0),
                    ("PROC_IMPORTED", 30.0),
                    ("OTHER", None if other is None else other - 30.0),
                ],
                start=1,
            )
        )
    )
    result = _offending(_rule("trade_modes_sum_to_total"), frame, TRADE_MODE_SUM_COLUMNS)
    rows = [("trade_mode_month", "export", 100.0, 60.0 + other)] if offends and other is not None else []
    assert_frame_equal(result, _expected(TRADE_MODE_SUM_COLUMNS, rows, result))


TRADE_MODE_TABLE1_COLUMNS = ["table_id", "span", "direction", "trade_mode_total", "table1_value"]
B = 100_000_000


def test_trade_mode_total_equals_table_1_per_span_and_direction() -> None:
    """Table (2) (month) and table (3) (January to month) against table (1)'s month and cumulative."""
    total = {"trade_mode_code": "TOTAL", "label": "Total Value"}
    frame = staging(
        {**TRADE_MODE, **total, "figure_as_published": 100.0},
        {**TRADE_MODE, **total, "table_id": "trade_mode_ytd", "span": "ytd", "figure_as_published": 500.0},
        {**TRADE_MODE, **total, "direction": "import", "figure_as_published": 90.0},
        {**TRADE_MODE, "table_id": "totals", "label": "Export", "figure_as_published": 100.0},
        {**TRADE_MODE, "table_id": "totals", "label": "Export", "span": "ytd", "figure_as_published": 500.04},
        {
            **TRADE_MODE,
            "table_id": "totals",
            "label": "Import",
            "direction": "import",
            "figure_as_published": 80.0,
        },
    )
    rule = _rule("trade_mode_total_equals_table1")

    assert rule.prepare(frame).height == 3
    result = _offending(rule, frame, TRADE_MODE_TABLE1_COLUMNS)
    rows = [("trade_mode_month", "month", "import", 90 * B, 80 * B)]
    assert_frame_equal(result, _expected(TRADE_MODE_TABLE1_COLUMNS, rows, result))


def test_jan_feb_trade_mode_month_table_is_compared_with_table_1_cumulative() -> None:
    jan_feb = {**TRADE_MODE, "period": "2025-01..02", "months_covered": 2}
    frame = staging(
        {**jan_feb, "trade_mode_code": "TOTAL", "figure_as_published": 100.0},
        {**jan_feb, "table_id": "totals", "span": "ytd", "figure_as_published": 120.0},
    )
    result = _offending(_rule("trade_mode_total_equals_table1"), frame, TRADE_MODE_TABLE1_COLUMNS)
    rows = [("trade_mode_month", "ytd", "export", 100 * B, 120 * B)]
    assert_frame_equal(result, _expected(TRADE_MODE_TABLE1_COLUMNS, rows, result))


# --- bulletin_regimes_sum_to_total ---------------------------------------------------------------------

BULLETIN = {"table_id": "bulletin_trade_mode", "scale": 1_000, "indent_level": 0}
BULLETIN_SUM_COLUMNS = ["table_id", "direction", "total", "regimes_sum", "tolerance"]


def _bulletin_page(total: float, regimes: list[float | None]) -> pl.DataFrame:
    codes = ["ORDINARY", "PROC_ASSEMBLY", "PROC_IMPORTED", "BORDER", "OTHER"]
    return staging(
        {**BULLETIN, "trade_mode_code": "TOTAL", "figure_as_published": total},
        # The printed 'Processing trade' aggregate is never added to its members.
        {**BULLETIN, "row_number": 2, "trade_mode_code": "PROCESSING", "figure_as_published": 1_000_000.0},
        *(
            {**BULLETIN, "row_number": row, "trade_mode_code": code, "figure_as_published": figure}
            for row, (code, figure) in enumerate(zip(codes, regimes, strict=False), start=3)
        ),
    )


@pytest.mark.parametrize(
    ("regimes", "offends"),
    [
        ([600_000.0, 400_000.0], False),
        ([600_000.0, 400_001.0], False),  # one unit: within half a unit per figure (3 x 0.5)
        ([600_000.0, 399_998.0], True),  # two units over two regimes and the total: beyond 1.5
        ([600_000.0, 200_000.0, 200_002.0, None, None], False),  # two units over 4 figures, '-' left out
        ([600_000.0, 400_000.0 + 10.0], True),  # a mistyped regime
    ],
)
def test_bulletin_regimes_sum_to_its_total_within_half_a_printed_unit_per_figure(
    regimes: list[float | None], offends: bool
) -> None:
    frame = _bulletin_page(1_000_000.0, regimes)
    result = _offending(_rule("bulletin_regimes_sum_to_total"), frame, BULLETIN_SUM_COLUMNS)
    printed = [r for r in regimes if r is not None]
    rows = [("bulletin_trade_mode", "export", 1_000_000.0, sum(printed), 0.5 * (len(printed) + 1))]
    assert_frame_equal(result, _expected(BULLETIN_SUM_COLUMNS, rows if offends else [], result))


def test_the_real_pages_rounding_of_two_units_over_seventeen_regimes_passes() -> None:
    """The real 10.2019 page misses its TOTAL by US$2,000 over 17 regimes: within 18 x 0.5 units."""
    regimes = [10_000.0] * 16 + [40_002.0]
    frame = staging(
        {**BULLETIN, "trade_mode_code": "TOTAL", "figure_as_published": 200_000.0},
        *(
            {**BULLETIN, "row_number": row, "trade_mode_code": f"R{row}", "figure_as_published": figure}
            for row, figure in enumerate(regimes, start=2)
        ),
    )
    rule = _rule("bulletin_regimes_sum_to_total")
    assert rule.offending_rows(frame).is_empty()
    (prepared,) = rule.prepare(frame).select("difference", "tolerance").rows()
    assert prepared == (2.0, 9.0)


def test_the_bulletin_sum_rule_leaves_the_preliminary_trade_mode_tables_alone() -> None:
    frame = _bulletin_page(1_000_000.0, [600_000.0, 300_000.0]).with_columns(
        table_id=pl.lit("trade_mode_month")
    )
    assert _rule("bulletin_regimes_sum_to_total").prepare(frame).is_empty()


# --- bulletin_revision_within_tolerance ------------------------------------------------------------------

BULLETIN_VINTAGE = {"release_id": "bulletin:2025-05", "vintage_source": "bulletin", "vintage_precedence": 3}
REVISION_COLUMNS = [
    "release_id",
    "preliminary_release_id",
    "period",
    "partner_code",
    "direction",
    "measure",
    "bulletin_value",
    "preliminary_value",
    "revision",
]
T = 1_000_000_000_000  # a trillion: the World's yearly exports are a few


@pytest.mark.parametrize(
    ("bulletin_usd", "offends"),
    [
        (T - 30_900_000, False),  # December 2025's revision: -0.003% here
        (T + 1_005_000_000, False),  # 0.1% plus half the printed step (US$5 million)
        (T - 1_006_000_000, True),
    ],
)
def test_a_bulletin_revision_beyond_the_tolerance_is_named_with_both_values(
    bulletin_usd: int, offends: bool
) -> None:
    frame = partner_trade(
        {"release_id": "preliminary:old", "partner_code": "WLD", "value_usd": T + 7, "vintage_precedence": 1},
        {"release_id": "preliminary:2025-05", "partner_code": "WLD", "value_usd": T, "vintage_precedence": 2},
        {"partner_code": "WLD", "value_usd": bulletin_usd, **BULLETIN_VINTAGE},
        # The Bulletin's CNY edition is missing: nothing to compare, nothing offends.
        {"partner_code": "WLD", "direction": "import", "value_cny": 5 * T, "vintage_precedence": 2},
    )
    rule = _rule("bulletin_revision_within_tolerance", FACT_PARTNER_TRADE)
    result = _offending(rule, frame, REVISION_COLUMNS)
    rows = [
        ("bulletin:2025-05", "preliminary:2025-05", "2025-05", "WLD", "export", "value_usd", bulletin_usd, T,
         bulletin_usd - T),
    ]  # fmt: skip
    assert_frame_equal(result, _expected(REVISION_COLUMNS, rows if offends else [], result))


def test_a_derived_bulletin_january_is_not_a_revision_of_anything() -> None:
    frame = partner_trade(
        {"period": "2025-01", "value_usd": T, "vintage_precedence": 1},
        {"period": "2025-01", "value_usd": 2 * T, "value_source": "derived", **BULLETIN_VINTAGE},
    )
    assert _rule("bulletin_revision_within_tolerance", FACT_PARTNER_TRADE).prepare(frame).is_empty()


def test_a_bulletin_trade_mode_revision_names_the_regime() -> None:
    frame = trade_mode_fact(
        {"trade_mode_code": "ORDINARY", "value_ytd_usd": 100_000_000_000},
        {"trade_mode_code": "ORDINARY", "value_ytd_usd": 99_000_000_000, **BULLETIN_VINTAGE},
        {"trade_mode_code": "TOTAL", "value_ytd_usd": 300_000_000_000},
        {"trade_mode_code": "TOTAL", "value_ytd_usd": 300_000_100_000, **BULLETIN_VINTAGE},
    )
    result = _rule("bulletin_revision_within_tolerance", FACT_TRADE_MODE).offending_rows(frame)
    assert result.select("trade_mode_code", "measure", "bulletin_value", "preliminary_value").rows() == [
        ("ORDINARY", "value_ytd_usd", 99_000_000_000, 100_000_000_000)
    ]
