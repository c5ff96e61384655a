"""Incremental publish vs a build from scratch: wall time and file size, and whether deletes grow the file.

    PYTHONPATH=. .venv/bin/python bench/bench_publish_incremental.py [--months 36] [--rows 200000] [--applies 6]

Writes `--months` Parquet partitions of `core.fact_trade_flows` (`--rows` synthetic rows each, written by
DuckDB), publishes them from scratch, then applies `--applies` monthly runs, each adding a new month and
restating the previous one (two periods written), as a monthly run does, each with its `bi/` export.
Prints, per publish: wall seconds, file size, DuckDB's free blocks, and the time of the warehouse's SHA-256 (part of every publish);
then a build from scratch of the final partitions, for the size and time the increments are compared to.
Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.unit.warehouse.test_publish import sample_tables  # noqa: E402
from warehouse.partitions import PartitionedTable, PeriodPartition  # noqa: E402
from warehouse.publish import _file_sha256, publish_warehouse  # noqa: E402
from warehouse.tables import DIM_PERIOD, FACT_TRADE_FLOWS  # noqa: E402


def _month(index: int) -> tuple[str, dt.date]:
    year, month = 2016 + index // 12, index % 12 + 1
    return f"{year:04d}-{month:02d}", dt.date(year, month, 1)


def _write_partition(folder: Path, index: int, rows: int, restated: int) -> PeriodPartition:
    period, start = _month(index)
    path = folder / f"{period}-r{restated}.parquet"
    columns = []
    generated = {
        "release_id": f"'online_query:{period}:r{restated}'",
        "product": "'online_query'",
        "published_on": f"DATE '{start}' + INTERVAL 40 DAY",
        "period": f"'{period}'",
        "period_start": f"DATE '{start}'",
        "months_covered": "1",
        "direction": "CASE WHEN i % 2 = 0 THEN 'export' ELSE 'import' END",
        "commodity_code": "lpad(CAST(10000000 + (i // 80) * 137 % 89999999 AS VARCHAR), 8, '0')",
        "commodity_name": "'synthetic commodity'",
        "partner_code": "'P' || CAST((i // 2) % 40 AS VARCHAR)",
        "is_aggregate": "false",
        "quantity_unit": "'kg'",
        "quantity": "CAST(hash(i, 1) % 100000 AS DOUBLE)",
        "value_usd": f"CAST(hash(i, {restated}) % 10000000 AS BIGINT)",
        "value_cny": f"CAST(hash(i, {restated}) % 70000000 AS BIGINT)",
        "is_restatement": "false",
        "is_latest_vintage": "true",
        "vintage_source": "'online_query'",
    }
    for f in FACT_TRADE_FLOWS.fields:
        columns.append(f"CAST({generated.get(f.name, 'NULL')} AS {f.dtype.duckdb}) AS {f.name}")
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT {', '.join(columns)} FROM range({rows}) AS t(i)) TO '{path}' (FORMAT parquet)"
        )
    fingerprint = hashlib.sha256(f"{period}:{rows}:{restated}".encode()).hexdigest()
    return PeriodPartition(period, fingerprint, path, rows, f"run-r{restated}", dt.datetime.now(dt.UTC))


def _tables(months: int) -> dict[object, pl.DataFrame]:
    tables = sample_tables(0)
    del tables[FACT_TRADE_FLOWS]
    rows = []
    for index in range(months):
        period, start = _month(index)
        rows.append(
            {"period": period, "period_start": start, "year": start.year, "first_month": start.month}
            | {"last_month": start.month, "months_covered": 1, "is_combined": False, "period_kind": "month"}
        )
    tables[DIM_PERIOD] = pl.DataFrame(rows, schema=DIM_PERIOD.polars_schema())
    return tables  # type: ignore[return-value]


def _free_blocks(path: Path) -> tuple[int, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT free_blocks, total_blocks FROM pragma_database_size()").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _report(label: str, seconds: float, path: Path) -> None:
    free, total = _free_blocks(path)
    started = time.perf_counter()
    _file_sha256(path)
    sha_seconds = time.perf_counter() - started
    print(
        f"{label:<34} {seconds:7.2f} s  {path.stat().st_size / 2**20:9.1f} MiB  "
        f"free {free:6d}/{total:6d} blocks  sha256 {sha_seconds:5.2f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--applies", type=int, default=6)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        root = Path(tmp)
        parts = root / "parts"
        parts.mkdir()
        partitions = {
            p.period: p for p in (_write_partition(parts, i, args.rows, 0) for i in range(args.months))
        }
        total_months = args.months + args.applies
        tables = _tables(total_months)
        target = root / "warehouse.duckdb"
        print(f"{args.months} months x {args.rows} rows, then {args.applies} monthly applies", flush=True)

        started = time.perf_counter()
        result = publish_warehouse(
            target,
            tables,
            partitioned=[PartitionedTable(FACT_TRADE_FLOWS, partitions)],
            parquet_dir=root / "bi",
        )
        _report("from scratch", time.perf_counter() - started, target)

        for step in range(args.applies):
            new_index = args.months + step
            restated = _write_partition(parts, new_index - 1, args.rows, step + 1)
            added = _write_partition(parts, new_index, args.rows, 0)
            partitions = partitions | {restated.period: restated, added.period: added}
            started = time.perf_counter()
            result = publish_warehouse(
                target,
                tables,
                partitioned=[PartitionedTable(FACT_TRADE_FLOWS, partitions)],
                parquet_dir=root / "bi",
            )
            written = result.written_periods[FACT_TRADE_FLOWS.qualified_name]
            exported = sum(1 for p in result.parquet_files if p.suffix == ".parquet")
            label = f"apply {step + 1} ({len(written)} periods, {exported} bi files)"
            if not result.incremental:
                label += " REBUILT"
            _report(label, time.perf_counter() - started, target)

        scratch = root / "scratch.duckdb"
        started = time.perf_counter()
        publish_warehouse(
            scratch,
            tables,
            partitioned=[PartitionedTable(FACT_TRADE_FLOWS, partitions)],
            parquet_dir=root / "bi-scratch",
            rebuild=True,
        )
        _report("same partitions from scratch", time.perf_counter() - started, scratch)


if __name__ == "__main__":
    main()
