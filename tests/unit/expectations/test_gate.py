"""The gate as the flow runs it: every suite and rule, results as meta.validation_results rows."""

from __future__ import annotations

import json
import time

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from expectations.gate import GateResult, run_gate
from expectations.rules import RULES
from tests.unit.expectations import frames
from tests.unit.expectations.frames import cell, figure_of, set_figure
from transforms.periods import Period
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_SURPLUS, META_VALIDATION_RESULTS


@pytest.fixture(scope="module")
def inputs() -> frames.Inputs:
    return frames.good_inputs()


@pytest.fixture(scope="module")
def good(inputs: frames.Inputs) -> GateResult:
    return run_gate(**inputs.gate_kwargs())


def _with_staging(inputs: frames.Inputs, staging: pl.DataFrame) -> dict[str, object]:
    kwargs = inputs.gate_kwargs()
    kwargs["staging_preliminary"] = staging
    return kwargs


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
    result = run_gate(**_with_staging(inputs, staging))  # type: ignore[arg-type]
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
    kwargs = inputs.gate_kwargs()
    kwargs["tables"] = {**inputs.tables, FACT_PARTNER_TRADE: broken}
    result = run_gate(**kwargs)
    assert result.passed, result.message()
    assert [f.rule for f in result.warnings] == ["derived_month_matches_published"]
    assert not result.failed_release_ids
    assert "warnings:" in result.message() and "partner_code=USA" in result.message()


def test_a_unit_slip_on_one_partner(inputs: frames.Inputs) -> None:
    """x1000 on Germany in one period: above the EU and the World (critical) and an outlier move."""
    staging = frames.scale_figures(inputs.staging_preliminary, label="Germany", period="2024-10", factor=1000)
    result = run_gate(**_with_staging(inputs, staging))  # type: ignore[arg-type]
    assert not result.passed
    critical = {f.rule for f in result.critical_failures}
    assert {"no_partner_above_world", "members_not_above_group"} <= critical
    assert "no_outlier_moves" in {f.rule for f in result.warnings}
    assert frames.release_id(Period.parse("2024-10")) in result.failed_release_ids
    assert "label=Germany" in result.message()


def test_a_rule_whose_frame_breaks_its_contract_fails_without_crashing(inputs: frames.Inputs) -> None:
    kwargs = inputs.gate_kwargs()
    kwargs["tables"] = {
        **inputs.tables,
        FACT_TRADE_SURPLUS: inputs.tables[FACT_TRADE_SURPLUS].drop("balance_usd"),
    }
    result = run_gate(**kwargs)
    assert not result.passed
    rules = {f.rule for f in result.critical_failures}
    assert {"columns_in_order", "balance_is_exports_minus_imports"} <= rules
    assert "balance_usd" in result.message()


def test_gate_timing(inputs: frames.Inputs, good: GateResult) -> None:
    """Not a benchmark: prints how long a gate over the test frames takes once GX is loaded."""
    started = time.perf_counter()
    result = run_gate(**inputs.gate_kwargs())
    elapsed = time.perf_counter() - started
    print(
        f"run_gate: {result.results.height} results over {inputs.staging_preliminary.height} staging rows in {elapsed:.2f} s"
    )
    assert result.passed
