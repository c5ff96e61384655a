"""Every business rule: a good input passes, a small bad one trips it and the message says where."""

from __future__ import annotations

import json

import polars as pl
import pytest

from expectations import rules
from expectations.checks import Check, ExpectationSpec
from expectations.gate import GateResult, validate_checks
from tests.unit.expectations import frames
from tests.unit.expectations.frames import cell, figure_of, set_figure
from transforms.periods import Period
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_SURPLUS

STAGING = "staging.preliminary_cells"
PARTNER_TRADE = "core.fact_partner_trade"


@pytest.fixture(scope="module")
def inputs() -> frames.Inputs:
    return frames.good_inputs()


@pytest.fixture(scope="module")
def staging(inputs: frames.Inputs) -> pl.DataFrame:
    return inputs.staging_preliminary


@pytest.fixture(scope="module")
def partner_trade(inputs: frames.Inputs) -> pl.DataFrame:
    return inputs.tables[FACT_PARTNER_TRADE]


def _rule_check(prepare: object, frame: pl.DataFrame) -> Check:
    rule = next(r for r in rules.RULES if r.prepare is prepare)
    return rule.check(frame)


def _run(check: Check) -> GateResult:
    assert check.frame.height, f"{check.suite_name} prepared no rows: the rule would check nothing"
    return validate_checks([check], run_id="rule-test", validated_at=frames.VALIDATED_AT)


def _assert_trips(
    result: GateResult, rule: str, table: str, *expected_in_message: str, severity: str = "critical"
) -> None:
    findings = result.findings(rule)
    assert findings, result.message()
    assert {f.severity for f in findings} == {severity}
    assert result.passed is (severity != "critical")
    message = result.message()
    for text in (rule, table, *expected_in_message):
        assert text in message, f"{text!r} not in:\n{message}"


def _assert_passes(result: GateResult) -> None:
    assert result.passed and not result.warnings, result.message()


def test_every_rule_is_catalogued_with_a_gx_class() -> None:
    for rule in rules.RULES:
        for info in rule.expectations:
            assert info.spec().expectation_class().__name__ == info.expectation
            assert info.severity in ("critical", "warning")
    spec = ExpectationSpec(
        "r",
        "critical",
        "ExpectTotalToEqualExportPlusImport",
        {},
        base="ExpectColumnPairValuesAToBeGreaterThanB",
    )
    expectation_type = getattr(spec.expectation_class(), "expectation_type", None)
    assert expectation_type == "expect_total_to_equal_export_plus_import"


# --- ei_equals_export_plus_import ------------------------------------------------------------------------


def test_ei_equals_export_plus_import(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.ei_equals_export_plus_import, staging)))
    where = cell(
        table_id="by_partner",
        period="2025-03",
        currency="USD",
        label="Japan",
        direction="total",
        span="month",
    )
    broken = set_figure(staging, where, figure_of(staging, where) + 1.0)
    result = _run(_rule_check(rules.ei_equals_export_plus_import, broken))
    _assert_trips(result, "ei_equals_export_plus_import", STAGING, "label=Japan", "period=2025-03")
    assert result.failed_release_ids == {frames.release_id(Period.parse("2025-03"))}


def test_ei_in_table_1_is_checked_across_its_rows(staging: pl.DataFrame) -> None:
    where = cell(
        table_id="totals", period="2024-09", currency="CNY", label="Import", direction="import", span="ytd"
    )
    broken = set_figure(staging, where, figure_of(staging, where) - 0.3)
    result = _run(_rule_check(rules.ei_equals_export_plus_import, broken))
    _assert_trips(result, "ei_equals_export_plus_import", STAGING, "label=Export & Import", "period=2024-09")


def test_ei_within_rounding_passes(staging: pl.DataFrame) -> None:
    where = cell(
        table_id="by_partner",
        period="2025-03",
        currency="USD",
        label="Japan",
        direction="export",
        span="month",
    )
    _assert_passes(
        _run(
            _rule_check(
                rules.ei_equals_export_plus_import,
                set_figure(staging, where, figure_of(staging, where) + 0.1),
            )
        )
    )


# --- balance_is_exports_minus_imports --------------------------------------------------------------------


def test_balance_is_exports_minus_imports(inputs: frames.Inputs) -> None:
    surplus = inputs.tables[FACT_TRADE_SURPLUS]
    _assert_passes(_run(_rule_check(rules.balance_is_exports_minus_imports, surplus)))
    hit = (pl.col("partner_code") == "USA") & (pl.col("period") == "2025-03")
    broken = surplus.with_columns(
        balance_ytd_cny=pl.when(hit)
        .then(pl.col("balance_ytd_cny") + 10**9)
        .otherwise(pl.col("balance_ytd_cny"))
    )
    result = _run(_rule_check(rules.balance_is_exports_minus_imports, broken))
    _assert_trips(
        result,
        "balance_is_exports_minus_imports",
        "core.fact_trade_surplus",
        "partner_code=USA",
        "period=2025-03",
        "currency=CNY",
    )


# --- world_equals_table1_total ------------------------------------------------------------------------------


def test_world_equals_table1_total(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.world_equals_table1_total, staging)))
    where = cell(
        table_id="totals", period="2024-11", currency="USD", label="Export", direction="export", span="month"
    )
    broken = set_figure(staging, where, figure_of(staging, where) + 1.0)  # US$ 100 million
    result = _run(_rule_check(rules.world_equals_table1_total, broken))
    _assert_trips(
        result, "world_equals_table1_total", STAGING, "period=2024-11", "direction=export", "currency=USD"
    )


def test_world_within_the_coarser_unit_passes(staging: pl.DataFrame) -> None:
    where = cell(
        table_id="totals", period="2024-11", currency="USD", label="Export", direction="export", span="month"
    )
    # US$ 40 million: less than half of table (1)'s unit of US$ 100 million.
    broken = set_figure(staging, where, figure_of(staging, where) + 0.4)
    _assert_passes(_run(_rule_check(rules.world_equals_table1_total, broken)))


# --- members_not_above_group --------------------------------------------------------------------------------


def test_members_not_above_group(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.members_not_above_group, staging)))
    group = cell(
        table_id="by_partner",
        period="2025-04",
        currency="CNY",
        label="European Union",
        direction="import",
        span="ytd",
    )
    germany = cell(
        table_id="by_partner",
        period="2025-04",
        currency="CNY",
        label="Germany",
        direction="import",
        span="ytd",
    )
    broken = set_figure(staging, germany, figure_of(staging, group))  # Germany alone as big as the EU
    result = _run(_rule_check(rules.members_not_above_group, broken))
    _assert_trips(
        result,
        "members_not_above_group",
        STAGING,
        "group=European Union",
        "period=2025-04",
        "Germany, France",
    )


# --- no_partner_above_world -----------------------------------------------------------------------------------


def test_no_partner_above_world_in_staging(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.no_partner_above_world, staging)))
    broken = frames.scale_figures(staging, label="Japan", period="2024-08", factor=1000, currency="USD")
    result = _run(_rule_check(rules.no_partner_above_world, broken))
    _assert_trips(result, "no_partner_above_world", STAGING, "label=Japan", "period=2024-08")


def test_no_partner_above_world_in_the_fact(partner_trade: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.no_partner_above_world_fact, partner_trade)))
    hit = (pl.col("partner_code") == "USA") & (pl.col("period") == "2024-08")
    broken = partner_trade.with_columns(
        value_usd=pl.when(hit).then(pl.col("value_usd") * 1000).otherwise(pl.col("value_usd"))
    )
    result = _run(_rule_check(rules.no_partner_above_world_fact, broken))
    _assert_trips(
        result,
        "no_partner_above_world",
        PARTNER_TRADE,
        "partner_code=USA",
        "period=2024-08",
        "measure=value_usd",
    )


# --- yoy_agrees_with_levels ----------------------------------------------------------------------------------


def test_yoy_world_is_critical(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.yoy_agrees_with_levels, staging)))
    where = cell(
        table_id="totals",
        period="2025-05",
        currency="USD",
        label="Export",
        direction="export",
        span="month",
        measure="yoy_pct",
    )
    broken = set_figure(staging, where, figure_of(staging, where) + 1.0)
    result = _run(_rule_check(rules.yoy_agrees_with_levels, broken))
    _assert_trips(
        result,
        "yoy_agrees_with_levels.world",
        STAGING,
        "label=Export",
        "period=2025-05",
        "year_earlier=2024-05",
    )


def test_yoy_partner_is_a_warning(staging: pl.DataFrame) -> None:
    where = cell(
        table_id="by_partner",
        period="2025-05",
        currency="CNY",
        label="Japan",
        direction="import",
        span="ytd",
        measure="yoy_pct",
    )
    broken = set_figure(staging, where, figure_of(staging, where) - 2.0)
    result = _run(_rule_check(rules.yoy_agrees_with_levels, broken))
    _assert_trips(
        result,
        "yoy_agrees_with_levels.partners",
        STAGING,
        "label=Japan",
        "period=2025-05",
        severity="warning",
    )
    assert not result.findings("yoy_agrees_with_levels.world")


def test_yoy_without_the_year_earlier_is_not_checked(staging: pl.DataFrame) -> None:
    # 2024 rates have no 2023 levels in staging: even a wild 2024 rate is not checked.
    where = cell(
        table_id="totals",
        period="2024-05",
        currency="USD",
        label="Export",
        direction="export",
        span="month",
        measure="yoy_pct",
    )
    check = _rule_check(rules.yoy_agrees_with_levels, set_figure(staging, where, 99.0))
    assert check.frame.filter(pl.col("period") == "2024-05").is_empty()
    _assert_passes(_run(check))


# --- ytd_non_decreasing -------------------------------------------------------------------------------------------


def test_ytd_non_decreasing(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.ytd_non_decreasing, staging)))
    october = cell(
        table_id="by_partner",
        period="2024-10",
        currency="USD",
        label="United States (US)",
        direction="export",
        span="ytd",
    )
    november = cell(
        table_id="by_partner",
        period="2024-11",
        currency="USD",
        label="United States (US)",
        direction="export",
        span="ytd",
    )
    # October raised above November: November's January-to-month value falls.
    broken = set_figure(staging, october, round(figure_of(staging, november) * 1.1, 1))
    result = _run(_rule_check(rules.ytd_non_decreasing, broken))
    _assert_trips(
        result,
        "ytd_non_decreasing",
        STAGING,
        "label=United States (US)",
        "period=2024-11",
        "previous_period=2024-10",
    )
    assert result.failed_release_ids == {frames.release_id(Period.parse(p)) for p in ("2024-10", "2024-11")}


def test_ytd_revision_within_tolerance_passes(staging: pl.DataFrame) -> None:
    # A small downward revision: 2024-10's value above 2024-11's by 0.3% of it.
    october = cell(
        table_id="by_partner", period="2024-10", currency="USD", label="Japan", direction="import", span="ytd"
    )
    november = cell(
        table_id="by_partner", period="2024-11", currency="USD", label="Japan", direction="import", span="ytd"
    )
    broken = set_figure(staging, october, round(figure_of(staging, november) * 1.003, 1))
    _assert_passes(_run(_rule_check(rules.ytd_non_decreasing, broken)))


def test_cross_period_rules_read_the_latest_vintage(staging: pl.DataFrame) -> None:
    """A re-posted page supersedes the first vintage: the first one's slip is not held against it."""
    period = "2024-10"
    first = staging.filter(pl.col("period") == period).with_columns(
        release_id=pl.lit(f"preliminary:{period}:2024-11-13"), source_sha256=pl.lit("0" * 64)
    )
    repost = staging.filter(pl.col("period") == period).with_columns(
        release_id=pl.lit(f"preliminary:{period}:2024-11-13+r2")
    )
    where = cell(
        table_id="by_partner", period=period, currency="USD", label="Japan", direction="export", span="ytd"
    )
    first = set_figure(first, where, 1.0)  # the first vintage's January-to-October value collapses
    vintages = pl.concat([staging.filter(pl.col("period") != period), first, repost])
    _assert_passes(_run(_rule_check(rules.ytd_non_decreasing, vintages)))
    assert rules.latest_vintage(vintages).filter(pl.col("period") == period).get_column(
        "release_id"
    ).unique().to_list() == [f"preliminary:{period}:2024-11-13+r2"]


# --- derived_month_matches_published ------------------------------------------------------------------------------


def test_derived_month_matches_published_is_a_warning(partner_trade: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.derived_month_matches_published, partner_trade)))
    hit = (
        (pl.col("partner_code") == "JPN")
        & (pl.col("period") == "2025-04")
        & (pl.col("direction") == "export")
    )
    broken = partner_trade.with_columns(
        revision_residual_usd=pl.when(hit)
        .then((pl.col("value_usd") * 0.05).cast(pl.Int64))
        .otherwise(pl.col("revision_residual_usd"))
    )
    result = _run(_rule_check(rules.derived_month_matches_published, broken))
    _assert_trips(
        result,
        "derived_month_matches_published",
        PARTNER_TRADE,
        "partner_code=JPN",
        "period=2025-04",
        severity="warning",
    )
    row = json.loads(result.results.get_column("unexpected_examples")[0])[0]
    # The figures are in the result.
    assert {"value", "value_derived", "revision_residual", "tolerance"} <= row.keys()


# --- implied_rate_plausible -----------------------------------------------------------------------------------------


def test_implied_rate_plausible(partner_trade: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.implied_rate_plausible, partner_trade)))
    hit = (
        (pl.col("partner_code") == "FRA")
        & (pl.col("period") == "2024-12")
        & (pl.col("direction") == "import")
    )
    broken = partner_trade.with_columns(
        implied_cny_per_usd=pl.when(hit).then(72.0).otherwise(pl.col("implied_cny_per_usd"))
    )
    result = _run(_rule_check(rules.implied_rate_plausible, broken))
    _assert_trips(
        result,
        "implied_rate_plausible",
        PARTNER_TRADE,
        "partner_code=FRA",
        "period=2024-12",
        "implied_cny_per_usd=72.0",
    )


# --- no_missing_periods -----------------------------------------------------------------------------------------------


def test_no_missing_periods_in_staging(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.no_missing_periods, staging)))
    broken = staging.filter(
        ~(
            (pl.col("period") == "2024-07")
            & (pl.col("table_id") == "by_partner")
            & (pl.col("currency") == "CNY")
        )
    )
    result = _run(_rule_check(rules.no_missing_periods, broken))
    _assert_trips(
        result, "no_missing_periods", STAGING, "table_id=by_partner", "currency=CNY", "period=2024-07"
    )
    assert result.findings()[0].unexpected_count == 1
    assert result.failed_release_ids == set()  # nothing to quarantine for a gap


def test_jan_feb_counts_as_one_period(staging: pl.DataFrame) -> None:
    check = _rule_check(rules.no_missing_periods, staging)
    periods = (
        check.frame.filter((pl.col("table_id") == "totals") & (pl.col("currency") == "USD"))
        .get_column("period")
        .to_list()
    )
    assert periods[10:13] == ["2024-12", "2025-01..02", "2025-03"]


def test_no_missing_periods_in_the_fact(partner_trade: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.no_missing_periods_fact, partner_trade)))
    broken = partner_trade.filter(~pl.col("period").is_in(["2025-01..02"]))
    result = _run(_rule_check(rules.no_missing_periods_fact, broken))
    _assert_trips(result, "no_missing_periods", PARTNER_TRADE, "partner_code=WLD", "period=2025-01..02")


# --- no_outlier_moves ---------------------------------------------------------------------------------------------------


def test_no_outlier_moves_flags_a_unit_slip(staging: pl.DataFrame) -> None:
    _assert_passes(_run(_rule_check(rules.no_outlier_moves, staging)))
    broken = frames.scale_figures(staging, label="France", period="2025-04", factor=1000, currency="CNY")
    result = _run(_rule_check(rules.no_outlier_moves, broken))
    _assert_trips(result, "no_outlier_moves", STAGING, "label=France", "period=2025-04", severity="warning")
    flagged = _rule_check(rules.no_outlier_moves, broken).frame.filter(
        pl.col("deviation") > pl.col("tolerance")
    )
    # The jump into 2025-04, the fall out of it, and its y/y change; for each flow of France in CNY.
    assert set(flagged.get_column("label")) == {"France"}
    assert set(zip(flagged["period"], flagged["kind"], strict=True)) == {
        ("2025-04", "mom"),
        ("2025-05", "mom"),
        ("2025-04", "yoy"),
    }


def test_outlier_threshold_on_a_short_series() -> None:
    """Two changes, one up x1000 and one back down: the MAD cap still flags both."""
    points = pl.DataFrame(
        {
            "s": ["a"] * 3,
            "release_id": ["r1", "r2", "r3"],
            "period": ["2025-03", "2025-04", "2025-05"],
            "value": [100.0, 100_000.0, 101.0],
        }
    )
    frame = rules._log_changes(points, ["s"])
    assert frame.filter(pl.col("deviation") > pl.col("tolerance")).height == 2
