"""Period keys as polars expressions, for period key columns; the `Period` value itself is `domain.periods`.

GACC publishes no separate January preliminary release: January and February come out together in
March as one two-month period. That period is kept whole (`2025-01..02`) and never split.
"""

from __future__ import annotations

import polars as pl

from domain.periods import Period
from warehouse.codes import PeriodKind

__all__ = [
    "Period",
    "build_dim_period",
    "period_first_month",
    "period_is_combined",
    "period_kind",
    "period_last_month",
    "period_months_covered",
    "period_reference_month",
    "period_start",
    "period_year",
    "previous_period_key",
    "with_period_columns",
    "year_earlier_key",
]

# --- the same logic as polars expressions, for period key columns ----------------------------------------
# The expressions assume well-formed keys (the staging contract checks the pattern); a malformed key fails
# the strict integer cast instead of yielding a wrong period.

PeriodColumn = str | pl.Expr


def _key(period: PeriodColumn) -> pl.Expr:
    return pl.col(period) if isinstance(period, str) else period


def period_year(period: PeriodColumn = "period") -> pl.Expr:
    """Calendar year of a period key: '2025-01..02' → 2025."""
    return _key(period).str.slice(0, 4).cast(pl.Int64, strict=True)


def period_first_month(period: PeriodColumn = "period") -> pl.Expr:
    """First month a period key covers: '2025-01..02' → 1, '2025-11' → 11."""
    return _key(period).str.slice(5, 2).cast(pl.Int64, strict=True)


def period_last_month(period: PeriodColumn = "period") -> pl.Expr:
    """Last month a period key covers: '2025-01..02' → 2, '2025-11' → 11."""
    last = _key(period).str.extract(r"\.\.(\d{2})$", 1).cast(pl.Int64, strict=True)
    return pl.coalesce(last, period_first_month(period))


def period_months_covered(period: PeriodColumn = "period") -> pl.Expr:
    return period_last_month(period) - period_first_month(period) + 1


def period_is_combined(period: PeriodColumn = "period") -> pl.Expr:
    """True for the combined January-February period (any multi-month period)."""
    return period_months_covered(period) > 1


def period_kind(period: PeriodColumn = "period") -> pl.Expr:
    """'month' for a single month, 'jan_feb_combined' for GACC's January-February period (codes.PERIOD_KINDS)."""
    kind: PeriodKind = "jan_feb_combined"
    single: PeriodKind = "month"
    return pl.when(period_is_combined(period)).then(pl.lit(kind)).otherwise(pl.lit(single))


def period_start(period: PeriodColumn = "period") -> pl.Expr:
    """First day of the period, as a Date."""
    return pl.date(period_year(period), period_first_month(period), 1)


def _month_key(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    return pl.format("{}-{}", year.cast(pl.String), month.cast(pl.String).str.zfill(2))


def period_reference_month(period: PeriodColumn = "period") -> pl.Expr:
    """The 'YYYY-MM' month a period stands for in month-valued comparisons: its last month.

    Group membership and the like are valid per month; the Jan-Feb period counts as February, so a
    country that left a group at the end of January is not a member for '2020-01..02'.
    """
    return _month_key(period_year(period), period_last_month(period))


def previous_period_key(period: PeriodColumn = "period", *, combined_jan_feb: bool = True) -> pl.Expr:
    """The period just before, within the same year; null for a period that starts in January.

    '2025-04' → '2025-03'; '2025-03' → '2025-01..02' (the preliminary release publishes Jan-Feb as one
    period); '2025-01..02' → null. With `combined_jan_feb=False` (the online query, which splits January
    and February), '2025-03' → '2025-02' and '2025-02' → '2025-01'.
    """
    year, first = period_year(period), period_first_month(period)
    single = _month_key(year, first - 1)
    if combined_jan_feb:
        jan_feb = pl.format("{}-01..02", year.cast(pl.String))
        previous = pl.when(first == 3).then(jan_feb).otherwise(single)
    else:
        previous = single
    return pl.when(first > 1).then(previous).otherwise(pl.lit(None, dtype=pl.String))


def year_earlier_key(period: PeriodColumn = "period") -> pl.Expr:
    """The same months a year earlier: '2025-11' → '2024-11', '2025-01..02' → '2024-01..02'."""
    return pl.format(
        "{}{}", (period_year(period) - 1).cast(pl.String).str.zfill(4), _key(period).str.slice(4)
    )


def with_period_columns(lf: pl.LazyFrame, period_col: str = "period") -> pl.LazyFrame:
    """Add DIM_PERIOD's derived columns (period_start, year, first/last month, months, is_combined)."""
    return lf.with_columns(
        period_start=period_start(period_col),
        year=period_year(period_col),
        first_month=period_first_month(period_col),
        last_month=period_last_month(period_col),
        months_covered=period_months_covered(period_col),
        is_combined=period_is_combined(period_col),
        period_kind=period_kind(period_col),
    )


def build_dim_period(periods: pl.LazyFrame) -> pl.LazyFrame:
    """One row per distinct period key of `periods` (column `period`), with DIM_PERIOD's columns."""
    return (
        with_period_columns(periods.select("period").unique())
        .select(
            "period",
            "period_start",
            "year",
            "first_month",
            "last_month",
            "months_covered",
            "is_combined",
            "period_kind",
        )
        .sort("period_start", "period")
    )
