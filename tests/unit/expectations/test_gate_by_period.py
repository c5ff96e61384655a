"""The gate over a table stored per period: only the periods given, batched, every result recorded."""

from __future__ import annotations

import json

import polars as pl

from expectations.checks import to_pandas
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


def test_a_bad_row_in_a_batch_of_periods_fails_its_own_period_only() -> None:
    """Four periods validated as one batch, one bad row in the second: the batch is validated again in
    pieces, so the failure is recorded against that period and charged to its release alone; the
    periods after it stay one batch, and every period has every result exactly once."""
    periods = [(key, _detail_period(key, 20)) for key in ("2025-04", "2025-05", "2025-06", "2025-07")]
    key, frame = periods[1]
    periods[1] = (
        key,
        frame.with_columns(value_cny=pl.when(pl.int_range(pl.len()) == 3).then(-8).otherwise("value_cny")),
    )
    inputs = frames.good_inputs()
    result = run_gate(
        **{**inputs.gate_kwargs(), "staging_preliminary": STG_PRELIMINARY.empty_frame(), "tables": {}},
        by_period=((FACT_TRADE_FLOWS, period, frame) for period, frame in periods),
        max_batch_rows=1_000,
    )
    assert result.failed_release_ids == {"online_query:2025-05:2025-07-20"}
    detail = result.results.filter(pl.col("object_name") == FACT_TRADE_FLOWS.qualified_name)
    assert detail.filter(~pl.col("success")).select(
        "batch_id", "rule", "unexpected_count", "release_id"
    ).rows() == [("period=2025-05", "range:value_cny", 1, "online_query:2025-05:2025-07-20")]
    assert (
        json.loads(detail.filter(~pl.col("success"))["unexpected_examples"][0])[0]["commodity_code"]
        == "08400003"
    )
    batches = detail.group_by("batch_id", maintain_order=True).agg(pl.col("rule").sort())
    assert batches["batch_id"].to_list() == ["period=2025-04", "period=2025-05", "periods=2025-06_to_2025-07"]
    assert all(rules == batches["rule"][0].to_list() for rules in batches["rule"].to_list())
    assert [f.batch_id for f in result.critical_failures] == ["period=2025-05"]
    assert [r.batch_id for r in result.validations if r.object_name == FACT_TRADE_FLOWS.qualified_name] == [
        "period=2025-04",
        "period=2025-05",
        "periods=2025-06_to_2025-07",
    ]
    # The same periods without the bad row are one batch, passed.
    periods[1] = (key, frame)
    good = run_gate(
        **{**inputs.gate_kwargs(), "staging_preliminary": STG_PRELIMINARY.empty_frame(), "tables": {}},
        by_period=((FACT_TRADE_FLOWS, period, frame) for period, frame in periods),
        max_batch_rows=1_000,
    )
    assert good.passed
    good_detail = good.results.filter(pl.col("object_name") == FACT_TRADE_FLOWS.qualified_name)
    assert set(good_detail["batch_id"]) == {"periods=2025-04_to_2025-07"}


def test_a_period_with_other_columns_is_a_batch_of_its_own() -> None:
    """A period whose columns differ from its neighbours' cannot be concatenated with them: it is
    validated alone and fails its contract there, and the gate does not raise."""
    periods = [(key, _detail_period(key, 5)) for key in ("2025-04", "2025-05", "2025-06")]
    key, frame = periods[1]
    periods[1] = (key, frame.with_columns(pl.col("value_cny").cast(pl.Float64)))
    results = _gate(periods, max_batch_rows=1_000)
    assert results.get_column("batch_id").unique(maintain_order=True).to_list() == [
        "period=2025-04",
        "period=2025-05",
        "period=2025-06",
    ]
    assert results.filter(~pl.col("success")).select("batch_id", "rule").rows() == [
        ("period=2025-05", "type:value_cny")
    ]


def _detail_period(key: str, rows: int) -> pl.DataFrame:
    """A period of online-query detail: `rows` HS8 x partner rows of one release, values non-null."""
    base = frames.fact_trade_flows().head(1)
    return pl.concat([base] * rows).with_columns(
        period=pl.lit(key),
        release_id=pl.lit(f"online_query:{key}:2025-07-20"),
        commodity_code=pl.Series([f"{8_400_000 + i:08d}" for i in range(rows)]),
        value_cny=pl.Series(range(1_000, 1_000 + rows), dtype=pl.Int64),
        quantity=pl.Series([float(i) for i in range(rows)]),
    )


def test_bad_detail_rows_are_caught_recorded_and_named() -> None:
    """Bad rows of a detail period fail their expectations, each result recorded with its count and the
    offending rows by name; the good periods pass; the bad period's release is charged."""
    periods = [(key, _detail_period(key, 50)) for key in ("2025-04", "2025-05", "2025-06")]
    key, frame = periods[1]
    bad = pl.int_range(pl.len())
    periods[1] = (
        key,
        frame.with_columns(
            value_cny=pl.when(bad == 7).then(-3).otherwise(pl.col("value_cny")),  # money never negative
            quantity=pl.when(bad == 9).then(None).otherwise(pl.col("quantity")),  # nulls: nullable path
            months_covered=pl.when(bad == 11).then(0).otherwise(pl.col("months_covered")),
            partner_code=pl.when(bad == 13).then(pl.lit("XXX")).otherwise(pl.col("partner_code")),
            # Nulls and a negative value in one integer column: the nullable path.
            value_usd=pl.when(bad == 9).then(None).when(bad == 17).then(-4).otherwise(pl.col("value_usd")),
        ).with_columns(quantity=pl.when(bad == 15).then(-1.5).otherwise(pl.col("quantity"))),
    )
    inputs = frames.good_inputs()
    result = run_gate(
        **{**inputs.gate_kwargs(), "staging_preliminary": STG_PRELIMINARY.empty_frame(), "tables": {}},
        by_period=((FACT_TRADE_FLOWS, period, frame) for period, frame in periods),
        max_batch_rows=50,
    )
    assert not result.passed
    assert result.failed_release_ids == {"online_query:2025-05:2025-07-20"}
    detail = result.results.filter(pl.col("object_name") == FACT_TRADE_FLOWS.qualified_name)
    failed = detail.filter(~pl.col("success")).sort("rule")
    assert failed.select("batch_id", "rule", "unexpected_count").rows() == [
        ("period=2025-05", "known_partner:partner_code", 1),
        ("period=2025-05", "range:months_covered", 1),
        ("period=2025-05", "range:quantity", 1),
        ("period=2025-05", "range:value_cny", 1),
        ("period=2025-05", "range:value_usd", 1),
    ]
    named = {
        rule: json.loads(examples)[0]
        for rule, examples in failed.select("rule", "unexpected_examples").iter_rows()
    }
    assert (named["range:value_cny"]["commodity_code"], named["range:value_cny"]["value_cny"]) == (
        "08400007",
        -3,
    )
    assert named["range:quantity"]["commodity_code"] == "08400015"
    assert named["range:months_covered"]["commodity_code"] == "08400011"
    assert (named["range:value_usd"]["commodity_code"], named["range:value_usd"]["value_usd"]) == (
        "08400017",
        -4,
    )
    assert named["known_partner:partner_code"]["partner_code"] == "XXX"
    # Every expectation of the suite has its result in every batch, passed or not.
    per_batch = detail.group_by("batch_id").agg(pl.len())["len"].unique().to_list()
    assert len(per_batch) == 1 and detail["batch_id"].n_unique() == 3
    assert "range:value_cny on core.fact_trade_flows" in result.message()
    assert "commodity_code=08400007" in result.message()


def test_numbers_reach_gx_as_numpy_only_where_nothing_is_lost() -> None:
    frame = pl.DataFrame(
        {
            "whole": pl.Series([1, 2], dtype=pl.Int64),
            "with_null": pl.Series([1, None], dtype=pl.Int64),
            "real": pl.Series([1.5, None], dtype=pl.Float64),
            "with_nan": pl.Series([1.5, float("nan")], dtype=pl.Float64),
        }
    )
    dtypes = {column: str(dtype) for column, dtype in to_pandas(frame).dtypes.items()}
    assert dtypes == {"whole": "int64", "with_null": "Int64", "real": "float64", "with_nan": "Float64"}
    assert to_pandas(frame)["real"].isna().tolist() == [False, True]
