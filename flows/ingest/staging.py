"""Staging Parquet: parsed rows exactly as published, one file per release page, partitioned.

Layout: `<staging>/<table>/<key>=<value>/.../<release-slug>-<edition>-<sha12>.parquet`, every file
written atomically. The partition keys are also stored inside the files (read without hive keys).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from domain.periods import Period
from fileio.atomic import atomic_write_parquet
from flows.ingest.model import PARSER_VERSION, BulletinTable, PreliminaryTable
from flows.ingest.parsers.online_query import OnlineQueryTable
from warehouse.codes import Product
from warehouse.contracts import ContractError, TableContract
from warehouse.ordering import sort_by_ranks
from warehouse.tables import STG_ONLINE_QUERY, STG_PRELIMINARY


def release_id_for(product: str, period_key: str, published_on: date | None, fallback: date) -> str:
    """A release is a product's figures for a period as published on one day (a vintage)."""
    return f"{product}:{period_key}:{(published_on or fallback).isoformat()}"


def _named_values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _contract_row(contract: TableContract, values: Mapping[str, Any]) -> dict[str, Any]:
    """The contract's columns, in its order, taken by name from `values`: the contract says which
    columns a row has, the parsed objects only supply them; a column none supplies is an error."""
    missing = [c for c in contract.column_names if c not in values]
    if missing:
        raise ContractError(f"{contract.qualified_name}: nothing supplies the columns {missing}")
    return {c: values[c] for c in contract.column_names}


def _file_values(product: Product, release_id: str, sha256: str) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "product": product,
        "source_sha256": sha256,
        "parser_version": PARSER_VERSION,
    }


def preliminary_frame(table: PreliminaryTable, *, release_id: str, sha256: str) -> pl.DataFrame:
    return _table_frame("preliminary", table, release_id=release_id, sha256=sha256)


def bulletin_frame(table: BulletinTable, *, release_id: str, sha256: str) -> pl.DataFrame:
    """A Bulletin page's cells in the preliminary cells' table (product `bulletin`): only what was
    published, read with certainty; a derived January or an unconfirmed assumed unit is refused."""
    if table.is_derived:
        raise ContractError(f"{table.title}: derived figures are not published cells and are never staged")
    if table.unit_assumed and table.unit_confirmed_by is None:
        raise ContractError(
            f"{table.title}: no Unit row and the assumed US$1,000 is not confirmed: not staged"
        )
    return _table_frame("bulletin", table, release_id=release_id, sha256=sha256)


def _table_frame(
    product: Product, table: PreliminaryTable | BulletinTable, *, release_id: str, sha256: str
) -> pl.DataFrame:
    page = (
        _file_values(product, release_id, sha256)
        | _named_values(table)
        | {"period": table.period.key, "months_covered": table.months_covered}
    )
    rows = []
    for row in table.rows:
        labelled = page | _named_values(row)
        for cell in row.cells:
            figure = (
                labelled
                | _named_values(cell)
                | {
                    "column_number": cell.column,
                    "figure_period": (cell.restates or table.period).key,
                    "is_restatement": cell.restates is not None,
                }
            )
            rows.append(_contract_row(STG_PRELIMINARY, figure))
    return STG_PRELIMINARY.conform(pl.DataFrame(rows, schema=STG_PRELIMINARY.polars_schema()))


def staged_china_totals(staging_dir: Path, period: Period) -> tuple[dict[tuple[str, str], int], str] | None:
    """China's USD totals of `period` in the latest staged preliminary table (1) (else the latest staged
    Bulletin customs-regime TOTAL of the month), by flow and span, and a name for them; None if none is
    staged. For February, the January-February release's cumulative."""
    combined = Period.jan_feb(period.year).key if period.last_month == 2 and not period.is_combined else None
    cells = (
        scan_staging(STG_PRELIMINARY, staging_dir)
        .filter(
            (pl.col("product") == "preliminary")
            & (pl.col("table_id") == "totals")
            & (pl.col("currency") == "USD")
            & (pl.col("measure") == "value")
            & pl.col("direction").is_in(["export", "import"])
            & ~pl.col("is_restatement")
            & pl.col("amount_whole_units").is_not_null()
            & (
                (pl.col("period") == period.key)
                | ((pl.col("period") == combined) & (pl.col("span") == "ytd"))
            )
        )
        .collect()
    )
    name = "the preliminary table (1)"
    if cells.is_empty():
        # Else a Bulletin of the month whose unit is printed (or was confirmed): its customs-regime TOTAL.
        cells = (
            scan_staging(STG_PRELIMINARY, staging_dir)
            .filter(
                (pl.col("product") == "bulletin")
                & (pl.col("table_id") == "bulletin_trade_mode")
                & (pl.col("trade_mode_code") == "TOTAL")
                & (pl.col("currency") == "USD")
                & (pl.col("measure") == "value")
                & pl.col("direction").is_in(["export", "import"])
                & pl.col("amount_whole_units").is_not_null()
                & (pl.col("period") == period.key)
            )
            .collect()
        )
        name = "the Bulletin"
    if cells.is_empty():
        return None
    latest = cells.sort("published_on", "release_id", nulls_last=False)["release_id"][-1]
    chosen = cells.filter(pl.col("release_id") == latest)
    totals = {(d, s): a for d, s, a in chosen.select("direction", "span", "amount_whole_units").iter_rows()}
    return totals, f"{name} {latest}"


def online_query_frame(table: OnlineQueryTable, *, release_id: str, sha256: str) -> pl.DataFrame:
    """The parser's columns with the file's values beside them; the contract picks and orders them."""
    query = _file_values("online_query", release_id, sha256) | {
        "currency": table.currency,
        "direction": table.direction,
    }
    frame = table.records.with_columns(pl.lit(value).alias(name) for name, value in query.items())
    return STG_ONLINE_QUERY.conform(frame)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_")


def write_partitions(
    frame: pl.DataFrame, contract: TableContract, staging_dir: Path, file_stem: str
) -> list[Path]:
    """One file per partition present in `frame`; an existing file of the same name is replaced."""
    written: list[Path] = []
    keys = list(contract.partition_by)
    groups: dict[tuple[Any, ...], pl.DataFrame] = {(): frame}
    if keys:
        values = frame.select(keys).unique()
        # One partition (an export of one month, say) is taken as it is: partition_by copies it.
        groups = (
            {values.row(0): frame}
            if values.height == 1
            else frame.partition_by(keys, as_dict=True, maintain_order=True)
        )
    for key_values, part in groups.items():
        folder = staging_dir / contract.name
        for key, value in zip(keys, key_values, strict=True):
            folder = folder / f"{key}={value}"
        path = folder / f"{_slug(file_stem)}.parquet"
        atomic_write_parquet(path, sort_by_ranks(part, contract.primary_key))
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


_DIGEST_IN_NAME = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")


def staged_file_digests(staging_dir: Path) -> set[str]:
    """The first 12 hex digits of the SHA-256 of every raw file with a staging file (both staging
    tables): each staging file's name carries them."""
    return {
        digest
        for contract in (STG_PRELIMINARY, STG_ONLINE_QUERY)
        for path in staging_files(contract, staging_dir)
        for digest in _DIGEST_IN_NAME.findall(path.stem)
    }
