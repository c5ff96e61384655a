"""The gate as the flow runs it: every suite and rule, results as meta.validation_results rows."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from domain.periods import Period
from expectations.gate import GateResult, run_gate, validate_checks
from expectations.rules import RULES, rule_named
from tests.unit.expectations import frames
from tests.unit.expectations.frames import cell, figure_of, set_figure
from tests.unit.expectations.literals import partner_trade, release, staging, surplus
from tests.unit.expectations.literals import trade_mode as trade_mode_fact
from warehouse.contracts import TableContract
from warehouse.tables import (
    FACT_PARTNER_TRADE,
    FACT_TRADE_MODE,
    FACT_TRADE_SURPLUS,
    META_VALIDATION_RESULTS,
    STG_PRELIMINARY,
)


@pytest.fixture(scope="module")
def inputs() -> frames.Inputs:
    return frames.good_inputs()


@pytest.fixture(scope="module")
def good(inputs: frames.Inputs) -> GateResult:
    return run_gate(**inputs.gate_kwargs())


def _gate_over(
    inputs: frames.Inputs, staging: pl.DataFrame, tables: dict[TableContract, pl.DataFrame]
) -> dict[str, Any]:
    """The gate's arguments over these frames only: a failure path needs no other table validated
    (that every suite passes on the good frames is `test_good_frames_pass`)."""
    return {**inputs.gate_kwargs(), "staging_preliminary": staging, "tables": tables}


def test_good_frames_pass(good: GateResult) -> None:
    assert good.passed, good.message()
    assert not good.warnings and not good.failed_release_ids
    assert good.message().startswith("data-quality gate test-run: passed")


def test_results_conform_to_meta_validation_results(good: GateResult) -> None:
    results = good.results
    assert_frame_equal(results, META_VALIDATION_RESULTS.conform(results))
    assert results.select(META_VALIDATION_RESULTS.primary_key).is_duplicated().sum() == 0
    assert set(results.get_column("run_id")) == {"test-run"}
    assert set(results.get_column("validated_at")) == {frames.VALIDATED_AT}
    for text in results.get_column("observed_value"):
        json.loads(text)
    assert results.get_column("unexpected_examples").null_count() == results.height  # nothing failed


def test_every_suite_and_rule_runs(good: GateResult) -> None:
    results = good.results
    suites = set(results.get_column("suite_name"))
    assert {
        "contract.staging.preliminary_cells",
        "contract.staging.online_query_records",
        "contract.core.fact_partner_trade",
        "contract.core.fact_trade_surplus",
        "contract.core.fact_trade_flows",
        "contract.core.dim_partner",
    } <= suites
    declared = {e.name: e.severity for rule in RULES for e in rule.expectations}
    assert set(declared) <= set(results.get_column("rule"))
    severities = dict(
        results.filter(pl.col("rule").is_in(list(declared))).select("rule", "severity").unique().iter_rows()
    )
    assert severities == declared
    objects = results.filter(pl.col("rule") == "no_partner_above_world").get_column("object_name").to_list()
    assert sorted(objects) == ["core.fact_partner_trade", "staging.preliminary_cells"]


def test_a_critical_failure_stops_the_publish(inputs: frames.Inputs) -> None:
    where = cell(
        table_id="totals",
        period="2025-05",
        currency="CNY",
        label="Export & Import",
        direction="total",
        span="ytd",
    )
    staging = set_figure(
        inputs.staging_preliminary, where, figure_of(inputs.staging_preliminary, where) + 3.0
    )
    result = run_gate(**_gate_over(inputs, staging, tables={}))
    assert not result.passed
    rules = {f.rule for f in result.critical_failures}
    assert "ei_equals_export_plus_import" in rules
    assert result.failed_release_ids == {frames.release_id(Period.parse("2025-05"))}
    message = result.message()
    assert "FAILED" in message and "ei_equals_export_plus_import on staging.preliminary_cells" in message
    assert "label=Export & Import" in message and "period=2025-05" in message
    assert "releases to quarantine: preliminary:2025-05:2025-06-13" in message
    failed = result.results.filter(~pl.col("success"))
    assert set(failed.get_column("severity")) == {"critical"}
    examples = json.loads(
        failed.filter(pl.col("rule") == "ei_equals_export_plus_import")["unexpected_examples"][0]
    )
    assert examples[0]["label"] == "Export & Import" and examples[0]["period"] == "2025-05"


def test_warnings_alone_do_not_stop_the_publish(inputs: frames.Inputs) -> None:
    trade = inputs.tables[FACT_PARTNER_TRADE]
    hit = (
        (pl.col("partner_code") == "USA")
        & (pl.col("period") == "2025-04")
        & (pl.col("direction") == "import")
    )
    broken = trade.with_columns(
        revision_residual_cny=pl.when(hit)
        .then((pl.col("value_cny") * 0.2).cast(pl.Int64))
        .otherwise(pl.col("revision_residual_cny"))
    )
    result = run_gate(**_gate_over(inputs, STG_PRELIMINARY.empty_frame(), {FACT_PARTNER_TRADE: broken}))
    assert result.passed, result.message()
    assert [f.rule for f in result.warnings] == ["derived_month_matches_published"]
    assert not result.failed_release_ids
    assert "warnings:" in result.message() and "partner_code=USA" in result.message()


def test_a_rule_whose_frame_breaks_its_contract_fails_without_crashing(inputs: frames.Inputs) -> None:
    broken = inputs.tables[FACT_TRADE_SURPLUS].drop("balance_usd")
    result = run_gate(**_gate_over(inputs, STG_PRELIMINARY.empty_frame(), {FACT_TRADE_SURPLUS: broken}))
    assert not result.passed
    rules = {f.rule for f in result.critical_failures}
    assert {"columns_in_order", "balance_is_exports_minus_imports"} <= rules
    assert "balance_usd" in result.message()
    (failed,) = result.results.filter(pl.col("rule") == "balance_is_exports_minus_imports").rows(named=True)
    assert failed["suite_name"] == "rules.core.fact_trade_surplus.balance_is_exports_minus_imports"
    assert failed["expectation_type"] == "expect_balance_to_equal_exports_minus_imports"
    assert "ColumnNotFoundError" in failed["observed_value"] and not failed["success"]


def _bad_literal_frames() -> dict[tuple[str, str], pl.DataFrame]:
    """A tiny frame per rule with offending and passing rows (the cases of test_rules.py, combined)."""
    world = {"label": "Total", "indent_level": 0}
    totals = {"table_id": "totals", "scale": 100_000_000, "label": "Export", "indent_level": 0}
    may, june = release("2025-05", date(2025, 6, 9)), release("2025-06", date(2025, 7, 14))
    a_year_earlier = release("2024-05", date(2024, 6, 7))
    trade_mode = {"table_id": "trade_mode_month", "scale": 100_000_000, "indent_level": 0}
    bulletin = {"table_id": "bulletin_trade_mode", "scale": 1_000, "indent_level": 0}
    bulletin_vintage = {"release_id": "b-2025-05", "vintage_source": "bulletin", "vintage_precedence": 2}
    staging_rules = {
        "ei_equals_export_plus_import": staging(
            {"direction": "total", "figure_as_published": 10.5},
            {"direction": "export", "figure_as_published": 6.0},
            {"direction": "import", "figure_as_published": 4.0},
            {"row_number": 2, "label": "France", "direction": "total", "figure_as_published": 10.0},
            {"row_number": 2, "label": "France", "direction": "export", "figure_as_published": 6.0},
            {"row_number": 2, "label": "France", "direction": "import", "figure_as_published": 4.0},
        ),
        "world_equals_table1_total": staging(
            {**world, "figure_as_published": 3000.0},
            {**totals, "source_sha256": "f-totals", "figure_as_published": 31.0},
            {**world, "direction": "import", "figure_as_published": 2000.0},
            {**totals, "source_sha256": "f-totals", "direction": "import", "figure_as_published": 20.0},
        ),
        "members_not_above_group": staging(
            *(
                {
                    "direction": direction,
                    "row_number": n,
                    "label": label,
                    "parent_label": parent,
                    "figure_as_published": v,
                }
                for direction, germany in (("export", 80.0), ("import", 60.0))
                for n, label, parent, v in (
                    (1, "European Union", None, 100.0),
                    (2, "Germany", "European Union", germany),
                    (3, "France", "European Union", 30.0),
                )
            )
        ),
        "no_partner_above_world": staging(
            {**world, "row_number": 1, "figure_as_published": 100.0},
            {"row_number": 2, "label": "Japan", "figure_as_published": 150.0},
            {"row_number": 3, "label": "France", "figure_as_published": 20.0},
        ),
        "yoy_agrees_with_levels": staging(
            *(
                row
                for levels in (totals, {"label": "Japan"})
                for row in (
                    {**a_year_earlier, **levels, "figure_as_published": 100.0},
                    {**levels, "figure_as_published": 110.0},
                    {**levels, "measure": "yoy_pct", "figure_as_published": 12.0},
                )
            ),
            {**totals, "direction": "import", "figure_as_published": 50.0},
            {**a_year_earlier, **totals, "direction": "import", "figure_as_published": 50.0},
            {**totals, "direction": "import", "measure": "yoy_pct", "figure_as_published": 0.0},
        ),
        "ytd_non_decreasing": staging(
            {**release("2025-03", date(2025, 4, 14)), "span": "ytd", "figure_as_published": 300.0},
            {**release("2025-04", date(2025, 5, 9)), "span": "ytd", "figure_as_published": 290.0},
            {**may, "span": "ytd", "figure_as_published": 400.0},
        ),
        "trade_modes_sum_to_total": staging(
            *(
                {**trade_mode, "source_sha256": sha, "trade_mode_code": code, "figure_as_published": figure}
                for sha, other in (("f-good", 40.0), ("f-bad", 45.0))
                for code, figure in (("TOTAL", 100.0), ("ORDINARY", 60.0), ("OTHER", other))
            )
        ),
        "bulletin_regimes_sum_to_total": staging(
            *(
                {**bulletin, "source_sha256": sha, "trade_mode_code": code, "figure_as_published": figure}
                for sha, other in (("f-good", 40.0), ("f-bad", 45.0))
                for code, figure in (("TOTAL", 100.0), ("ORDINARY", 60.0), ("OTHER", other))
            )
        ),
        "trade_mode_total_equals_table1": staging(
            {**trade_mode, "trade_mode_code": "TOTAL", "figure_as_published": 100.0},
            {**trade_mode, "trade_mode_code": "TOTAL", "direction": "import", "figure_as_published": 90.0},
            {**trade_mode, "table_id": "totals", "figure_as_published": 100.0},
            {**trade_mode, "table_id": "totals", "direction": "import", "figure_as_published": 80.0},
        ),
        "no_missing_periods": staging(release("2025-03", date(2025, 4, 14)), may),
        "no_outlier_moves": staging(
            {**release("2025-03", date(2025, 4, 14)), "figure_as_published": 100.0},
            {**release("2025-04", date(2025, 5, 9)), "figure_as_published": 100_000.0},
            {**may, "figure_as_published": 101.0},
            {**june, "figure_as_published": 102.0},
        ),
    }
    fact_rules = {
        "no_partner_above_world": partner_trade(
            {"partner_code": "WLD", "value_usd": 1_000, "value_cny": 7_200},
            {"partner_code": "USA", "value_usd": 1_020, "value_cny": 7_000},
        ),
        "derived_month_matches_published": partner_trade(
            {"value_usd": 1_000_000_000, "revision_residual_usd": 20_000_000},
            {"partner_code": "USA", "value_usd": 1_000_000_000, "revision_residual_usd": 1_000_000},
        ),
        "implied_rate_plausible": partner_trade(
            {"implied_cny_per_usd": 72.0}, {"partner_code": "USA", "implied_cny_per_usd": 7.2}
        ),
        "no_missing_periods": partner_trade(
            {"partner_code": "WLD", "period": "2025-03"}, {"partner_code": "WLD", "period": "2025-05"}
        ),
        "bulletin_revision_within_tolerance": partner_trade(
            {"partner_code": "WLD", "value_usd": 1_000_000_000_000},
            {"partner_code": "WLD", "value_usd": 990_000_000_000, **bulletin_vintage},
            {"partner_code": "USA", "value_usd": 100_000_000_000},
            {"partner_code": "USA", "value_usd": 100_010_000_000, **bulletin_vintage},
        ),
    }
    return {
        **{(name, STG_PRELIMINARY.qualified_name): frame for name, frame in staging_rules.items()},
        **{(name, FACT_PARTNER_TRADE.qualified_name): frame for name, frame in fact_rules.items()},
        ("bulletin_revision_within_tolerance", FACT_TRADE_MODE.qualified_name): trade_mode_fact(
            {"value_usd": 100_000_000_000},
            {"value_usd": 99_000_000_000, **bulletin_vintage},
            {"trade_mode_code": "TOTAL", "value_usd": 300_000_000_000},
            {"trade_mode_code": "TOTAL", "value_usd": 300_000_000_000, **bulletin_vintage},
        ),
        ("balance_is_exports_minus_imports", FACT_TRADE_SURPLUS.qualified_name): surplus(
            {"balance_ytd_cny": 8}, {"partner_code": "JPN"}
        ),
    }


def test_gx_names_the_rows_each_rule_names_in_polars() -> None:
    """Each rule's GX expectation finds exactly the rows its polars statement names (the unit tests
    of the rules test the polars statement)."""
    frames_by_rule = _bad_literal_frames()
    assert set(frames_by_rule) == {(rule.name, rule.object_name) for rule in RULES}
    result = validate_checks(
        [],
        rules=[(rule, frames_by_rule[(rule.name, rule.object_name)]) for rule in RULES],
        run_id="agreement",
        validated_at=frames.VALIDATED_AT,
    )
    found_by_gx = {
        (rule, suite): count
        for rule, suite, count in result.results.select("rule", "suite_name", "unexpected_count").iter_rows()
    }
    named_in_polars = {}
    for rule in RULES:
        prepared = rule.prepare(frames_by_rule[(rule.name, rule.object_name)])
        assert (
            prepared.height
            > prepared.filter(pl.any_horizontal(e.offending() for e in rule.expectations)).height
        ), f"{rule.suite_name}: every row offends, so a rule that flags everything would pass"
        for expectation in rule.expectations:
            named_in_polars[(expectation.name, rule.suite_name)] = prepared.filter(
                expectation.offending()
            ).height
    assert found_by_gx == named_in_polars
    assert all(named_in_polars.values()), named_in_polars  # each expectation has an offending row
    assert rule_named("no_missing_periods", FACT_PARTNER_TRADE).object_name == "core.fact_partner_trade"
