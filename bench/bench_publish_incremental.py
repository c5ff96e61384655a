"""The publish of `core.fact_trade_flows` at scale: a backfill, one new month on top of N months, and the
same month into an empty warehouse; then, optionally, repeated monthly applies (does the file grow?).

    PYTHONPATH=. .venv/bin/python bench/bench_publish_incremental.py [--history 12 120] [--rows 550000]
        [--applies 0] [--keep DIR]

Writes `max(--history) + 1` synthetic Parquet partitions of `core.fact_trade_flows` (`--rows` rows each,
about one month of the online-query HS8 x partner detail, written by DuckDB; `dim_commodity` holds every
code, so `bi.commodity_trade` has every row), then for each N of `--history`:
- `backfill N`: the N months published into an empty warehouse (with `bi/`), as a backfill does;
- `heal on N`: `heal_published`, what every run does at its start;
- `next month on N`: month N+1 published on top of them (incremental), as a monthly run does;
and once `next month into empty`: month N+1 alone into an empty warehouse, the figure the incremental
publish is held to (issue 11: within 2x). `--applies K` then adds K monthly publishes on top of the
largest history, each restating the previous month (two periods written), and prints the file's size
and free blocks after each (deleted periods leave free blocks; a copy with too many is compacted).

Each measurement runs in a fresh child process: wall, CPU (user + system, DuckDB's threads included) and
peak RSS are that publish's alone. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.unit.warehouse.test_publish import sample_tables  # noqa: E402
from warehouse.partitions import PartitionedTable, PeriodPartition  # noqa: E402
from warehouse.publish import heal_published, publish_warehouse  # noqa: E402
from warehouse.tables import DIM_COMMODITY, DIM_PERIOD, FACT_TRADE_FLOWS  # noqa: E402

_ROWS_PER_CODE = 80  # 40 partners x 2 directions


def _month(index: int) -> tuple[str, dt.date]:
    year, month = 2016 + index // 12, index % 12 + 1
    return f"{year:04d}-{month:02d}", dt.date(year, month, 1)


def _code_sql(index: str) -> str:
    return f"lpad(CAST(10000000 + ({index}) * 137 % 89999999 AS VARCHAR), 8, '0')"


def _write_partition(folder: Path, index: int, rows: int, restated: int) -> dict[str, Any]:
    period, start = _month(index)
    path = folder / f"{period}-r{restated}.parquet"
    generated = {
        "release_id": f"'online_query:{period}:r{restated}'",
        "product": "'online_query'",
        "published_on": f"DATE '{start}' + INTERVAL 40 DAY",
        "period": f"'{period}'",
        "period_start": f"DATE '{start}'",
        "months_covered": "1",
        "direction": "CASE WHEN i % 2 = 0 THEN 'export' ELSE 'import' END",
        "commodity_code": _code_sql(f"i // {_ROWS_PER_CODE}"),
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
    columns = [
        f"CAST({generated.get(f.name, 'NULL')} AS {f.dtype.duckdb}) AS {f.name}"
        for f in FACT_TRADE_FLOWS.fields
    ]
    if not path.exists():  # a kept work folder's partitions are reused: written aside, then renamed
        partial = path.with_name(path.name + ".partial")
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT {', '.join(columns)} FROM range({rows}) AS t(i)) TO '{partial}' (FORMAT parquet)"
            )
        partial.replace(path)
    fingerprint = hashlib.sha256(f"{period}:{rows}:{restated}".encode()).hexdigest()
    return {
        "period": period,
        "fingerprint": fingerprint,
        "path": str(path),
        "rows": rows,
        "run": f"r{restated}",
    }


def _tables(months: int, rows: int) -> dict[Any, pl.DataFrame]:
    tables = sample_tables(0)
    del tables[FACT_TRADE_FLOWS]
    periods = []
    for index in range(months):
        period, start = _month(index)
        periods.append(
            {"period": period, "period_start": start, "year": start.year, "first_month": start.month}
            | {"last_month": start.month, "months_covered": 1, "is_combined": False, "period_kind": "month"}
        )
    tables[DIM_PERIOD] = pl.DataFrame(periods, schema=DIM_PERIOD.polars_schema())
    with duckdb.connect() as con:
        codes = [
            c
            for (c,) in con.execute(
                f"SELECT {_code_sql('k')} FROM range({rows // _ROWS_PER_CODE + 1}) t(k)"
            ).fetchall()
        ]
    given = {
        "commodity_code": codes,
        "commodity_name": ["synthetic commodity"] * len(codes),
        "hs_chapter": [c[:2] for c in codes],
        "commodity_code_kind": ["hs8"] * len(codes),
    }
    schema = DIM_COMMODITY.polars_schema()
    tables[DIM_COMMODITY] = pl.DataFrame(
        {name: given.get(name, [None] * len(codes)) for name in schema}, schema=schema
    )
    return tables


def _measured(spec: dict[str, Any]) -> None:
    """In the child: one publish (or heal) as `spec` says; prints its result as JSON."""
    target, parquet = Path(spec["target"]), Path(spec["parquet"])
    started = time.perf_counter()
    if spec["heal"]:
        report = heal_published(target, parquet)
        print(json.dumps({"seconds": time.perf_counter() - started, "note": "; ".join(report.messages())}))
        return
    partitions = {
        p["period"]: PeriodPartition(
            p["period"],
            p["fingerprint"],
            Path(p["path"]),
            p["rows"],
            p["run"],
            dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        )
        for p in spec["partitions"]
    }
    tables = _tables(spec["months"], spec["rows"])
    steps: list[tuple[str, float]] = []

    def step(name: str) -> None:
        # The CPU each announced step of the publish takes, up to the next (loads of small tables summed).
        steps.append(("load" if name.startswith("load:") else name, time.process_time()))

    result = publish_warehouse(
        target,
        tables,
        partitioned=[PartitionedTable(FACT_TRADE_FLOWS, partitions)],
        parquet_dir=parquet,
        rebuild=spec.get("rebuild", False),
        fault=step,
    )
    step("end")
    cpu: dict[str, float] = {}
    for (name, at), (_, until) in itertools.pairwise(steps):
        cpu[name] = cpu.get(name, 0.0) + until - at
    written = result.written_periods.get(FACT_TRADE_FLOWS.qualified_name, ())
    note = f"{len(written)} periods written, {len(result.parquet_files)} bi files"
    if not result.incremental:
        note += f" (from scratch: {result.rebuilt_because})"
    note += "\n" + " " * 29 + "CPU s by step: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
    print(json.dumps({"seconds": time.perf_counter() - started, "note": note}))


def _measure(label: str, spec: dict[str, Any]) -> None:
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True)\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(done.returncode, time.perf_counter() - started, usage.ru_utime + usage.ru_stime,"
        " usage.ru_maxrss / 1024)\n"
        "print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else '{}')\n"
    )
    child = [sys.executable, str(Path(__file__).resolve()), "--measure", json.dumps(spec)]
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *child], stdout=subprocess.PIPE, text=True, check=True
    )
    figures, detail = out.stdout.strip().splitlines()[-2:]
    code, wall, cpu, rss = figures.split()
    note = json.loads(detail).get("note", "")
    target = Path(spec["target"])
    size = target.stat().st_size / 2**20 if target.exists() else 0.0
    if code != "0":
        raise SystemExit(f"{label}: the child failed (exit {code}), see its traceback above")
    print(
        f"{label:<28} wall {float(wall):7.2f} s  CPU {float(cpu):7.2f} s  peak RSS {float(rss):7.0f} MB  "
        f"file {size:8.1f} MiB  {note}",
        flush=True,
    )


def _free_blocks(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT free_blocks, total_blocks FROM pragma_database_size()").fetchone()
    assert row is not None
    return f"free {row[0]}/{row[1]} blocks"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=int, nargs="+", default=[12, 120], help="months under the new one")
    parser.add_argument("--rows", type=int, default=550_000, help="rows per month (550k: the real detail)")
    parser.add_argument(
        "--applies", type=int, default=0, help="monthly publishes on top of the largest history"
    )
    parser.add_argument("--keep", type=Path, help="work folder to use and keep (default: a temporary one)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measured(json.loads(args.measure))
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        parts = work / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        newest = max(args.history)
        started = time.perf_counter()
        partitions = [_write_partition(parts, i, args.rows, 0) for i in range(newest + 1)]
        print(
            f"{newest + 1} partitions x {args.rows} rows written in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        for old in [*work.glob("h*"), work / "empty"]:
            shutil.rmtree(old, ignore_errors=True)  # a kept folder's earlier warehouses

        def spec(name: str, parts_: list[dict[str, Any]], months: int, **extra: Any) -> dict[str, Any]:
            folder = work / name
            folder.mkdir(exist_ok=True)
            return {
                "target": str(folder / "warehouse.duckdb"),
                "parquet": str(folder / "bi"),
                "partitions": parts_,
                "months": months,
                "rows": args.rows,
                "heal": False,
            } | extra

        for n in args.history:
            # The new month is month n (0-based): its partition is written once and shared.
            new = partitions[n]
            history = partitions[:n]
            _measure(f"backfill {n}", spec(f"h{n}", history, n + 1))
            _measure(f"heal on {n}", spec(f"h{n}", [], n + 1, heal=True))
            _measure(f"next month on {n}", spec(f"h{n}", [*history, new], n + 1))
        _measure("next month into empty", spec("empty", [partitions[newest]], newest + 1))

        current = partitions[: newest + 1]
        folder = f"h{newest}"
        for step in range(args.applies):
            index = newest + 1 + step
            restated = _write_partition(parts, index - 1, args.rows, step + 1)
            added = _write_partition(parts, index, args.rows, 0)
            current = [*current[:-1], restated, added]
            _measure(f"apply {step + 1} (restates 1)", spec(folder, current, index + 1))
            print(f"{'':28} {_free_blocks(work / folder / 'warehouse.duckdb')}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
