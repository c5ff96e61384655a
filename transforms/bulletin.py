"""Monthly Bulletin cells as the periods they give (pure polars, shared by the partner and trade-mode facts).

A Bulletin page prints one month: the month `N` and January-to-month `1 to N` side by side, each value with
its y/y %. Its figures are staged as published (product `bulletin`); here they become cells of the
periods the facts file them under:
- a page of month N (N > 2) gives period `YYYY-NN`, its month and cumulative cells as printed;
- a February page gives three periods. `YYYY-01..02`: its `1 to 2` cells, filed as the preliminary
  release files January-February (the combined period whose value is the cumulative), so that the
  Bulletin's vintage of that figure is compared with the preliminary one, like with like. `YYYY-02`:
  February alone, with `1 to 2` as its cumulative. `YYYY-01`: January, `1 to 2` minus `2`, flagged
  `is_derived` (never published: no y/y, no printed figure); a flow printed `-` in either column gives
  none.
"""

from __future__ import annotations

import polars as pl

from transforms.periods import period_first_month, period_last_month, period_year

__all__ = ["bulletin_period_cells"]

# The cells of one printed figure's row in a page: a January is derived within it.
_ROW = [
    "release_id",
    "source_sha256",
    "published_on",
    "currency",
    "table_id",
    "row_number",
    "label",
    "trade_mode_code",
    "direction",
]


def bulletin_period_cells(stg: pl.LazyFrame) -> pl.LazyFrame:
    """The Bulletin cells of `stg` (product `bulletin`), one set per period they give, with `is_derived`.

    | page    | cell           | amount | → period    | span  | is_derived |
    |---------|----------------|--------|-------------|-------|------------|
    | 2. 2025 | export 2       | 40     | 2025-02     | month | false      |
    | 2. 2025 | export 1 to 2  | 100    | 2025-02     | ytd   | false      |
    |         |                |        | 2025-01..02 | ytd   | false      |
    |         | (1 to 2 - 2)   | 60     | 2025-01     | month | true       |
    |         |                | 60     | 2025-01     | ytd   | true       |
    """
    cells = stg.filter(pl.col("product") == "bulletin").with_columns(is_derived=pl.lit(False))
    february = (period_last_month("period") == 2) & (period_first_month("period") == 2)
    year = period_year("period").cast(pl.String)
    jan_feb = cells.filter(february & (pl.col("span") == "ytd")).with_columns(
        period=year + pl.lit("-01..02"), months_covered=pl.lit(2, dtype=pl.Int64)
    )
    values = cells.filter(february & (pl.col("measure") == "value"))
    keys = [*_ROW, "period", "product"]
    january_amounts = values.group_by(keys).agg(
        # The page's other columns, which say nothing of the figure.
        *(pl.col(c).first() for c in cells.collect_schema().names() if c not in keys),
        _month=pl.col("amount_whole_units").filter(pl.col("span") == "month").first(),
        _ytd=pl.col("amount_whole_units").filter(pl.col("span") == "ytd").first(),
    )
    january = (
        january_amounts.filter(pl.col("_month").is_not_null() & pl.col("_ytd").is_not_null())
        .with_columns(
            period=year + pl.lit("-01"),
            months_covered=pl.lit(1, dtype=pl.Int64),
            measure=pl.lit("value"),
            amount_whole_units=pl.col("_ytd") - pl.col("_month"),
            figure_as_published=pl.lit(None, dtype=pl.Float64),  # nothing was printed for January
            is_derived=pl.lit(True),
        )
        .drop("_month", "_ytd", "span")
    )
    # January alone is also its own January-to-month value.
    january = pl.concat(
        [january.with_columns(span=pl.lit(span)) for span in ("month", "ytd")], how="diagonal"
    )
    names = cells.collect_schema().names()
    return pl.concat([cells, jan_feb, january.select(names)], how="vertical_relaxed")
