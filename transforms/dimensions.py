"""Dimensions from the reviewed reference data (and, for HS8 codes, from the online-query records).

DIM_PERIOD is built by `transforms.periods.build_dim_period`; it is re-exported here so that every
dimension builder can be found in one place.
"""

from __future__ import annotations

import polars as pl

from transforms.partners import partners_with_world
from transforms.periods import build_dim_period
from warehouse.codes import CommodityCodeKind
from warehouse.tables import BRIDGE_PARTNER_GROUP, DIM_COMMODITY, DIM_PARTNER

_GACC_LABEL: CommodityCodeKind = "gacc_label"
_HS8: CommodityCodeKind = "hs8"
_HS2: CommodityCodeKind = "hs2"

__all__ = ["build_bridge_partner_group", "build_dim_commodity", "build_dim_partner", "build_dim_period"]


def build_dim_partner(partners: pl.LazyFrame) -> pl.LazyFrame:
    """DIM_PARTNER: the reference partners, with the World (WLD) added if the reference lacks it."""
    return partners_with_world(partners).select(DIM_PARTNER.column_names).sort("partner_code")


def build_bridge_partner_group(groups: pl.LazyFrame) -> pl.LazyFrame:
    """BRIDGE_PARTNER_GROUP: the reference memberships, valid_from/valid_to as 'YYYY-MM' (to null = open)."""
    columns = BRIDGE_PARTNER_GROUP.column_names  # the reference's `note` column stays in the CSV
    return groups.select(pl.col(c).cast(pl.String) for c in columns).sort(
        "group_code", "member_code", "valid_from"
    )


def build_dim_commodity(
    commodities: pl.LazyFrame,
    online_query: pl.LazyFrame,
    hs_names: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """DIM_COMMODITY: one row per commodity_code.

    - Codes of the major-commodity tables (5)/(6) from the reference `commodities` (label, commodity_code,
      direction, hs_heading): name = the first label listed for the code (later rows are label variants);
      hs_heading/hs_chapter = the 4/2-digit code the reference's HS code(s) share, null where they span
      several (or none is given).
    - HS8 codes of the online query: name = the name of the latest record (by period, then release),
      direction null (an HS8 code is traded both ways), heading and chapter = its first 4 and 2 digits.
    A code in both keeps the reference row.

    commodity_code_kind says which: 'gacc_label' for the reference's codes, 'hs8' (or 'hs2') for HS codes.
    English and Chinese names stand in columns of their own: the reference's label is GACC's English; an
    HS code's English name is its heading's, else its chapter's, from `hs_names` (hs_code, description:
    the reference HS chapters and headings; none given, no English name); its Chinese name is the record's.
    """
    # The reference's hs_heading is one HS code of 2, 4 or 6 digits, or several joined by ';' ("2805;2846"),
    # or empty for GACC's own aggregates. The dimension keeps a heading only where the codes fall in one
    # heading, and a chapter only where they fall in one chapter.
    parts = pl.col("hs_heading").cast(pl.String).str.split(";").list.eval(pl.element().str.strip_chars())
    chapters = parts.list.eval(pl.element().str.slice(0, 2)).list.unique()
    headings = parts.list.eval(
        pl.when(pl.element().str.len_chars() >= 4).then(pl.element().str.slice(0, 4))
    ).list.unique()
    single_heading = (headings.list.len() == 1) & headings.list.first().is_not_null()
    major = commodities.select(
        pl.col("commodity_code").cast(pl.String),
        pl.col("label").cast(pl.String).alias("commodity_name"),
        pl.col("direction").cast(pl.String).str.strip_chars().str.to_lowercase().str.strip_suffix("s"),
        pl.when(single_heading).then(headings.list.first()).alias("hs_heading"),
        pl.when(chapters.list.len() == 1).then(chapters.list.first()).alias("hs_chapter"),
    ).unique("commodity_code", keep="first", maintain_order=True)
    major = major.with_columns(
        pl.lit(_GACC_LABEL).alias("commodity_code_kind"),
        pl.col("commodity_name").alias("commodity_name_en"),
        pl.lit(None, dtype=pl.String).alias("commodity_name_zh"),
    )
    hs8 = (
        online_query.select("hs_code", "commodity_name", "period", "release_id")
        .sort("period", "release_id")
        .unique("hs_code", keep="last", maintain_order=True)
        .select(
            pl.col("hs_code").alias("commodity_code"),
            pl.col("commodity_name").cast(pl.String),
            pl.lit(None, dtype=pl.String).alias("direction"),
            pl.col("hs_code").str.slice(0, 4).alias("hs_heading"),
            pl.col("hs_code").str.slice(0, 2).alias("hs_chapter"),
            pl.when(pl.col("hs_code").str.len_chars() == 2)
            .then(pl.lit(_HS2))
            .otherwise(pl.lit(_HS8))
            .alias("commodity_code_kind"),
            pl.col("commodity_name").cast(pl.String).alias("commodity_name_zh"),
        )
        .join(major.select("commodity_code"), on="commodity_code", how="anti")
    )
    names = (
        pl.LazyFrame(schema={"hs_code": pl.String, "description": pl.String})
        if hs_names is None
        else hs_names.select(pl.col("hs_code").cast(pl.String), pl.col("description").cast(pl.String))
    )
    hs8 = (
        hs8.join(
            names.rename({"hs_code": "hs_heading", "description": "_heading_name"}),
            on="hs_heading",
            how="left",
        )
        .join(
            names.rename({"hs_code": "hs_chapter", "description": "_chapter_name"}),
            on="hs_chapter",
            how="left",
        )
        .with_columns(commodity_name_en=pl.coalesce("_heading_name", "_chapter_name"))
        .with_columns(
            # An HS2 code's "heading" is its chapter: no heading to name.
            pl.when(pl.col("commodity_code_kind") == _HS2)
            .then(None)
            .otherwise(pl.col("hs_heading"))
            .alias("hs_heading")
        )
    )
    return (
        pl.concat([major.select(DIM_COMMODITY.column_names), hs8.select(DIM_COMMODITY.column_names)])
        .select(DIM_COMMODITY.column_names)
        .sort("commodity_code")
    )
