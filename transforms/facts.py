"""Fact builders: staging cells (long, as published) → core facts (wide, one row per release and grain).

Both currency editions are kept as published and joined side by side, never converted into each other.
Every release stays a row (a vintage); `is_latest_vintage` marks the newest one of each grain.

Semantics chosen here (the design leaves them open):
- The period value. A month's value is its month column. The Jan-Feb release prints only the 1-to-2
  cumulative column, and that cumulative IS the value of the Jan-Feb period; likewise its y/y % is the
  cumulative's printed y/y. This holds for any period that starts in January (a January-only page of the
  years GACC printed one gives the same figure in both columns). A y/y % printed beside a
  January-to-month value of a later month belongs to the cumulative only (`yoy_ytd_pct_published_*`),
  never to the month.
- Joining the editions. The USD and CNY pages of one period may come out on different days, so with
  different release_ids. A fact row stands for a release at which a period's figures changed; each currency
  takes its latest edition published no later than that release (an as-of join in the order
  (published_on, release_id)). The row's release_id/published_on are therefore the later of its two
  editions'. A row that lacks an edition which a later release supplies is superseded by that later row
  and not kept, so the common case (USD on one day, CNY on the next) gives one row, under the later
  release; an edition never published leaves its columns null.
- Derived period value. `value_derived_*` is this edition's January-to-month value minus the previous
  period's January-to-month value (same partner, direction, currency) in that period's latest edition
  published no later than this one. The previous period is the one of the same year that ends in the month
  before this one starts ('2025-03' → '2025-01..02'; '2019-02' → '2019-01' for the years with a January
  page), found in the data rather than assumed. For a period that starts in January there is nothing to
  subtract: its derived value is its cumulative value, and its residual is therefore 0 (Jan-Feb) or the
  difference between the month and cumulative columns (a January page). With the previous period not
  loaded, derived and residual are null.
- Restatements (tables (5)/(6)). The prior-year January-to-month column is a later vintage of last year's
  cumulative: it becomes a row of that earlier period under the printing release, `is_restatement`. It
  gives the period's own value only where the period starts in January (the cumulative is the value);
  for a later month it gives the cumulative alone, so it never becomes the vintage the BI view shows
  (`is_latest_vintage` is the newest release that gives the period value): nothing is counted twice,
  and a month's value is never blanked by a reprint of its cumulative.
- The Monthly Bulletin (product `bulletin`). Its customs-regime TOTAL is the World (the Bulletin vintage
  of table (1)) and its by-country table the partners (labels through the same aliases as table (4));
  each page is a vintage of its own, never paired with a preliminary edition, and the precedence rule
  (`transforms.vintages`) makes it the latest. Its periods are those `transforms.bulletin` files: a
  February page also gives the January-February period, under the preliminary release's key, and a
  January derived from it, `value_source` 'derived' (never passed off as published).
- Quantities: as printed (`quantity`, `quantity_unit`) and in the unit's base unit (`quantity_base`,
  `quantity_base_unit`, from the parser's reference/quantity_units.csv factor). A row whose unit is
  still pending (a shifted page whose other edition never confirmed it) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from domain.partners import WORLD_CODE
from transforms.bulletin import bulletin_period_cells
from transforms.partners import (
    attach_partner_codes,
    attach_partner_codes_from_gacc,
    normalise_label_expr,
    partners_with_world,
)
from transforms.periods import (
    period_first_month,
    period_last_month,
    period_months_covered,
    period_start,
    period_year,
)
from transforms.vintages import public_on, vintage_is_latest, vintage_source, with_vintage_precedence
from warehouse.codes import CURRENCIES, ValueSource
from warehouse.ordering import sort_by_ranks
from warehouse.reference import UnknownCommodityError
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_FLOWS

__all__ = [
    "FLOW_TABLE_IDS",
    "AmbiguousCommodityError",
    "UnknownCommodityError",
    "attach_commodity_codes",
    "build_fact_partner_trade",
    "build_fact_trade_flows",
    "pair_sides",
    "value_source_of",
    "vintage_is_latest",
]

_PARTNER_KEYS = ("period", "partner_code", "direction")
_FLOW_KEYS = ("period", "direction", "commodity_code", "partner_code")
_MAJOR_TABLE_DIRECTIONS = {"major_exports": "export", "major_imports": "import"}
# The preliminary tables FACT_TRADE_FLOWS is built from (the rest of its rows are online-query records).
FLOW_TABLE_IDS = tuple(_MAJOR_TABLE_DIRECTIONS)
_PARTNER_SOURCE = "preliminary table (4) by country/region"  # named in UnknownPartnerError
_BULLETIN_PARTNER_SOURCE = "Monthly Bulletin table by country (region)"
# The Bulletin's customs-regime row that is China's total: the World's figures.
_BULLETIN_TOTAL_REGIME = "TOTAL"
_COMMODITY_SOURCE = "preliminary tables (5)/(6) major exports/imports"  # named in UnknownCommodityError


class AmbiguousCommodityError(ValueError):
    """A commodity label the reference maps to more than one commodity code."""


# --- shared pieces --------------------------------------------------------------------------------------
def _pick(measure: str, span: str, column: str) -> pl.Expr:
    """The one figure of a row for a measure and span (null where the page has no such cell)."""
    return pl.col(column).filter((pl.col("measure") == measure) & (pl.col("span") == span)).first()


def _period_figure(month: str, ytd: str) -> pl.Expr:
    """The figure of the period itself: the month column, or for a period that starts in January (the
    Jan-Feb release prints only its 1-to-2 cumulative) the cumulative where no month column is printed."""
    starts_january = period_first_month("period") == 1
    return pl.when(starts_january).then(pl.coalesce(month, ytd)).otherwise(pl.col(month))


def _vintage_order() -> pl.Expr:
    """A string that orders releases by (published_on, retrieved_at, release_id); missing sorts first.

    An online-query export has no publication date: of two overlapping exports the one retrieved later
    is the newer vintage (its release id, a content hash, says nothing about time)."""
    return pl.concat_str(
        pl.col("published_on").cast(pl.String).fill_null(""),
        pl.lit("|"),
        pl.col("retrieved_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.f").fill_null(""),
        pl.lit("|"),
        pl.col("release_id"),
    )


def _pair_editions(editions: pl.LazyFrame, keys: Sequence[str], measures: Sequence[str]) -> pl.LazyFrame:
    """Join the USD and CNY editions of each grain (`keys`) into one row per release (see module doc).

    In: keys, release_id, published_on, currency, measures (one row per edition and release).
    Out: keys, release_id, published_on, `{measure}_usd` and `{measure}_cny`, `_vintage`.
    """
    sides: dict[str, str] = {currency: currency.lower() for currency in CURRENCIES}
    return pair_sides(editions, keys, measures, side_column="currency", sides=sides)


def pair_sides(
    editions: pl.LazyFrame,
    keys: Sequence[str],
    measures: Sequence[str],
    *,
    side_column: str,
    sides: Mapping[str, str],
) -> pl.LazyFrame:
    """One row per release at which a grain's figures changed, each side as of that release.

    A side is one page of the grain (a currency edition; for trade modes, a table in a currency):
    `side_column` says which, `sides` maps its values to the suffix of the measures it supplies. Each
    release row takes every side's latest edition published no later than itself (as-of join in the
    order (published_on, retrieved_at, release_id)); a row missing a side that a later release supplies
    is superseded by that later row and dropped.
    Out: keys, release_id, published_on, `{measure}_{suffix}` per side, `_vintage`.
    """
    keys = list(keys)
    if "retrieved_at" not in editions.collect_schema().names():
        editions = editions.with_columns(retrieved_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")))
    editions = editions.with_columns(_vintage=_vintage_order())
    paired = (
        editions.select(*keys, "release_id", "published_on", "retrieved_at", "_vintage")
        .unique()
        .sort("_vintage")
    )
    for side, suffix in sides.items():
        one_side = (
            editions.filter(pl.col(side_column) == side)
            .select(
                *keys,
                "_vintage",
                pl.col("_vintage").alias(f"_vintage_{suffix}"),
                *(pl.col(m).alias(f"{m}_{suffix}") for m in measures),
            )
            .sort("_vintage")
        )
        # Both sides are sorted on the as-of key; polars cannot check that within `by` groups.
        paired = paired.join_asof(
            one_side, on="_vintage", by=keys, strategy="backward", check_sortedness=False
        )
    superseded = pl.lit(False)
    for suffix in sides.values():
        matched = pl.col(f"_vintage_{suffix}")
        superseded = superseded | (matched.is_null() & matched.is_not_null().any().over(keys))
    return paired.filter(~superseded).drop(*(f"_vintage_{suffix}" for suffix in sides.values()))


def value_source_of(*derived: str) -> pl.Expr:
    """'derived' where any edition's figures were derived here (a Bulletin's January), else 'published'."""
    is_derived = pl.any_horizontal(pl.col(c).fill_null(False) for c in derived)
    as_printed: ValueSource = "published"
    computed: ValueSource = "derived"
    return pl.when(is_derived).then(pl.lit(computed)).otherwise(pl.lit(as_printed))


def _with_period(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(
        period_start=period_start("period"), months_covered=period_months_covered("period")
    )


# --- partner trade: tables (1) and (4), and the Monthly Bulletin ----------------------------------------
def _partner_cells(stg: pl.LazyFrame, aliases: pl.LazyFrame) -> pl.LazyFrame:
    """Cells of table (1) (World) and table (4) (partners), and of the Bulletin's customs-regime TOTAL
    (World) and by-country table (partners), each with its partner_code, label and `is_derived`."""
    preliminary = stg.filter(pl.col("product") == "preliminary").with_columns(is_derived=pl.lit(False))
    # Table (1): the World. Its balance row is exports minus imports, rebuilt in the surplus fact.
    totals = preliminary.filter(
        (pl.col("table_id") == "totals") & pl.col("direction").is_in(["total", "export", "import"])
    ).with_columns(partner_code=pl.lit(WORLD_CODE), partner_label=pl.lit(None, dtype=pl.String))
    # Table (4): every partner but its 'Total' row. The World comes from table (1); the table (4) Total
    # stays in staging, where an expectation reconciles it with table (1).
    by_partner = (
        attach_partner_codes(
            preliminary.filter(pl.col("table_id") == "by_partner"), aliases, source=_PARTNER_SOURCE
        )
        .filter(pl.col("partner_code") != WORLD_CODE)
        .with_columns(partner_label=pl.col("label"))
    )
    bulletin = bulletin_period_cells(stg)
    # The Bulletin's customs-regime TOTAL is China's total (the Bulletin vintage of table (1)); a page
    # whose release has no customs-regime page in that currency takes the by-country table's Total.
    regime_total = bulletin.filter(
        (pl.col("table_id") == "bulletin_trade_mode") & (pl.col("trade_mode_code") == _BULLETIN_TOTAL_REGIME)
    )
    bulletin_partners = attach_partner_codes(
        bulletin.filter(pl.col("table_id") == "bulletin_by_partner"), aliases, source=_BULLETIN_PARTNER_SOURCE
    )
    page = ["release_id", "currency", "period"]
    country_total = bulletin_partners.filter(pl.col("partner_code") == WORLD_CODE).join(
        regime_total.select(page).unique(), on=page, how="anti"
    )
    bulletin_world = pl.concat(
        [regime_total, country_total.drop("partner_code")], how="vertical_relaxed"
    ).with_columns(partner_code=pl.lit(WORLD_CODE), partner_label=pl.lit(None, dtype=pl.String))
    bulletin_by_partner = bulletin_partners.filter(pl.col("partner_code") != WORLD_CODE).with_columns(
        partner_label=pl.col("label")
    )
    names = totals.collect_schema().names()
    return pl.concat(
        [
            frame.select(names)
            for frame in (
                totals,
                by_partner,
                bulletin_world,
                _bulletin_world_total(bulletin_world),
                bulletin_by_partner,
            )
        ],
        how="vertical_relaxed",
    )


def _bulletin_world_total(world: pl.LazyFrame) -> pl.LazyFrame:
    """China's total trade (direction `total`) of a Bulletin page: its exports plus its imports.

    The Bulletin prints exports and imports but not their sum, which table (1) prints. Without this row the
    latest total would stay the preliminary one while the latest exports are the Bulletin's, and total
    would no longer equal exports plus imports in the views. Derived here (`is_derived`), values only: the
    Bulletin prints no y/y of the total. A page lacking either flow gives none.
    """
    per_flow = {"direction", "amount_whole_units", "figure_as_published", "column_number", "is_derived"}
    keys = [c for c in world.collect_schema().names() if c not in per_flow]
    return (
        world.filter((pl.col("measure") == "value") & pl.col("direction").is_in(["export", "import"]))
        .group_by(keys)
        .agg(
            pl.col("amount_whole_units").sum(),
            _flows=pl.col("direction").n_unique(),
            _has_null=pl.col("amount_whole_units").is_null().any(),
        )
        .filter((pl.col("_flows") == 2) & ~pl.col("_has_null"))
        .with_columns(
            direction=pl.lit("total"),
            figure_as_published=pl.lit(None, dtype=pl.Float64),
            column_number=pl.lit(None, dtype=pl.Int64),
            is_derived=pl.lit(True),
        )
        .drop("_flows", "_has_null")
    )


def _partner_editions(cells: pl.LazyFrame) -> pl.LazyFrame:
    """One row per edition (release x currency) x period x partner x direction, measures side by side."""
    wide = cells.group_by(
        "release_id",
        "product",
        "published_on",
        "currency",
        "period",
        "partner_code",
        "partner_label",
        "direction",
    ).agg(
        _value_month=_pick("value", "month", "amount_whole_units"),
        value_ytd=_pick("value", "ytd", "amount_whole_units"),
        _yoy_month=_pick("yoy_pct", "month", "figure_as_published"),
        yoy_ytd_pct_published=_pick("yoy_pct", "ytd", "figure_as_published"),
        mom_pct_published=_pick("mom_pct", "month", "figure_as_published"),
        is_derived=pl.col("is_derived").any(),
    )
    return wide.with_columns(
        value=_period_figure("_value_month", "value_ytd"),
        yoy_pct_published=_period_figure("_yoy_month", "yoy_ytd_pct_published"),
    ).drop("_value_month", "_yoy_month")


def _with_derived_values(editions: pl.LazyFrame) -> pl.LazyFrame:
    """Add value_derived and revision_residual within each edition (see module doc).

    | period      | published_on | value | value_ytd | value_derived      | revision_residual |
    |-------------|--------------|-------|-----------|--------------------|-------------------|
    | 2025-01..02 | 2025-03-07   | 100   | 100       | 100 (= cumulative) | 0                 |
    | 2025-03     | 2025-04-14   | 60    | 155       | 155 - 100 = 55     | 60 - 55 = 5       |
    """
    by = ["currency", "partner_code", "direction", "year", "_link_month"]
    # The as-of key: a release of the previous period counts if published no later than this one.
    published = pl.col("published_on").fill_null(date(1, 1, 1))
    editions = editions.with_columns(year=period_year("period"), _published=published)
    previous = (
        editions.select(
            "currency",
            "partner_code",
            "direction",
            "year",
            "_published",
            "release_id",
            _link_month=period_last_month("period"),
            _previous_ytd=pl.col("value_ytd"),
        )
        # Of two releases of the previous period on one day, the later release_id is the latest.
        .sort("_published", "release_id")
        .unique([*by, "_published"], keep="last", maintain_order=True)
        .drop("release_id")
    )
    first_month = period_first_month("period")
    return (
        editions.with_columns(_link_month=first_month - 1)
        .sort("_published")
        .join_asof(previous, on="_published", by=by, strategy="backward", check_sortedness=False)
        .with_columns(
            value_derived=pl.when(first_month == 1)
            .then(pl.col("value_ytd"))
            .otherwise(pl.col("value_ytd") - pl.col("_previous_ytd"))
        )
        .with_columns(revision_residual=pl.col("value") - pl.col("value_derived"))
        .drop("year", "_published", "_link_month", "_previous_ytd")
    )


def build_fact_partner_trade(
    stg: pl.LazyFrame, aliases: pl.LazyFrame, partners: pl.LazyFrame
) -> pl.LazyFrame:
    """FACT_PARTNER_TRADE from the cells (STG_PRELIMINARY) of tables (1) and (4) and of the Bulletin.

    `aliases`: the reviewed partner aliases (alias_key, partner_code, source); `partners`: the reviewed
    partners (partner_code, is_group). Raises UnknownPartnerError for a table (4) or Bulletin by-country
    label with no alias.

    | table              | row          | becomes                                           |
    |--------------------|--------------|---------------------------------------------------|
    | (1)                | Export       | partner WLD, direction export                     |
    | (1)                | Balance      | nothing (the surplus fact rebuilds it)            |
    | (4)                | Total        | nothing (World comes from (1); kept in staging)   |
    | (4)                | Germany      | partner DEU, one row per direction                |
    | Bulletin regime    | TOTAL        | partner WLD, product bulletin                     |
    | Bulletin country   | Germany      | partner DEU, product bulletin                     |

    Bulletin periods as `transforms.bulletin` files them (a February page also gives YYYY-01..02 and a
    derived January, `value_source` 'derived'). The two products are never paired into one row: each
    vintage holds only its own figures; the precedence rule picks the latest across them.
    """
    cells = _partner_cells(stg, aliases)
    editions = _with_derived_values(_partner_editions(cells))
    measures = [
        "partner_label",
        "value",
        "value_ytd",
        "value_derived",
        "revision_residual",
        "yoy_pct_published",
        "yoy_ytd_pct_published",
        "mom_pct_published",
        "is_derived",
    ]
    # The product is part of the pairing key: a Bulletin row never takes the preliminary's other edition.
    paired = _pair_editions(editions, ["product", *_PARTNER_KEYS], measures)
    is_group = partners_with_world(partners).select("partner_code", "is_group")
    ytd_usd, ytd_cny = pl.col("value_ytd_usd"), pl.col("value_ytd_cny")
    out = (
        _with_period(paired)
        .join(is_group, on="partner_code", how="left")
        .with_columns(
            partner_label=pl.coalesce("partner_label_usd", "partner_label_cny"),
            value_source=value_source_of("is_derived_usd", "is_derived_cny"),
            # A check on the two editions, never a conversion rate.
            implied_cny_per_usd=pl.when(ytd_usd > 0).then(ytd_cny / ytd_usd),
        )
        .with_columns(vintage_source(), public_on())
        .pipe(with_vintage_precedence)
        .with_columns(is_latest_vintage=vintage_is_latest(_PARTNER_KEYS))
    )
    return out.select(FACT_PARTNER_TRADE.column_names).sort(
        "period", "partner_code", "direction", "release_id"
    )


# --- trade flows: tables (5)/(6) and the online-query detail --------------------------------------------
def _commodity_direction(column: str) -> pl.Expr:
    """'export'/'import' (also read 'Exports', 'imports' as the reference may spell them)."""
    return pl.col(column).str.strip_chars().str.to_lowercase().str.strip_suffix("s")


def attach_commodity_codes(
    lf: pl.LazyFrame, commodities: pl.LazyFrame, *, label_col: str = "label"
) -> pl.LazyFrame:
    """Add `commodity_code` to rows of tables (5)/(6) from their label and `direction`.

    `commodities` (label, commodity_code, direction, hs_heading, note) is matched on the normalised label;
    a reference row for the same direction wins over one without a direction. An unknown label raises
    `warehouse.reference.UnknownCommodityError` naming every one; two codes for one label and direction
    raise AmbiguousCommodityError.
    """
    rows = lf.select(label_col, "direction").unique().collect()
    reference = commodities.select(
        _key=normalise_label_expr("label"),
        _direction=_commodity_direction("direction"),
        commodity_code=pl.col("commodity_code").cast(pl.String),
    ).collect()
    candidates = (
        rows.with_columns(_key=normalise_label_expr(label_col))
        .join(reference, on="_key", how="inner")
        .filter(pl.col("_direction").is_null() | (pl.col("_direction") == pl.col("direction")))
        .with_columns(_priority=pl.col("_direction").is_not_null().cast(pl.Int8))
        .filter(pl.col("_priority") == pl.col("_priority").max().over(label_col, "direction"))
        .select(label_col, "direction", "commodity_code")
        .unique()
    )
    clashes = candidates.filter(pl.len().over(label_col, "direction") > 1)
    if clashes.height:
        clashing = (
            clashes.group_by(label_col, "direction").agg(pl.col("commodity_code").sort()).sort(label_col)
        )
        raise AmbiguousCommodityError(f"commodity labels with several codes: {clashing.rows()}")
    unknown = rows.join(candidates, on=[label_col, "direction"], how="anti").sort("direction", label_col)
    if unknown.height:
        directions = unknown["direction"].unique(maintain_order=True).to_list()
        if len(directions) == 1:
            raise UnknownCommodityError(unknown[label_col].to_list(), _COMMODITY_SOURCE, directions[0])
        listed = [
            f"{label} ({direction})"
            for label, direction in unknown.select(label_col, "direction").iter_rows()
        ]
        raise UnknownCommodityError(listed, _COMMODITY_SOURCE, " and ".join(directions))
    return lf.join(candidates.lazy(), on=[label_col, "direction"], how="left", maintain_order="left")


def _major_commodity_editions(stg: pl.LazyFrame, commodities: pl.LazyFrame) -> pl.LazyFrame:
    """Editions of tables (5)/(6): the table's own period, and the prior-year January-to-month column
    as a row of that earlier period (`is_restatement`: a later vintage of its cumulative figures).

    A row whose quantity unit is still pending (a shifted page whose other edition never came) is left
    out: a quantity without its unit is never published.
    """
    names = stg.collect_schema().names()
    restated = pl.col("is_restatement") if "is_restatement" in names else pl.lit(False)
    pending = pl.col("quantity_unit_pending") if "quantity_unit_pending" in names else pl.lit(False)
    cells = stg.filter(pl.col("table_id").is_in(list(_MAJOR_TABLE_DIRECTIONS)) & ~pending).with_columns(
        # The table says the direction; the cells' own direction column is not relied on.
        direction=pl.col("table_id").replace_strict(_MAJOR_TABLE_DIRECTIONS, return_dtype=pl.String),
        is_restatement=restated,
        period=pl.col("figure_period") if "figure_period" in names else pl.col("period"),
    )
    for column, dtype in (
        ("commodity_code", pl.String),
        ("is_aggregate", pl.Boolean),
        ("quantity_base_unit", pl.String),
        ("quantity_in_base_unit", pl.Float64),
    ):
        if column not in names:
            cells = cells.with_columns(pl.lit(None, dtype=dtype).alias(column))
    # The parser's code (reference/commodity_aliases.csv, valid by period) is the commodity; a row staged
    # before the parser gave one is matched on its label.
    coded = cells.filter(pl.col("commodity_code").is_not_null())
    uncoded = attach_commodity_codes(
        cells.filter(pl.col("commodity_code").is_null()).drop("commodity_code"), commodities
    )
    cells = pl.concat([coded, uncoded.select(coded.collect_schema().names())], how="vertical")
    # Quantity and value y/y are both `yoy_pct` cells; the value's stands to the right of the quantity's.
    is_yoy = pl.col("measure") == "yoy_pct"
    value_yoy = (
        pl.col("figure_as_published").filter(is_yoy).sort_by(pl.col("column_number").filter(is_yoy)).last()
    )
    wide = cells.group_by(
        "release_id",
        "published_on",
        "currency",
        "period",
        "is_restatement",
        "direction",
        "commodity_code",
        "label",
    ).agg(
        is_aggregate=pl.col("is_aggregate").fill_null(False).any(),
        quantity_unit=pl.col("quantity_unit").drop_nulls().first(),
        quantity_base_unit=pl.col("quantity_base_unit").drop_nulls().first(),
        _quantity_month=_pick("quantity", "month", "figure_as_published"),
        quantity_ytd=_pick("quantity", "ytd", "figure_as_published"),
        _quantity_base_month=_pick("quantity", "month", "quantity_in_base_unit"),
        quantity_ytd_base=_pick("quantity", "ytd", "quantity_in_base_unit"),
        _value_month=_pick("value", "month", "amount_whole_units"),
        value_ytd=_pick("value", "ytd", "amount_whole_units"),
        yoy_ytd_pct_published=value_yoy,
    )
    return wide.select(
        "release_id",
        "published_on",
        "currency",
        pl.lit("preliminary").alias("product"),
        "period",
        "is_restatement",
        "direction",
        "commodity_code",
        pl.lit(WORLD_CODE).alias("partner_code"),
        pl.col("label").alias("commodity_name"),
        "is_aggregate",
        "quantity_unit",
        "quantity_base_unit",
        _period_figure("_quantity_month", "quantity_ytd").alias("quantity"),
        "quantity_ytd",
        _period_figure("_quantity_base_month", "quantity_ytd_base").alias("quantity_base"),
        "quantity_ytd_base",
        _period_figure("_value_month", "value_ytd").alias("value"),
        "value_ytd",
        "yoy_ytd_pct_published",
    )


def _online_query_editions(online_query: pl.LazyFrame, partners: pl.LazyFrame) -> pl.LazyFrame:
    """Online-query records as editions: single months, one currency per file, no cumulative figures."""
    names = online_query.collect_schema().names()
    has_published_on = "published_on" in names
    # The I/O edge may attach when each export was retrieved: it orders overlapping exports.
    retrieved_at = pl.col("retrieved_at") if "retrieved_at" in names else pl.lit(None)
    records = attach_partner_codes_from_gacc(online_query, partners, source="online query export")
    return records.select(
        "release_id",
        (pl.col("published_on") if has_published_on else pl.lit(None, dtype=pl.Date)).alias("published_on"),
        retrieved_at.cast(pl.Datetime("us", "UTC")).alias("retrieved_at"),
        "currency",
        pl.lit("online_query").alias("product"),
        "period",
        "direction",
        pl.col("hs_code").alias("commodity_code"),
        "partner_code",
        "commodity_name",
        pl.lit(False).alias("is_restatement"),
        pl.lit(False).alias("is_aggregate"),
        pl.col("quantity_1_unit").alias("quantity_unit"),
        # The export's own units (kilograms, ...) are not yet in reference/quantity_units.csv.
        pl.lit(None, dtype=pl.String).alias("quantity_base_unit"),
        pl.col("quantity_1").alias("quantity"),
        pl.lit(None, dtype=pl.Float64).alias("quantity_ytd"),
        pl.lit(None, dtype=pl.Float64).alias("quantity_base"),
        pl.lit(None, dtype=pl.Float64).alias("quantity_ytd_base"),
        pl.col("amount_whole_units").alias("value"),
        pl.lit(None, dtype=pl.Int64).alias("value_ytd"),
        pl.lit(None, dtype=pl.Float64).alias("yoy_ytd_pct_published"),
    )


def build_fact_trade_flows(
    stg: pl.LazyFrame,
    online_query: pl.LazyFrame,
    commodities: pl.LazyFrame,
    partners: pl.LazyFrame,
) -> pl.LazyFrame:
    """FACT_TRADE_FLOWS from tables (5)/(6) (World, `commodities` codes) and online-query records.

    Tables (5)/(6): direction from the table (export/import), commodity_code from the label, partner WLD,
    quantity/value of the period (Jan-Feb: the cumulative) and cumulative, both editions joined as in
    FACT_PARTNER_TRADE. Online query (STG_ONLINE_QUERY): commodity_code = the HS8 code, partner from the
    GACC code (unknown: UnknownPartnerError), the value in the file's currency and the other null unless an
    export in the other currency gives it, quantity = the first quantity, no cumulative figures.
    """
    return _build_fact_trade_flows(stg, online_query, commodities, partners, single_editions=True)


# Measures that are the same in both editions: the USD edition's is taken where both exist.
_SHARED_FLOW_MEASURES = (
    "commodity_name",
    "quantity_unit",
    "quantity_base_unit",
    "quantity",
    "quantity_ytd",
    "quantity_base",
    "quantity_ytd_base",
)
# Every measure an edition gives: the shared ones, and those of its own currency (and is_aggregate).
_FLOW_MEASURES = (*_SHARED_FLOW_MEASURES, "is_aggregate", "value", "value_ytd", "yoy_ytd_pct_published")


def _build_fact_trade_flows(
    stg: pl.LazyFrame,
    online_query: pl.LazyFrame,
    commodities: pl.LazyFrame,
    partners: pl.LazyFrame,
    *,
    single_editions: bool,
) -> pl.LazyFrame:
    """`single_editions`: the online-query records of a month and direction that one export alone gives
    (the usual: one export per month, direction and currency) are taken as rows as they are, without the
    pairing of editions and the ranking over every grain, which give those same rows but cost joins and
    windows per record. False: every figure goes the general way (the tests compare the two)."""
    online = _online_query_editions(online_query, partners)
    major = _major_commodity_editions(stg, commodities)
    blocks: list[_SingleExport] = []
    if single_editions:
        online, blocks = _single_exports(online.collect(), major)
    keys = ["product", *_FLOW_KEYS]
    editions = pl.concat([major, online], how="diagonal")
    # The product is part of the pairing key: editions of different products are never joined.
    paired = _pair_editions(editions, keys, _FLOW_MEASURES)
    # A release either prints a period as its own or restates it, never both.
    restatements = editions.select(*keys, "release_id", "is_restatement").unique([*keys, "release_id"])
    flows = (
        _with_period(paired)
        .join(restatements, on=[*keys, "release_id"], how="left")
        .with_columns(
            *(pl.coalesce(f"{m}_usd", f"{m}_cny").alias(m) for m in _SHARED_FLOW_MEASURES),
            is_aggregate=pl.coalesce("is_aggregate_usd", "is_aggregate_cny", pl.lit(False)),
            is_restatement=pl.col("is_restatement").fill_null(False),
        )
        .with_columns(vintage_source(restated=pl.col("is_restatement")), public_on())
    )
    if not blocks:
        return _ranked(flows).select(FACT_TRADE_FLOWS.column_names).sort(*_FLOW_ORDER)
    general = flows.collect()
    # One row per export stands for all of its records in the ranking of the period's vintages: the
    # rank is dense, so every record of the export gets its row's number.
    marked = pl.concat(
        [
            general.with_columns(_export=pl.lit(None, dtype=pl.Int64)),
            *(b.ranked_row(i) for i, b in enumerate(blocks)),
        ],
        how="diagonal_relaxed",
    )
    is_export = pl.col("_export").is_not_null()
    ranked = _ranked(marked.lazy(), eligible=_GIVES_PERIOD_VALUE | is_export).collect()
    ranks = dict(ranked.filter(is_export).select("_export", "vintage_precedence").iter_rows())
    others = ranked.filter(~is_export)
    schema = others.schema
    frames = [others.select(FACT_TRADE_FLOWS.column_names)]
    frames += [block.rows(ranks[i], schema) for i, block in enumerate(blocks)]
    return sort_by_ranks(pl.concat(frames, how="vertical"), _FLOW_ORDER).lazy()


_FLOW_ORDER = ("period", "direction", "commodity_code", "partner_code", "release_id")
_GIVES_PERIOD_VALUE = pl.col("value_usd").is_not_null() | pl.col("value_cny").is_not_null()


def _ranked(flows: pl.LazyFrame, eligible: pl.Expr = _GIVES_PERIOD_VALUE) -> pl.LazyFrame:
    """`vintage_precedence` and `is_latest_vintage` of every row."""
    return (
        # A restatement of a month's cumulative alone does not give the month: it never displaces the
        # vintage that does (so the BI view shows each period once, with its own value).
        # Ranked within the period: the table is built one period at a time (flows.partitions).
        flows.pipe(with_vintage_precedence, eligible=eligible, within=["period"]).with_columns(
            is_latest_vintage=vintage_is_latest(_FLOW_KEYS)
        )
    )


# What the records of one export share: a month and direction whose records all share them come from
# one export alone.
_EXPORT_COLUMNS = ("release_id", "currency", "published_on", "retrieved_at", "is_restatement")


def _single_exports(online: pl.DataFrame, major: pl.LazyFrame) -> tuple[pl.LazyFrame, list[_SingleExport]]:
    """The online-query editions split: each month and direction that one export alone gives, and the
    rest (for the general way). A record is then its figure's only edition: an export holds each grain
    once (the staging key), and a table (5)/(6) row shares a grain with none unless its partner is one
    of the records' (they are the World's)."""
    if online.is_empty():
        return online.lazy(), []
    block = ["period", "direction"]
    partners = online.get_column("partner_code").unique()
    with_major = (
        major.filter(pl.col("partner_code").is_in(partners.implode())).select(block).unique().collect()
    )
    spans = (
        online.with_row_index("_row")
        .group_by(block)
        .agg(
            pl.struct(_EXPORT_COLUMNS).n_unique().alias("exports"),
            pl.col("currency").first(),
            pl.col("_row").min().alias("first"),
            pl.col("_row").max().alias("last"),
            pl.len().alias("rows"),
        )
        .sort("first")
    )
    single = (
        spans.filter((pl.col("exports") == 1) & pl.col("currency").is_in(list(CURRENCIES)))
        .join(with_major, on=block, how="anti")
        .select(block)
    )
    if single.is_empty():
        return online.lazy(), []
    wanted = set(single.iter_rows())
    if (spans["last"] - spans["first"] + 1 == spans["rows"]).all():
        # Each month and direction a run of rows (staged files are read one after another): sliced,
        # not copied.
        parts = {
            (period, direction): online.slice(first, rows)
            for period, direction, first, rows in spans.select(*block, "first", "rows").iter_rows()
        }
    else:
        parts = online.partition_by(block, as_dict=True, maintain_order=True)
    blocks: list[_SingleExport] = []
    rest: list[pl.DataFrame] = []
    for key, records in parts.items():
        if key in wanted:
            blocks.append(_SingleExport(records))
        else:
            rest.append(records)
    return (pl.concat(rest) if rest else online.clear()).lazy(), blocks


@dataclass(frozen=True)
class _SingleExport:
    """The online-query records of one month and direction, all from one export: each is its figure's
    only edition, so its row is the record as it is, its currency's measures on its side."""

    records: pl.DataFrame  # online-query editions (`_online_query_editions`)

    def _first(self) -> pl.LazyFrame:
        """Its first record made a row the general way: what every record shares is read from it."""
        return (
            _with_period(self.records.head(1).lazy())
            .with_columns(is_restatement=pl.col("is_restatement").fill_null(False))
            .with_columns(vintage_source(restated=pl.col("is_restatement")), public_on())
        )

    def ranked_row(self, index: int) -> pl.DataFrame:
        """What the ranking of vintages reads, marked `_export` = index."""
        return (
            self._first()
            .select("period", "vintage_source", "public_on", "retrieved_at", "release_id")
            .with_columns(_export=pl.lit(index, dtype=pl.Int64))
            .collect()
        )

    def rows(self, precedence: int, schema: pl.Schema) -> pl.DataFrame:
        """Its rows of the fact, typed as `schema` (the general way's)."""
        shared = self._first().collect().row(0, named=True)
        suffix = str(shared["currency"]).lower()
        own = {f"{m}_{suffix}": m for m in _FLOW_MEASURES if m not in _SHARED_FLOW_MEASURES}
        own |= {m: m for m in (*_SHARED_FLOW_MEASURES, "commodity_code", "partner_code")}
        columns: list[pl.Expr] = []
        for name in FACT_TRADE_FLOWS.column_names:
            dtype = schema[name]
            if name in ("vintage_precedence", "is_latest_vintage"):
                continue
            if name in own:
                columns.append(pl.col(own[name]).cast(dtype).alias(name))
            elif name == "is_aggregate":
                columns.append(pl.col(name).fill_null(False).cast(dtype))
            elif name in shared:
                columns.append(pl.lit(shared[name], dtype=dtype).alias(name))
            else:  # the other currency's measures
                columns.append(pl.lit(None, dtype=dtype).alias(name))
        return (
            self.records.select(columns)
            .with_columns(
                vintage_precedence=pl.when(_GIVES_PERIOD_VALUE).then(
                    pl.lit(precedence, dtype=schema["vintage_precedence"])
                ),
                is_latest_vintage=_GIVES_PERIOD_VALUE,
            )
            .select(FACT_TRADE_FLOWS.column_names)
        )
