"""The vintages of a figure: where each comes from, when it became public, and which one is the latest.

The facts keep every vintage (release) of every figure. Which one a view shows is decided here, once,
by the precedence rule declared in `warehouse.codes` (VINTAGE_PRECEDENCE_RULE, also the text of the
data dictionary): the Monthly Bulletin over the preliminary release and online-query exports, then the
later over the earlier. The rule is stored as a number per row (`vintage_precedence`, higher wins) so
that SQL (the as-of macros of the warehouse) applies exactly the same choice over any subset of the
vintages, e.g. those public on or before a date, without restating the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from warehouse.codes import VINTAGE_SOURCE_RANK

__all__ = ["public_on", "vintage_is_latest", "vintage_source", "with_vintage_precedence"]


def vintage_source(*, restated: pl.Expr | None = None) -> pl.Expr:
    """The row's `vintage_source`: its product, or `preliminary_restated` for a later page's reprint."""
    source = pl.col("product")
    if restated is not None:
        source = pl.when(restated).then(pl.lit("preliminary_restated")).otherwise(source)
    return source.alias("vintage_source")


def public_on() -> pl.Expr:
    """The date a vintage became public: its publication date, else the (UTC) date it was retrieved."""
    return pl.coalesce(pl.col("published_on"), pl.col("retrieved_at").dt.date()).alias("public_on")


def with_vintage_precedence(
    lf: pl.LazyFrame, *, eligible: pl.Expr | None = None, within: Sequence[str] = ()
) -> pl.LazyFrame:
    """Add `vintage_precedence`: each row's rank under the precedence rule, across the whole frame or,
    with `within`, among the rows of the same `within` values.

    Ranking `within` a column the figure's grain contains (the period) keeps the order of every figure's
    vintages, which is all a view or an as-of macro compares, while making a row's number depend on its
    own period only: a table built one period at a time gets the same numbers as one built whole.
    Needs vintage_source, public_on and release_id (retrieved_at where known). A row where `eligible` is
    false (it cannot give the figure a view shows) gets null and so never wins."""
    names = lf.collect_schema().names()
    retrieved = pl.col("retrieved_at") if "retrieved_at" in names else pl.lit(None, dtype=pl.Datetime("us"))
    source_rank = pl.col("vintage_source").replace_strict(VINTAGE_SOURCE_RANK, return_dtype=pl.Int64)
    # Fixed-width parts, so the string orders as the tuple (rank, public_on, retrieved_at, release_id).
    order = pl.concat_str(
        source_rank.cast(pl.String).str.zfill(3),
        pl.lit("|"),
        pl.col("public_on").cast(pl.String).fill_null(""),
        pl.lit("|"),
        retrieved.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f").fill_null(""),
        pl.lit("|"),
        pl.col("release_id"),
    )
    ranked = order.rank("dense")
    if within:
        ranked = ranked.over(list(within))
    ranked = ranked.cast(pl.Int64)
    if eligible is not None:
        ranked = pl.when(eligible).then(ranked)
    return lf.with_columns(vintage_precedence=ranked)


def vintage_is_latest(keys: Sequence[str]) -> pl.Expr:
    """True on the row of its figure (`keys`) that the precedence rule picks; false on every other."""
    precedence = pl.col("vintage_precedence")
    return (precedence == precedence.max().over(list(keys))).fill_null(False)
