"""The BI contract only grows: every column a BI view had stays, in its place; new ones are appended."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from transforms.periods import build_dim_period
from warehouse.tables import BI_TRADE_MODE, BI_VIEWS, DIM_PERIOD, DIM_TRADE_MODE, FACT_TRADE_MODE

# The BI views' columns before issue 13, in order: what BI tools built on them may rely on.
BEFORE_ISSUE_13 = {
    "monthly_trade": [
        "period", "period_start", "months_covered", "exports_usd", "imports_usd", "balance_usd",
        "exports_cny", "imports_cny", "balance_cny", "exports_yoy_pct", "imports_yoy_pct",
    ],
    "partner_trade": [
        "period", "partner_code", "partner_name", "is_group", "exports_usd", "imports_usd", "balance_usd",
        "exports_cny", "imports_cny", "balance_cny", "exports_yoy_pct", "imports_yoy_pct",
    ],
    "trade_surplus": [
        "period", "partner_code", "balance_usd", "balance_ytd_usd", "balance_rolling_12m_usd",
        "share_of_total_balance_pct",
    ],
    "commodity_trade": [
        "period", "hs_code", "commodity_name", "partner_code", "direction", "value_usd", "value_cny",
        "quantity", "quantity_unit", "quantity_base", "quantity_base_unit", "is_aggregate",
    ],
    "trade_mode": [
        "period", "trade_mode_code", "trade_mode", "direction", "value_usd", "value_cny", "value_ytd_usd",
        "value_ytd_cny", "yoy_pct", "yoy_ytd_pct", "is_processing_trade", "share_of_total_pct",
        "processing_trade_share_pct",
    ],
    "annual_trade": [
        "year", "partner_code", "exports_usd", "imports_usd", "balance_usd", "exports_yoy_pct", "imports_yoy_pct",
    ],
}  # fmt: skip


@pytest.mark.parametrize("view", BI_VIEWS, ids=lambda v: v.name)
def test_every_earlier_column_stays_in_its_place(view: object) -> None:
    from warehouse.contracts import TableContract

    assert isinstance(view, TableContract)
    before = BEFORE_ISSUE_13.get(view.name, [])  # a view added since issue 13 has no earlier columns
    assert view.column_names[: len(before)] == before


def test_no_view_was_dropped() -> None:
    assert set(BEFORE_ISSUE_13) <= {v.name for v in BI_VIEWS}


@pytest.mark.parametrize(
    ("view", "columns"),
    [
        ("partner_trade", {"partner_name", "is_group", "period_kind", "exports_yoy_source"}),
        ("trade_surplus", {"partner_name", "is_group", "period_kind"}),
        ("annual_trade", {"partner_name", "is_group", "exports_yoy_source", "imports_yoy_source"}),
        ("monthly_trade", {"period_kind", "exports_yoy_source", "imports_yoy_source"}),
        ("commodity_trade", {"commodity_code", "commodity_code_kind", "commodity_name_en", "period_kind"}),
        ("trade_mode", {"period_kind", "yoy_source", "yoy_ytd_source"}),
    ],
)
def test_issue_13_columns_are_declared(view: str, columns: set[str]) -> None:
    (contract,) = [v for v in BI_VIEWS if v.name == view]
    assert columns <= set(contract.column_names)


# --- bi.trade_mode in SQL (the demo has no trade-mode tables, so its rows are made here) ------------------
def _trade_mode_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core; CREATE SCHEMA bi")
    for c in (DIM_PERIOD, DIM_TRADE_MODE, FACT_TRADE_MODE, BI_TRADE_MODE):
        con.execute(c.create_sql())
    periods = DIM_PERIOD.conform(
        build_dim_period(pl.LazyFrame({"period": ["2025-01..02", "2025-03", "2025-04"]})).collect()
    )
    modes = pl.DataFrame(
        [{"trade_mode_code": "ORDINARY", "trade_mode": "Ordinary trade", "trade_mode_zh": "一般贸易",
          "is_processing_trade": False, "is_aggregate": False}],
        schema=DIM_TRADE_MODE.polars_schema(),
    )  # fmt: skip
    base = {"release_id": "r", "product": "preliminary", "trade_mode_code": "ORDINARY", "direction": "export"}
    base |= {"vintage_source": "preliminary", "value_source": "published"}
    facts = pl.DataFrame(
        [
            base | {"period": "2025-01..02", "period_start": dt.date(2025, 1, 1), "months_covered": 2,
                    "yoy_pct_published_usd": 2.2, "yoy_pct": 2.2, "yoy_ytd_pct": 2.2,
                    "yoy_ytd_pct_published_usd": 2.2, "share_of_total_pct": 51.23456},
            base | {"period": "2025-03", "period_start": dt.date(2025, 3, 1), "months_covered": 1,
                    "yoy_pct": 7.123456, "yoy_ytd_pct": 4.06, "share_of_total_pct": 50.0},
            base | {"period": "2025-04", "period_start": dt.date(2025, 4, 1), "months_covered": 1},
        ],
        schema=FACT_TRADE_MODE.polars_schema(),
    ).with_columns(is_latest_vintage=pl.lit(True))  # fmt: skip
    for contract, frame in ((DIM_PERIOD, periods), (DIM_TRADE_MODE, modes), (FACT_TRADE_MODE, facts)):
        con.register("frame", frame.to_arrow())
        con.execute(f"INSERT INTO {contract.qualified_name} SELECT * FROM frame")
        con.unregister("frame")
    return con


def test_trade_mode_yoy_says_where_it_comes_from_and_derived_ones_are_rounded() -> None:
    with _trade_mode_warehouse() as con:
        rows = con.execute(
            "SELECT period, period_kind, yoy_pct, yoy_source, yoy_ytd_pct, yoy_ytd_source, share_of_total_pct"
            " FROM bi.trade_mode ORDER BY period"
        ).fetchall()
    assert rows == [
        ("2025-01..02", "jan_feb_combined", 2.2, "published", 2.2, "published", 51.2),
        ("2025-03", "month", 7.1, "derived", 4.1, "derived", 50.0),
        ("2025-04", "month", None, None, None, None, None),
    ]
