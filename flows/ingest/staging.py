"""Staging Parquet: parsed rows exactly as published, one file per release page, partitioned.

Layout: `<staging>/<table>/<key>=<value>/.../<release-slug>-<edition>-<sha12>.parquet`, every file
written atomically. The partition keys are also stored inside the files (read without hive keys).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from flows.ingest.archive import atomic_write_parquet
from flows.ingest.model import PARSER_VERSION, PreliminaryTable
from flows.ingest.parsers.online_query import OnlineQueryTable
from warehouse.contracts import TableContract
from warehouse.tables import STG_ONLINE_QUERY, STG_PRELIMINARY


def release_id_for(product: str, period_key: str, published_on: date | None, fallback: date) -> str:
    """A release is a product's figures for a period as published on one day (a vintage)."""
    return f"{product}:{period_key}:{(published_on or fallback).isoformat()}"


def preliminary_frame(table: PreliminaryTable, *, release_id: str, sha256: str) -> pl.DataFrame:
    rows = [
        {
            "release_id": release_id,
            "product": "preliminary",
            "source_sha256": sha256,
            "parser_version": PARSER_VERSION,
            "table_id": table.table_id,
            "printed_number": table.printed_number,
            "title": table.title,
            "currency": table.currency,
            "unit_label": table.unit_label,
            "scale": table.scale,
            "period": table.period.key,
            "months_covered": table.period.months_covered,
            "published_on": table.published_on,
            "row_number": row.row_number,
            "label": row.label,
            "label_as_published": row.label_as_published,
            "indent_level": row.indent_level,
            "parent_label": row.parent_label,
            "quantity_unit": row.quantity_unit,
            "column_number": cell.column,
            "measure": cell.measure,
            "span": cell.span,
            "direction": cell.direction,
            "figure_as_published": cell.figure_as_published,
            "amount_whole_units": cell.amount_whole_units,
        }
        for row in table.rows
        for cell in row.cells
    ]
    return STG_PRELIMINARY.conform(pl.DataFrame(rows, schema=STG_PRELIMINARY.polars_schema()))


def online_query_frame(table: OnlineQueryTable, *, release_id: str, sha256: str) -> pl.DataFrame:
    frame = table.records.rename({"commodity_name_zh": "commodity_name"}).with_columns(
        pl.lit(release_id).alias("release_id"),
        pl.lit("online_query").alias("product"),
        pl.lit(sha256).alias("source_sha256"),
        pl.lit(PARSER_VERSION).alias("parser_version"),
        pl.lit(table.currency).alias("currency"),
        pl.lit(table.direction).alias("direction"),
    )
    return STG_ONLINE_QUERY.conform(frame)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_")


def write_partitions(
    frame: pl.DataFrame, contract: TableContract, staging_dir: Path, file_stem: str
) -> list[Path]:
    """One file per partition present in `frame`; an existing file of the same name is replaced."""
    written: list[Path] = []
    keys = list(contract.partition_by)
    groups = frame.partition_by(keys, as_dict=True, maintain_order=True) if keys else {(): frame}
    for key_values, part in groups.items():
        folder = staging_dir / contract.name
        for key, value in zip(keys, key_values, strict=True):
            folder = folder / f"{key}={value}"
        path = folder / f"{_slug(file_stem)}.parquet"
        atomic_write_parquet(path, part.sort(contract.primary_key))
        written.append(path)
    return written


def staging_files(contract: TableContract, staging_dir: Path) -> list[Path]:
    return sorted((staging_dir / contract.name).rglob("*.parquet"))


def scan_staging(contract: TableContract, staging_dir: Path) -> pl.LazyFrame:
    """Every staged row of a table (partition keys come from inside the files, not the paths)."""
    files = staging_files(contract, staging_dir)
    if not files:
        return contract.empty_frame().lazy()
    return pl.scan_parquet(files, hive_partitioning=False, schema=contract.polars_schema())
