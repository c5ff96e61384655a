"""The BI contract only grows: every column a BI view had stays, in its place; new ones are appended."""

from __future__ import annotations

import pytest

from warehouse.tables import BI_VIEWS

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
    before = BEFORE_ISSUE_13[view.name]
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
