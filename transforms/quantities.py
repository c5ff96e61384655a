"""Quantity units a shifted table (5)/(6) page left out, taken from the other edition of the same month.

GACC has published a table (5) whose body rows leave out the unit cell; the parser realigns such a page
and stages its quantity rows with `quantity_unit_pending`. Quantities do not depend on the currency, so
the other currency edition of the same table and month gives the units, provided it prints the very same
quantities for every pending row (else the realignment is not confirmed and nothing is filled). A row
still pending after this never reaches the facts (`transforms.facts` leaves it out).
"""

from __future__ import annotations

import polars as pl

__all__ = ["fill_pending_quantity_units"]

_MAJOR_TABLES = ("major_exports", "major_imports")
_PAGE = ["source_sha256", "table_id", "period", "currency"]
_FIGURE = ["commodity_code", "span", "figure_period"]


def fill_pending_quantity_units(stg: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """Fill pending quantity units from the other edition; returns the cells and one row per pending page.

    The outcome frame: source_sha256, table_id, period, currency, `filled_from` (the sha256 of the page
    whose units were taken, null where no other edition confirms the quantities).

    | page          | row        | quantity | unit        | pending | → unit        | base quantity |
    |---------------|------------|----------|-------------|---------|---------------|---------------|
    | USD (shifted) | Steel      | 850.2    | null        | true    | 10,000 Tons   | 8,502,000     |
    | CNY           | Steel      | 850.2    | 10,000 Tons | false   |               |               |
    """
    major = pl.col("table_id").is_in(list(_MAJOR_TABLES))
    pending = pl.col("quantity_unit_pending")
    pending_pages = stg.filter(major & pending).select(_PAGE).unique().collect()
    if pending_pages.is_empty():
        return stg, pending_pages.with_columns(filled_from=pl.lit(None, dtype=pl.String))

    quantities = stg.filter(major & (pl.col("measure") == "quantity")).select(
        *_PAGE,
        "published_on",
        "release_id",
        *_FIGURE,
        "quantity_unit_pending",
        "figure_as_published",
        "quantity_unit",
        "quantity_base_unit",
        "quantity_in_base_unit",
    )
    ours = quantities.filter(pending).select("source_sha256", *_FIGURE, "figure_as_published")
    theirs = quantities.filter(~pending).select(
        pl.col("source_sha256").alias("filled_from"),
        *_FIGURE,
        pl.col("figure_as_published").alias("_their_figure"),
        "quantity_unit",
        "quantity_base_unit",
        "quantity_in_base_unit",
    )
    candidates = (
        pending_pages.lazy()
        .join(
            quantities.filter(~pending)
            .select(
                pl.col("source_sha256").alias("filled_from"),
                "table_id",
                "period",
                pl.col("currency").alias("_their_currency"),
                "published_on",
                "release_id",
            )
            .unique(),
            on=["table_id", "period"],
        )
        .filter(pl.col("_their_currency") != pl.col("currency"))
    )
    # A candidate confirms a page where every pending quantity is printed the same there, with a unit.
    compared = (
        candidates.select("source_sha256", "filled_from")
        .join(ours, on="source_sha256")
        .join(theirs, on=["filled_from", *_FIGURE], how="left")
        .with_columns(
            _agrees=pl.col("quantity_unit").is_not_null()
            & (
                (pl.col("figure_as_published") == pl.col("_their_figure"))
                | (pl.col("figure_as_published").is_null() & pl.col("_their_figure").is_null())
            ).fill_null(False)
        )
        .group_by("source_sha256", "filled_from")
        .agg(pl.col("_agrees").all())
        .filter(pl.col("_agrees"))
    )
    chosen = (
        candidates.join(compared, on=["source_sha256", "filled_from"], how="semi")
        .sort("published_on", "release_id", nulls_last=False)
        .group_by("source_sha256", maintain_order=True)
        .last()
        .select("source_sha256", "filled_from")
    )
    outcome = pending_pages.join(chosen.collect(), on="source_sha256", how="left").sort(_PAGE)

    row_units = theirs.group_by("filled_from", "commodity_code").agg(
        pl.col("quantity_unit").drop_nulls().first().alias("_unit"),
        pl.col("quantity_base_unit").drop_nulls().first().alias("_base_unit"),
    )
    cell_base = theirs.select("filled_from", *_FIGURE, pl.col("quantity_in_base_unit").alias("_base"))
    filled = (
        stg.join(chosen, on="source_sha256", how="left")
        .join(row_units, on=["filled_from", "commodity_code"], how="left")
        .join(cell_base, on=["filled_from", *_FIGURE], how="left")
        .with_columns(_fill=pending & pl.col("filled_from").is_not_null())
        .with_columns(
            quantity_unit=pl.when("_fill").then("_unit").otherwise("quantity_unit"),
            quantity_base_unit=pl.when("_fill").then("_base_unit").otherwise("quantity_base_unit"),
            quantity_in_base_unit=pl.when(pl.col("_fill") & (pl.col("measure") == "quantity"))
            .then("_base")
            .otherwise("quantity_in_base_unit"),
            quantity_unit_pending=pending & ~pl.col("_fill"),
        )
        .drop("filled_from", "_unit", "_base_unit", "_base", "_fill")
    )
    return filled, outcome
