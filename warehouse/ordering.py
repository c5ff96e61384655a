"""Sorting a large frame by a few string columns (codes, periods) at the cost of sorting integers."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

_MAX_KEY = 2**63


def sort_by_ranks(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """`frame.sort(columns)`, on one integer: each column's values are ranked among its distinct values
    (a few thousand HS codes, a few hundred partners), and the ranks are combined, most significant first.
    Sorting half a million rows by four strings costs several times as much. A column with nulls, or more
    combinations than the integer holds, sorts by the columns themselves."""
    key: pl.Expr = pl.lit(0, dtype=pl.UInt64)
    combinations = 1
    for name in columns:
        column = frame.get_column(name)
        distinct = column.unique().sort()
        combinations *= max(distinct.len(), 1)
        if column.null_count() or combinations >= _MAX_KEY:
            return frame.sort(columns)
        ranks = pl.int_range(distinct.len(), dtype=pl.UInt64, eager=True)
        key = key * distinct.len() + pl.col(name).replace_strict(distinct, ranks, return_dtype=pl.UInt64)
    return frame.sort(key, maintain_order=True)  # ties (none in a key) keep their order
