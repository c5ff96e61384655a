"""The gate over a table stored per period: only the periods given, batched, every result recorded."""

from __future__ import annotations

import polars as pl

from expectations.gate import run_gate
from tests.unit.expectations import frames
from warehouse.tables import FACT_TRADE_FLOWS, STG_PRELIMINARY


def _periods() -> list[tuple[str, pl.DataFrame]]:
    """Three periods of core.fact_trade_flows, two rows each."""
    base = frames.fact_trade_flows()
    return [
        (key, base.with_columns(period=pl.lit(key), release_id=pl.lit(f"preliminary:{key}:2025-06-13")))
        for key in ("2025-04", "2025-05", "2025-06")
    ]


def _gate(by_period: list[tuple[str, pl.DataFrame]], max_batch_rows: int) -> pl.DataFrame:
    inputs = frames.good_inputs()
    result = run_gate(
        **{**inputs.gate_kwargs(), "staging_preliminary": STG_PRELIMINARY.empty_frame(), "tables": {}},
        by_period=((FACT_TRADE_FLOWS, period, frame) for period, frame in by_period),
        max_batch_rows=max_batch_rows,
    )
    return result.results.filter(pl.col("object_name") == FACT_TRADE_FLOWS.qualified_name)


def test_periods_are_validated_together_up_to_the_batch_size_and_each_result_is_recorded() -> None:
    periods = _periods()
    together = _gate(periods, max_batch_rows=4)
    assert together.get_column("batch_id").unique().sort().to_list() == [
        "period=2025-06",
        "periods=2025-04_to_2025-05",
    ]
    assert together["success"].all()
    one_each = _gate(periods, max_batch_rows=1)
    assert one_each.get_column("batch_id").unique().sort().to_list() == [
        "period=2025-04",
        "period=2025-05",
        "period=2025-06",
    ]
    # The same expectations for every batch.
    rules = one_each.group_by("batch_id").agg(pl.col("rule").sort())["rule"].to_list()
    assert all(r == rules[0] for r in rules) and rules[0]


def test_a_broken_row_fails_its_period_and_is_charged_to_its_release() -> None:
    periods = _periods()
    key, frame = periods[1]
    periods[1] = (key, frame.with_columns(partner_code=pl.lit("XXX")))
    results = _gate(periods, max_batch_rows=1)
    failed = results.filter(~pl.col("success"))
    assert failed.get_column("batch_id").unique().to_list() == ["period=2025-05"]
