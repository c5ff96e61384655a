"""Contract suites: generated from the contracts, and they catch what the contracts forbid."""

from __future__ import annotations

import re

import polars as pl
import pytest

from domain.periods import Period
from expectations.gate import GateResult, validate_checks
from expectations.suites import (
    PANDAS_TYPES,
    build_contract_suite,
    contract_check,
    contract_expectation_specs,
    full_match_regex,
)
from tests.unit.expectations import frames
from warehouse.contracts import TableContract
from warehouse.tables import (
    ALL_CONTRACTS,
    FACT_PARTNER_TRADE,
    FACT_TRADE_SURPLUS,
    STG_PRELIMINARY,
)


@pytest.fixture(scope="module")
def inputs() -> frames.Inputs:
    return frames.good_inputs()


def _validate(contract: TableContract, frame: pl.DataFrame, **kwargs: object) -> GateResult:
    return validate_checks(
        [contract_check(contract, frame, frames.PARTNER_CODES)],
        run_id="suite-test",
        validated_at=frames.VALIDATED_AT,
        **kwargs,  # type: ignore[arg-type]
    )


def _failed_rules(result: GateResult) -> set[str]:
    return {f.rule for f in result.critical_failures}


# --- generation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "contract", [c for c in ALL_CONTRACTS if c.kind == "table"], ids=lambda c: c.qualified_name
)
def test_every_contract_constraint_becomes_a_critical_expectation(contract: TableContract) -> None:
    specs = contract_expectation_specs(contract, {"USA"})
    by_rule = {s.rule: s for s in specs}
    assert len(by_rule) == len(specs), "rule names are unique within a suite"
    assert {s.severity for s in specs} == {"critical"}
    assert by_rule["columns_in_order"].kwargs["column_list"] == contract.column_names
    for f in contract.fields:
        assert by_rule[f"type:{f.name}"].kwargs["type_"] == PANDAS_TYPES[f.dtype]
        assert (f"not_null:{f.name}" in by_rule) is (not f.nullable)
        if f.allowed_values:
            assert by_rule[f"allowed_values:{f.name}"].kwargs["value_set"] == list(f.allowed_values)
        if f.pattern:
            regex = by_rule[f"pattern:{f.name}"].kwargs["regex"]
            assert regex.startswith("^") and regex.endswith("$")
        if f.min_value is not None or f.max_value is not None:
            bounds = by_rule[f"range:{f.name}"].kwargs
            assert (bounds["min_value"], bounds["max_value"]) == (f.min_value, f.max_value)
    key = by_rule["primary_key_unique"]
    if len(contract.primary_key) > 1:
        assert key.expectation == "ExpectCompoundColumnsToBeUnique"
        assert key.kwargs["column_list"] == list(contract.primary_key)
    else:
        assert key.expectation == "ExpectColumnValuesToBeUnique"
    if "partner_code" in contract.column_names:
        assert by_rule["known_partner:partner_code"].kwargs["value_set"] == ["USA", "WLD"]


def test_money_fields_must_be_non_negative() -> None:
    specs = {s.rule: s for s in contract_expectation_specs(FACT_TRADE_SURPLUS)}
    assert specs["range:exports_usd"].kwargs == {"column": "exports_usd", "min_value": 0, "max_value": None}
    assert "range:balance_usd" not in specs  # a balance may be negative


def test_full_match_regex_anchors_and_drops_capturing_groups() -> None:
    regex = full_match_regex(STG_PRELIMINARY.field("period").pattern or "")
    assert regex == r"^(?:\d{4}-(?:0[1-9]|1[0-2])(?:\.\.(?:0[2-9]|1[0-2]))?)$"
    assert re.search(regex, "2025-01..02") and re.search(regex, "2025-11")
    assert not re.search(regex, "2025-13") and not re.search(regex, "x2025-11")


def test_build_contract_suite_is_a_gx_suite() -> None:
    suite = build_contract_suite(FACT_PARTNER_TRADE, frames.PARTNER_CODES)
    assert suite.name == "contract.core.fact_partner_trade"
    types = {e.expectation_type for e in suite.expectations}
    assert {
        "expect_table_columns_to_match_ordered_list",
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_not_be_null",
        "expect_compound_columns_to_be_unique",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
    } <= types
    assert {e.severity.value for e in suite.expectations} == {"critical"}


# --- what the suites catch -------------------------------------------------------------------------------


def test_missing_column(inputs: frames.Inputs) -> None:
    broken = inputs.tables[FACT_TRADE_SURPLUS].drop("imports_cny")
    result = _validate(FACT_TRADE_SURPLUS, broken)
    assert not result.passed
    assert {"columns_in_order", "type:imports_cny", "range:imports_cny"} <= _failed_rules(result)
    assert "columns_in_order on core.fact_trade_surplus" in result.message()
    assert 'missing_columns": ["imports_cny"]' in result.message()


def test_null_key(inputs: frames.Inputs) -> None:
    trade = inputs.tables[FACT_PARTNER_TRADE]
    broken = trade.with_columns(
        partner_code=pl.when(
            (pl.col("partner_code") == "USA")
            & (pl.col("period") == "2025-03")
            & (pl.col("direction") == "export")
        )
        .then(None)
        .otherwise(pl.col("partner_code"))
    )
    result = _validate(FACT_PARTNER_TRADE, broken)
    assert _failed_rules(result) == {"not_null:partner_code"}
    finding = result.critical_failures[0]
    assert finding.unexpected_count == 1
    assert finding.examples[0]["period"] == "2025-03"
    assert result.failed_release_ids == {frames.release_id(frames.PERIODS[-4])}
    assert "not_null:partner_code on core.fact_partner_trade" in result.message()


def test_duplicated_compound_key(inputs: frames.Inputs) -> None:
    trade = inputs.tables[FACT_PARTNER_TRADE]
    duplicate = trade.filter(
        (pl.col("partner_code") == "JPN")
        & (pl.col("period") == "2024-07")
        & (pl.col("direction") == "import")
    )
    result = _validate(FACT_PARTNER_TRADE, pl.concat([trade, duplicate]))
    assert _failed_rules(result) == {"primary_key_unique"}
    finding = result.critical_failures[0]
    assert finding.expectation_type == "expect_compound_columns_to_be_unique"
    assert finding.unexpected_count == 2
    assert {e["partner_code"] for e in finding.examples} == {"JPN"}
    message = result.message()
    assert "primary_key_unique on core.fact_partner_trade" in message and "partner_code=JPN" in message


def test_value_outside_allowed_set(inputs: frames.Inputs) -> None:
    staging = inputs.staging_preliminary.with_columns(
        direction=pl.when(pl.col("label") == "Japan").then(pl.lit("re-export")).otherwise(pl.col("direction"))
    )
    result = _validate(STG_PRELIMINARY, staging)
    assert _failed_rules(result) == {"allowed_values:direction"}
    assert result.critical_failures[0].examples[0]["direction"] == "re-export"
    # Every release has a Japan row: every one is charged, beyond the 20 indices SUMMARY returns.
    assert result.failed_release_ids == {frames.release_id(p) for p in frames.PERIODS}


def test_negative_money_value(inputs: frames.Inputs) -> None:
    trade = inputs.tables[FACT_PARTNER_TRADE]
    broken = trade.with_columns(
        value_usd=pl.when(
            (pl.col("partner_code") == "DEU")
            & (pl.col("period") == "2024-05")
            & (pl.col("direction") == "export")
        )
        .then(-5)
        .otherwise(pl.col("value_usd"))
    )
    result = _validate(FACT_PARTNER_TRADE, broken)
    assert _failed_rules(result) == {"range:value_usd"}
    example = result.critical_failures[0].examples[0]
    assert (example["partner_code"], example["value_usd"]) == ("DEU", -5)
    assert "value_usd=-5" in result.message()


def test_bad_period_string(inputs: frames.Inputs) -> None:
    staging = inputs.staging_preliminary.with_columns(
        period=pl.when(pl.col("period") == "2024-05").then(pl.lit("2024/05")).otherwise(pl.col("period"))
    )
    result = _validate(STG_PRELIMINARY, staging)
    assert _failed_rules(result) == {"pattern:period"}
    assert result.failed_release_ids == {frames.release_id(Period.parse("2024-05"))}
    assert "period=2024/05" in result.message()


def test_wrong_dtype(inputs: frames.Inputs) -> None:
    broken = inputs.tables[FACT_TRADE_SURPLUS].with_columns(pl.col("exports_usd").cast(pl.Float64))
    result = _validate(FACT_TRADE_SURPLUS, broken)
    assert _failed_rules(result) == {"type:exports_usd"}


def test_unknown_partner_code(inputs: frames.Inputs) -> None:
    broken = inputs.tables[FACT_TRADE_SURPLUS].with_columns(
        partner_code=pl.when(pl.col("partner_code") == "JPN")
        .then(pl.lit("XXX"))
        .otherwise(pl.col("partner_code"))
    )
    result = _validate(FACT_TRADE_SURPLUS, broken)
    assert _failed_rules(result) == {"known_partner:partner_code"}


def test_big_frames_are_validated_one_period_at_a_time(inputs: frames.Inputs) -> None:
    staging = inputs.staging_preliminary.filter(pl.col("period").is_in(["2024-04", "2024-05", "2024-06"]))
    staging = staging.with_columns(
        period=pl.when(pl.col("period") == "2024-05").then(pl.lit("2024-13")).otherwise(pl.col("period"))
    )
    result = _validate(STG_PRELIMINARY, staging, max_batch_rows=0)
    batches = result.results.get_column("batch_id").unique(maintain_order=True).to_list()
    assert batches == ["period=2024-04", "period=2024-06", "period=2024-13"]  # periods in order, bad last
    assert set(result.results.get_column("release_id")) == {
        frames.release_id(Period.parse(p)) for p in ("2024-04", "2024-05", "2024-06")
    }
    failed = result.results.filter(~pl.col("success"))
    assert failed.select("batch_id", "rule", "release_id").rows() == [
        ("period=2024-13", "pattern:period", frames.release_id(Period.parse("2024-05")))
    ]
