"""Tiny literal frames for the business rules: a few rows of a table, each row given by what differs
from a default, with the table's column types (only the columns the rules read)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from warehouse.contracts import TableContract
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_MODE, FACT_TRADE_SURPLUS, STG_PRELIMINARY

# A staging cell: table (4), USD (printed in US$ 1 million), one month, an export value.
STAGING_DEFAULTS: dict[str, Any] = {
    "release_id": "r-2025-05",
    "source_sha256": "f-2025-05",
    "published_on": date(2025, 6, 13),
    "table_id": "by_partner",
    "currency": "USD",
    "scale": 1_000_000,
    "period": "2025-05",
    "months_covered": 1,
    "row_number": 1,
    "label": "Japan",
    "indent_level": 1,
    "parent_label": None,
    "measure": "value",
    "span": "month",
    "direction": "export",
    "figure_as_published": 1.0,
    "amount_whole_units": None,  # figure x scale unless given
    "trade_mode_code": None,  # tables (2)/(3) only
}
PARTNER_TRADE_DEFAULTS: dict[str, Any] = {
    "release_id": "r-2025-05",
    "period": "2025-05",
    "partner_code": "JPN",
    "direction": "export",
    **dict.fromkeys(
        (
            "value_usd",
            "value_cny",
            "value_ytd_usd",
            "value_ytd_cny",
            "value_derived_usd",
            "value_derived_cny",
            "revision_residual_usd",
            "revision_residual_cny",
            "implied_cny_per_usd",
        )
    ),
    # The vintage: a preliminary release's published figures unless said.
    "vintage_source": "preliminary",
    "vintage_precedence": 1,
    "value_source": "published",
}
TRADE_MODE_DEFAULTS: dict[str, Any] = {
    "release_id": "r-2025-05",
    "period": "2025-05",
    "trade_mode_code": "ORDINARY",
    "direction": "export",
    **dict.fromkeys(("value_usd", "value_cny", "value_ytd_usd", "value_ytd_cny")),
    "vintage_source": "preliminary",
    "vintage_precedence": 1,
    "value_source": "published",
}
SURPLUS_DEFAULTS: dict[str, Any] = {
    "release_id": "r-2025-05",
    "period": "2025-05",
    "partner_code": "USA",
    **{
        f"{what}{span}_{currency}": value
        for what, value in (("exports", 10), ("imports", 4), ("balance", 6))
        for span in ("", "_ytd")
        for currency in ("usd", "cny")
    },
}


def _frame(contract: TableContract, defaults: dict[str, Any], rows: list[dict[str, Any]]) -> pl.DataFrame:
    unknown = {k for row in rows for k in row} - defaults.keys()
    assert not unknown, f"not a column of the literal {contract.qualified_name}: {unknown}"
    schema = contract.polars_schema()
    return pl.DataFrame([{**defaults, **row} for row in rows], schema={c: schema[c] for c in defaults})


def staging(*rows: dict[str, Any]) -> pl.DataFrame:
    frame = _frame(STG_PRELIMINARY, STAGING_DEFAULTS, list(rows))
    amount = (pl.col("figure_as_published") * pl.col("scale")).round().cast(pl.Int64)
    return frame.with_columns(amount_whole_units=pl.coalesce("amount_whole_units", amount))


def partner_trade(*rows: dict[str, Any]) -> pl.DataFrame:
    return _frame(FACT_PARTNER_TRADE, PARTNER_TRADE_DEFAULTS, list(rows))


def trade_mode(*rows: dict[str, Any]) -> pl.DataFrame:
    return _frame(FACT_TRADE_MODE, TRADE_MODE_DEFAULTS, list(rows))


def surplus(*rows: dict[str, Any]) -> pl.DataFrame:
    return _frame(FACT_TRADE_SURPLUS, SURPLUS_DEFAULTS, list(rows))


def release(period: str, published_on: date) -> dict[str, Any]:
    """The columns that make a staging row part of the release (and file) of a period."""
    return {
        "release_id": f"r-{period}",
        "source_sha256": f"f-{period}",
        "period": period,
        "published_on": published_on,
    }
