"""Trade by trade mode (customs regime): tables (2) and (3) staging cells → FACT_TRADE_MODE, DIM_TRADE_MODE.

Table (2) prints the month (for the Jan-Feb release, the combined period), table (3) January to the
month; each in a USD and a CNY edition, so a grain (period x trade mode x direction) has four pages,
which GACC may publish on different days. The Monthly Bulletin's customs-regime table prints both the
month and January to the month on one page (per currency): its cells fill the same four sides under
product `bulletin`, its periods as `transforms.bulletin` files them (a February page also gives
`YYYY-01..02` and a January derived from it, `value_source` 'derived'; TOTAL is its total row, as
tables (2)/(3)'s Total Value). The products are never paired into one row; the precedence rule picks
the latest vintage across them. As in `transforms.facts`, a fact row stands for a release at
which the grain's figures changed, each of the four pages taken as of that release (an as-of join), and a
row missing a page that a later release supplies is superseded by that later row.

- Directions: the export and import columns; the total (E&I) column stays in staging.
- The period value: table (2)'s figure; a period that starts in January (Jan-Feb) takes table (3)'s
  cumulative where table (2) is absent. Its published y/y likewise.
- `yoy_pct` / `yoy_ytd_pct`: GACC's y/y of that very value (table (2) for the period value, table (3) for
  the cumulative), else derived from the same period a year earlier (its latest vintage), else null; in USD.
- `share_of_total_pct`: the row's value_usd over the Total Value row of the same release, period and
  direction. `processing_trade_share_pct`: processing trade over the Total Value, where processing trade is
  the printed aggregate (reference: is_processing_trade and is_aggregate) or else the sum of its printed
  regimes (is_processing_trade only: materials supplied, imported materials).
"""

from __future__ import annotations

import polars as pl

from transforms.bulletin import bulletin_period_cells
from transforms.facts import pair_sides, value_source_of
from transforms.periods import period_first_month, period_months_covered, period_start, year_earlier_key
from transforms.vintages import public_on, vintage_is_latest, vintage_source, with_vintage_precedence
from warehouse.codes import CURRENCIES, TRADE_DIRECTIONS
from warehouse.tables import DIM_TRADE_MODE, FACT_TRADE_MODE

__all__ = ["TOTAL_CODE", "build_dim_trade_mode", "build_fact_trade_mode"]

TOTAL_CODE = "TOTAL"
_TABLES = {"trade_mode_month": "month", "trade_mode_ytd": "ytd"}
_BULLETIN_TABLE = "bulletin_trade_mode"
_KEYS = ("period", "trade_mode_code", "direction")


def build_dim_trade_mode(trade_modes: pl.LazyFrame) -> pl.LazyFrame:
    """DIM_TRADE_MODE from the reviewed reference (reference/trade_modes.csv)."""
    return trade_modes.select(
        "trade_mode_code",
        pl.col("name_en").alias("trade_mode"),
        pl.col("name_zh").alias("trade_mode_zh"),
        "is_processing_trade",
        "is_aggregate",
    ).select(DIM_TRADE_MODE.column_names)


def _editions(stg: pl.LazyFrame) -> pl.LazyFrame:
    """One row per side (release x month-or-cumulative x currency) x period x trade mode x direction."""
    preliminary = stg.filter(
        (pl.col("product") == "preliminary") & pl.col("table_id").is_in(list(_TABLES))
    ).with_columns(
        # Tables (2)/(3): the table says which side.
        _span=pl.col("table_id").replace_strict(_TABLES, return_dtype=pl.String),
        is_derived=pl.lit(False),
    )
    bulletin = (
        bulletin_period_cells(stg)
        .filter(pl.col("table_id") == _BULLETIN_TABLE)
        .with_columns(_span=pl.col("span"))  # one page prints both sides
    )
    names = preliminary.collect_schema().names()
    cells = pl.concat([preliminary, bulletin.select(names)], how="vertical_relaxed").filter(
        pl.col("direction").is_in(list(TRADE_DIRECTIONS)) & pl.col("trade_mode_code").is_not_null()
    )
    wide = cells.group_by(
        "release_id", "product", "published_on", "_span", "currency", "period", "trade_mode_code", "direction"
    ).agg(
        label=pl.col("label").first(),
        value=pl.col("amount_whole_units").filter(pl.col("measure") == "value").first(),
        yoy=pl.col("figure_as_published").filter(pl.col("measure") == "yoy_pct").first(),
        is_derived=pl.col("is_derived").any(),
    )
    return wide.with_columns(_side=pl.concat_str("_span", pl.lit("_"), "currency")).drop("_span")


def _pct_change(value: str, earlier: str) -> pl.Expr:
    return pl.when(pl.col(earlier) != 0).then((pl.col(value) - pl.col(earlier)) / pl.col(earlier) * 100)


def build_fact_trade_mode(stg: pl.LazyFrame, trade_modes: pl.LazyFrame) -> pl.LazyFrame:
    """FACT_TRADE_MODE from the cells (STG_PRELIMINARY) of tables (2), (3) and the Bulletin (module doc).

    `trade_modes`: the reviewed regimes (trade_mode_code, is_processing_trade, is_aggregate): which rows
    are processing trade, and which of them is its printed aggregate.

    | table | period  | row            | column | becomes                                          |
    |-------|---------|----------------|--------|--------------------------------------------------|
    | (2)   | 2025-11 | Ordinary Trade | Export | value_usd of (2025-11, ORDINARY, export)         |
    | (3)   | 2025-11 | Ordinary Trade | Export | value_ytd_usd of the same row                    |
    | (2)   | 2025-11 | Ordinary Trade | Total  | nothing (E&I stays in staging)                   |
    """
    sides = {
        f"{span}_{currency}": f"{span}_{currency.lower()}"
        for span in _TABLES.values()
        for currency in CURRENCIES
    }
    # The product is part of the pairing key: a Bulletin row never takes a preliminary page's side.
    paired = pair_sides(
        _editions(stg),
        ["product", *_KEYS],
        ["label", "value", "yoy", "is_derived"],
        side_column="_side",
        sides=sides,
    )
    starts_january = period_first_month("period") == 1
    columns: list[pl.Expr] = []
    for currency in CURRENCIES:
        c = currency.lower()
        columns += [
            pl.when(starts_january)
            .then(pl.coalesce(f"value_month_{c}", f"value_ytd_{c}"))
            .otherwise(pl.col(f"value_month_{c}"))
            .alias(f"value_{c}"),
            pl.col(f"value_ytd_{c}").alias(f"value_ytd_{c}"),
            pl.when(starts_january)
            .then(pl.coalesce(f"yoy_month_{c}", f"yoy_ytd_{c}"))
            .otherwise(pl.col(f"yoy_month_{c}"))
            .alias(f"yoy_pct_published_{c}"),
            pl.col(f"yoy_ytd_{c}").alias(f"yoy_ytd_pct_published_{c}"),
        ]
    rows = paired.with_columns(
        *columns,
        label=pl.coalesce(*(f"label_{suffix}" for suffix in sides.values())),
        value_source=value_source_of(*(f"is_derived_{suffix}" for suffix in sides.values())),
        period_start=period_start("period"),
        months_covered=period_months_covered("period"),
    )
    rows = (
        rows.with_columns(vintage_source(), public_on())
        .pipe(with_vintage_precedence)
        .with_columns(is_latest_vintage=vintage_is_latest(_KEYS))
    )

    # y/y: published, else derived from the same period a year earlier (its latest vintage).
    year_earlier = rows.filter(pl.col("is_latest_vintage")).select(
        pl.col("period").alias("_year_earlier"),
        "trade_mode_code",
        "direction",
        pl.col("value_usd").alias("_ye_value_usd"),
        pl.col("value_ytd_usd").alias("_ye_value_ytd_usd"),
    )
    rows = rows.with_columns(_year_earlier=year_earlier_key("period")).join(
        year_earlier, on=["_year_earlier", "trade_mode_code", "direction"], how="left"
    )
    rows = rows.with_columns(
        yoy_pct=pl.coalesce("yoy_pct_published_usd", _pct_change("value_usd", "_ye_value_usd")),
        yoy_ytd_pct=pl.coalesce(
            "yoy_ytd_pct_published_usd", _pct_change("value_ytd_usd", "_ye_value_ytd_usd")
        ),
    )

    # Shares of the Total Value of the same release, period and direction: in USD, or in CNY where the
    # release has only the CNY pages (a share has no currency).
    grain = ["release_id", "period", "direction"]
    code = pl.col("trade_mode_code")
    rows = rows.join(
        trade_modes.select("trade_mode_code", "is_processing_trade", pl.col("is_aggregate").alias("_sums")),
        on="trade_mode_code",
        how="left",
    )
    processing_row = pl.col("is_processing_trade").fill_null(False)
    sums = pl.col("_sums").fill_null(False)
    shares: dict[str, list[pl.Expr]] = {"share_of_total_pct": [], "processing_trade_share_pct": []}
    for currency in CURRENCIES:
        value = pl.col(f"value_{currency.lower()}")
        total = value.filter(code == TOTAL_CODE).first().over(grain)
        aggregate = value.filter(processing_row & sums).first().over(grain)
        members = value.filter(processing_row & ~sums)
        summed = pl.when(members.count().over(grain) > 0).then(members.sum().over(grain))
        processing = pl.coalesce(aggregate, summed)
        shares["share_of_total_pct"].append(pl.when(total > 0).then(value / total * 100))
        shares["processing_trade_share_pct"].append(pl.when(total > 0).then(processing / total * 100))
    rows = rows.with_columns(*(pl.coalesce(exprs).alias(name) for name, exprs in shares.items()))
    # A regime that does not exist in a direction (GACC prints '-') gives no row.
    values = [f"value{span}_{c.lower()}" for span in ("", "_ytd") for c in CURRENCIES]
    rows = rows.filter(pl.any_horizontal(pl.col(v).is_not_null() for v in values))
    return rows.select(FACT_TRADE_MODE.column_names).sort(
        "period", "trade_mode_code", "direction", "release_id"
    )
