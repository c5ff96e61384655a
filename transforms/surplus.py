"""The trade-surplus fact: exports, imports and balance per period and partner, from the latest vintage.

Every measure here is arithmetic on published figures of the latest vintage (FACT_PARTNER_TRADE rows with
`is_latest_vintage`), so the revised cumulative values of later releases are the ones used:
- balance = exports - imports (month and January-to-month, each currency on its own);
- rolling 12 months = balance_ytd(this period) + balance_ytd(December a year earlier)
  - balance_ytd(the period ending in the same month a year earlier); null when any of the three is missing.
  A cumulative ends in a month, so the year-earlier cumulative is the one ending in the same month: for
  '2020-01..02' that is '2019-01..02', or '2019-02' in the years GACC printed a February page;
- y/y: `*_yoy_pct` is GACC's published y/y of that very value where published (table (1) months, any
  Jan-Feb period), else derived from the same period a year earlier (full precision), else null. A period
  that starts in January equals its cumulative, so a year earlier it compares with the cumulative ending in
  the same month ('2020-01..02' with the January-February cumulative of the '2019-02' page);
  `balance_yoy_change_*` uses the same year-earlier values;
  `*_ytd_yoy_pct` the same for the cumulative value (published, else derived from the cumulative ending in
  the same month a year earlier);
  `*_yoy_source` says which: 'published' or 'derived' (null with the y/y);
- `value_source`: 'derived' where the exports or imports figure is (a January derived from a Monthly
  Bulletin February page), else 'published';
- share of total balance = 100 * balance_usd / the World's balance_usd of the period (null if that is 0
  or missing).

The history (`build_fact_trade_surplus_history`) is the same fact as the warehouse would have computed it
on each day a vintage became public: the vintages public by then, the precedence rule applied to them
alone, every measure above derived from those. A row is kept once per version (valid from the day it
first looked that way until the day it changed), so as-of queries read what the views showed then.
"""

from __future__ import annotations

import polars as pl

from domain.partners import WORLD_CODE
from transforms.periods import period_first_month, period_last_month, period_year, year_earlier_key
from transforms.vintages import vintage_is_latest
from warehouse.codes import ValueSource, YoySource
from warehouse.tables import FACT_TRADE_SURPLUS, FACT_TRADE_SURPLUS_HISTORY

_KEYS = ["period", "partner_code"]
# Period measure → the cumulative measure it equals for a period that starts in January.
_PERIOD_TO_YTD = {
    "exports_usd": "exports_ytd_usd",
    "imports_usd": "imports_ytd_usd",
    "balance_usd": "balance_ytd_usd",
    "balance_cny": "balance_ytd_cny",
}


def _flow(latest: pl.LazyFrame, direction: str, name: str) -> pl.LazyFrame:
    """One direction's figures, named for the surplus fact ('exports_usd', 'exports_ytd_cny', ...)."""
    return latest.filter(pl.col("direction") == direction).select(
        *_KEYS,
        pl.col("release_id").alias(f"_{name}_release_id"),
        pl.col("value_usd").alias(f"{name}_usd"),
        pl.col("value_cny").alias(f"{name}_cny"),
        pl.col("value_ytd_usd").alias(f"{name}_ytd_usd"),
        pl.col("value_ytd_cny").alias(f"{name}_ytd_cny"),
        pl.col("yoy_pct_published_usd").alias(f"_{name}_yoy_published"),
        pl.col("yoy_ytd_pct_published_usd").alias(f"_{name}_ytd_yoy_published"),
        (pl.col("value_source") == "derived").alias(f"_{name}_derived"),
    )


def _pct_change(value: str, earlier: str) -> pl.Expr:
    """Year-on-year % from two levels: null where the earlier level is missing or 0."""
    return pl.when(pl.col(earlier) != 0).then((pl.col(value) - pl.col(earlier)) / pl.col(earlier) * 100)


def _yoy_source(published: str, pct: str) -> pl.Expr:
    """'published' where GACC printed the y/y, 'derived' where it was computed here, null where none is."""
    as_printed: YoySource = "published"
    computed: YoySource = "derived"
    return (
        pl.when(pl.col(published).is_not_null())
        .then(pl.lit(as_printed))
        .when(pl.col(pct).is_not_null())
        .then(pl.lit(computed))
    )


def build_fact_trade_surplus(fact_partner_trade: pl.LazyFrame) -> pl.LazyFrame:
    """FACT_TRADE_SURPLUS from FACT_PARTNER_TRADE (latest vintage rows only; see the module doc).

    | period      | balance_ytd_usd | rolling 12 months                                   |
    |-------------|-----------------|-----------------------------------------------------|
    | 2024-01..02 | 30              |                                                     |
    | 2024-12     | 100             |                                                     |
    | 2025-01..02 | 40              | 40 + 100 - 30 = 110                                 |
    """
    latest = fact_partner_trade.filter(pl.col("is_latest_vintage"))
    flows = latest.filter(pl.col("direction").is_in(["export", "import"]))
    base = flows.group_by(_KEYS).agg(
        pl.col("period_start").first(), pl.col("months_covered").first(), pl.col("is_group").first()
    )
    wide = (
        base.join(_flow(latest, "export", "exports"), on=_KEYS, how="left")
        .join(_flow(latest, "import", "imports"), on=_KEYS, how="left")
        .with_columns(
            (pl.col(f"exports{s}") - pl.col(f"imports{s}")).alias(f"balance{s}")
            for s in ("_usd", "_cny", "_ytd_usd", "_ytd_cny")
        )
        .with_columns(
            # The exports row names the release; a partner with imports only takes the imports row's.
            release_id=pl.coalesce("_exports_release_id", "_imports_release_id"),
            _year=period_year("period"),
            _last_month=period_last_month("period"),
        )
    )

    # The same period a year earlier (same months): for the period values.
    year_earlier = wide.select(
        "partner_code",
        pl.col("period").alias("_year_earlier"),
        *(pl.col(c).alias(f"_ye_{c}") for c in ("exports_usd", "imports_usd", "balance_usd", "balance_cny")),
    )
    # The cumulative ending in a given month of a given year: for the year-to-date comparisons. Where both
    # '2019-01..02' and '2019-02' were loaded, their cumulatives are the same figure; one is kept.
    ytd = (
        wide.select(
            "partner_code",
            "_year",
            "_last_month",
            "period",
            "exports_ytd_usd",
            "imports_ytd_usd",
            "balance_ytd_usd",
            "balance_ytd_cny",
        )
        .sort("period")
        .unique(["partner_code", "_year", "_last_month"], keep="first", maintain_order=True)
        .drop("period")
    )
    ytd_year_earlier = ytd.select(
        "partner_code",
        (pl.col("_year") + 1).alias("_year"),
        "_last_month",
        *(
            pl.col(c).alias(f"_ye_{c}")
            for c in ("exports_ytd_usd", "imports_ytd_usd", "balance_ytd_usd", "balance_ytd_cny")
        ),
    )
    december_before = ytd.filter(pl.col("_last_month") == 12).select(
        "partner_code",
        (pl.col("_year") + 1).alias("_year"),
        pl.col("balance_ytd_usd").alias("_dec_balance_ytd_usd"),
        pl.col("balance_ytd_cny").alias("_dec_balance_ytd_cny"),
    )
    world = wide.filter(pl.col("partner_code") == WORLD_CODE).select(
        "period", pl.col("balance_usd").alias("_world_balance_usd")
    )

    starts_january = period_first_month("period") == 1
    out = (
        wide.with_columns(_year_earlier=year_earlier_key("period"))
        .join(year_earlier, on=["partner_code", "_year_earlier"], how="left")
        .join(ytd_year_earlier, on=["partner_code", "_year", "_last_month"], how="left")
        .join(december_before, on=["partner_code", "_year"], how="left")
        .join(world, on="period", how="left")
        .with_columns(
            # A period that starts in January is its own cumulative, so a year earlier it compares with the
            # cumulative ending in the same month: '2020-01..02' with '2019-02''s January-February value
            # in the years GACC printed a February page.
            pl.coalesce(f"_ye_{c}", pl.when(starts_january).then(pl.col(f"_ye_{ytd}"))).alias(f"_ye_{c}")
            for c, ytd in _PERIOD_TO_YTD.items()
        )
        .with_columns(
            *(
                (
                    pl.col(f"balance_ytd_{c}")
                    + pl.col(f"_dec_balance_ytd_{c}")
                    - pl.col(f"_ye_balance_ytd_{c}")
                ).alias(f"balance_rolling_12m_{c}")
                for c in ("usd", "cny")
            ),
            *(
                (pl.col(f"balance_{c}") - pl.col(f"_ye_balance_{c}")).alias(f"balance_yoy_change_{c}")
                for c in ("usd", "cny")
            ),
            *(
                pl.coalesce(f"_{flow}_yoy_published", _pct_change(f"{flow}_usd", f"_ye_{flow}_usd")).alias(
                    f"{flow}_yoy_pct"
                )
                for flow in ("exports", "imports")
            ),
            *(
                pl.coalesce(
                    f"_{flow}_ytd_yoy_published", _pct_change(f"{flow}_ytd_usd", f"_ye_{flow}_ytd_usd")
                ).alias(f"{flow}_ytd_yoy_pct")
                for flow in ("exports", "imports")
            ),
            share_of_total_balance_pct=pl.when(pl.col("_world_balance_usd") != 0).then(
                pl.col("balance_usd") / pl.col("_world_balance_usd") * 100
            ),
        )
    )
    out = out.with_columns(
        _yoy_source(f"_{flow}{span}_yoy_published", f"{flow}{span}_yoy_pct").alias(f"{flow}{span}_yoy_source")
        for flow in ("exports", "imports")
        for span in ("", "_ytd")
    )
    derived: ValueSource = "derived"
    published: ValueSource = "published"
    out = out.with_columns(
        value_source=pl.when(
            pl.col("_exports_derived").fill_null(False) | pl.col("_imports_derived").fill_null(False)
        )
        .then(pl.lit(derived))
        .otherwise(pl.lit(published))
    )
    return out.select(FACT_TRADE_SURPLUS.column_names).sort("period_start", "period", "partner_code")


_PARTNER_GRAIN = ["period", "partner_code", "direction"]


def build_fact_trade_surplus_history(fact_partner_trade: pl.LazyFrame) -> pl.LazyFrame:
    """FACT_TRADE_SURPLUS_HISTORY: every version the surplus fact had, with the days it was current.

    For each day a vintage became public (`public_on`), the fact is built from the vintages public on or
    before it, the latest of each figure picked by the precedence rule among those only. Consecutive
    days on which a row is the same are one version; `visible_until` is the first day it differs or is
    gone (exclusive), null for the current version. A vintage with no known public date is left out.

    | period  | exports_usd | visible_from | visible_until |
    |---------|-------------|--------------|---------------|
    | 2025-12 | 100         | 2026-01-14   | 2026-02-20    |  (the preliminary release)
    | 2025-12 | 99          | 2026-02-20   | null          |  (the Bulletin's revision)
    """
    facts = fact_partner_trade.filter(pl.col("public_on").is_not_null()).collect()
    days = facts.get_column("public_on").unique().sort()
    if days.is_empty():
        return FACT_TRADE_SURPLUS_HISTORY.empty_frame().lazy()
    snapshots = [
        build_fact_trade_surplus(
            facts.lazy()
            .filter(pl.col("public_on") <= day)
            .with_columns(is_latest_vintage=vintage_is_latest(_PARTNER_GRAIN))
        ).with_columns(_snapshot=pl.lit(index, dtype=pl.Int64))
        for index, day in enumerate(days.to_list())
    ]
    measures = FACT_TRADE_SURPLUS.column_names
    every = pl.concat(pl.collect_all(snapshots)).with_columns(_content=pl.struct(measures).hash())
    previous_content = pl.col("_content").shift().over(_KEYS, order_by="_snapshot")
    previous_snapshot = pl.col("_snapshot").shift().over(_KEYS, order_by="_snapshot")
    # A version starts where the row first appears, changes, or comes back after a day without it.
    starts = (
        previous_content.is_null()
        | (previous_content != pl.col("_content"))
        | (previous_snapshot != pl.col("_snapshot") - 1)
    )
    day_of = pl.DataFrame({"_index": range(days.len()), "_day": days}, schema_overrides={"_index": pl.Int64})
    versions = (
        every.lazy()
        .with_columns(_version=starts.cum_sum().over(_KEYS, order_by="_snapshot"))
        .group_by(*_KEYS, "_version")
        .agg(pl.all().exclude("_content").sort_by("_snapshot").first(), _last=pl.col("_snapshot").max())
        .join(day_of.lazy(), left_on="_snapshot", right_on="_index", how="left")
        .rename({"_day": "visible_from"})
        .with_columns(_next=pl.col("_last") + 1)
        .join(day_of.lazy(), left_on="_next", right_on="_index", how="left")
        .rename({"_day": "visible_until"})
    )
    return versions.select(FACT_TRADE_SURPLUS_HISTORY.column_names).sort(
        "period_start", "period", "partner_code", "visible_from"
    )
