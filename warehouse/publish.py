"""Build the DuckDB warehouse beside the published file, check it, and swap it in atomically.

Why it works this way (see the shared stack notes on DuckDB 2.0):
- a process that holds a DuckDB file read-write locks out every other process, readers included, so
  the file readers use is never opened for writing: a new file is built beside it and `os.replace`d
  over it (same directory, so the rename is atomic). A reader that holds the old file keeps seeing
  the old contents until it reconnects; new connections see the new file;
- DuckDB 2.0 writes storage version 69 by default, which 1.x clients (and the BI drivers that lag
  behind) refuse, so the new file is attached with `STORAGE_VERSION 'v1.5.0'`;
- a `<target>.wal` left by a crashed writer would make the swapped-in file unopenable ("WAL does not
  match database file"), so it is moved aside (kept, with a timestamp in its name) just before the swap;
- the published file is read-only on disk (0440): a BI tool that opens it read-write (DuckDB's default)
  then fails at once instead of locking out every reader and the next publish; `os.replace` over a
  read-only file works, since the rename writes the directory, not the file;
- `bi/*.parquet` is part of what a publish guarantees: each file carries the identity of the warehouse
  file it was exported from (Parquet key-value metadata; see `warehouse_identity`), so `heal_published`
  can tell, at a run's start, when a publish died between the warehouse swap and the Parquet renames
  and export again;
- the building file and the Parquet temporaries carry the publishing process's pid in their names, so a
  later start sweeps only the leftovers of dead processes;
- within one process, DuckDB's Python client reuses the open database of a path: a `connect()` made
  while another connection to the target is still open sees the old file. Close every connection of
  the process to see a new publish (other processes are not affected).

- the publish cost follows what changed (issue 11): a table stored per period (`PartitionedTable`,
  `core.fact_trade_flows`) is applied to a file copy of the published warehouse (copy_file_range: a
  reflink where the file system shares blocks), only the periods whose fingerprint differs from the
  published `meta.build_partitions` being deleted and loaded again, by DuckDB from their Parquet files;
  the copy is then checked and swapped exactly like a file built from scratch. Its key is the grain,
  checked per written period (a DuckDB PRIMARY KEY doubled the publish and made the file ~10x larger).
  A copy with too many free blocks (deleted periods) is dropped for a build from scratch, its compaction.
  Beyond the file copy, nothing reads the unchanged periods: their rows were counted and checked by
  the publish that wrote them, the file is the one it swapped in (its identity is in `bi/`, or the
  run's start reads it whole), and the counts checked now are those of the periods written and the
  totals recorded in `meta.build_partitions`.

Steps, each announced to `fault(step)` before it runs, so tests can make any of them fail:
"build" (create the file, or copy the published one), "load:<schema.table>" (one per table), "views", "check", "checkpoint", "parquet" (only with
`parquet_dir`), "swap" and, after the swap, "rename-parquet" (only with `parquet_dir`). A failure
before the swap removes what was built and leaves the target, its `.wal` and the Parquet files as they
were; a failure at "rename-parquet" leaves the new warehouse published and `bi/` one publish behind,
which the next run's `heal_published` exports again.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from domain.errors import ExpectedError
from fileio.atomic import fsync_directory  # makes a rename durable: else a power cut can undo it
from warehouse.asof import AS_OF_MACROS
from warehouse.contracts import TableContract
from warehouse.dictionary import data_dictionary_frame, schemas_of
from warehouse.partitions import PartitionedTable
from warehouse.tables import BI_VIEWS, META_BUILD_PARTITIONS, META_DATA_DICTIONARY, WAREHOUSE_TABLES

# The storage format of DuckDB 1.5: 1.5.x clients read it, while 2.0's default (version 69) they refuse.
STORAGE_VERSION = "v1.5.0"
WAREHOUSE_SCHEMAS = ("core", "meta", "bi")
_BUILD_CATALOG = "building"
_INCOMING = "_incoming_frame"
# Rendered here from the contracts and the partitions, never given.
RENDERED_TABLES = (META_DATA_DICTIONARY, META_BUILD_PARTITIONS)
# information_schema spells some types differently from the DDL the contracts render.
_TYPE_ALIASES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


class PublishError(RuntimeError):
    """The new warehouse failed a check; nothing was published."""


class DuplicateKeyError(PublishError):
    """Two rows of a frame share a primary key: names the table and the key."""


class WarehouseInUseError(ExpectedError, RuntimeError):
    """Another process holds the published file read-write: nothing can read or replace it safely."""


# Owner and group read, nobody writes: the published file and its Parquet copies are only ever replaced.
READ_ONLY_MODE = 0o440
# The key, in each BI Parquet file's metadata, of the identity of the warehouse file it was exported from.
PARQUET_SOURCE_KEY = "customs.warehouse_identity"
# DuckDB's resources in a publish, chosen here once. Its memory is bounded so that a publish of ten years
# of detail (a backfill loads and checks every period at once) stays under ~2 GB of RSS with Python's
# share: what does not fit (the grain check's hash table) spills to a folder beside the building file.
# Insertion order is kept (DuckDB's default): each period's rows then sit in row groups of their own,
# so a query or a DELETE of the changed periods skips the others by their zonemaps.
DUCKDB_MEMORY_LIMIT = "1GB"
# More threads shorten the wall time on an idle machine only, and each holds buffers of its own.
DUCKDB_THREADS = min(4, os.cpu_count() or 1)
_LOCK_CONFLICT = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True)
class PublishResult:
    path: Path
    # Qualified name -> rows, for every table and every view but those on a partitioned table
    # (PARTITIONED_VIEWS): checked on the written periods alone, they are not counted (the history).
    row_counts: Mapping[str, int]
    elapsed_seconds: float
    storage_version: str = STORAGE_VERSION
    parquet_files: tuple[Path, ...] = field(default=())
    warehouse_identity: str = ""  # see `warehouse_identity`; recorded in every BI Parquet file
    moved_aside: tuple[Path, ...] = field(default=())  # a stray WAL found beside the target, kept
    # The incremental path: the published file was copied and only what changed was applied to it.
    incremental: bool = False
    rebuilt_because: str | None = None  # why partitioned tables were built from scratch, when they were
    written_periods: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # table -> periods (re)loaded
    dropped_periods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table -> periods deleted


# Free blocks above this share of a copied file's blocks: the copy is dropped and the file built afresh,
# so space left by deleted periods cannot grow without bound.
COMPACT_FREE_SHARE = 0.5


def publish_warehouse(
    target: Path,
    tables: Mapping[TableContract, pl.DataFrame],
    *,
    partitioned: Sequence[PartitionedTable] = (),
    parquet_dir: Path | None = None,
    fault: Callable[[str], None] | None = None,
    rebuild: bool = False,
) -> PublishResult:
    """Publish every warehouse table to `target`: `tables` as frames, `partitioned` as per-period Parquet.

    `tables` holds every warehouse table but `meta.data_dictionary` and `meta.build_partitions` (both
    rendered here) and the tables given in `partitioned`. A partitioned contract (`partition_by`, e.g.
    `core.fact_trade_flows`) may be given either way: as a frame it is published whole, as before; as
    a `PartitionedTable` it is loaded by DuckDB from its Parquet files (never a polars frame of the
    history) and recorded in `meta.build_partitions`.

    With a `partitioned` table and a published file whose tables match the contracts, the publish is
    incremental: the file is copied beside the target (a file copy, not a row copy), every frame table
    is replaced whole in the copy, and of each partitioned table only the periods whose fingerprint
    differs from the published `meta.build_partitions` (or are new) are rewritten, the periods no longer
    given deleted. Otherwise (no file, drift, too much free space, `rebuild=True`, or no `partitioned`)
    the file is built from scratch. Either way the file is checked and swapped in as below.

    The target is only ever replaced whole: on any exception before the swap the building file (and
    any Parquet temporary) is removed, the target is untouched, and the exception propagates. A process
    holding the target read-write fails the publish with `WarehouseInUseError` before the swap.
    """
    started = time.perf_counter()
    announce = fault or _no_fault
    target = Path(target)
    parquet_path = None if parquet_dir is None else Path(parquet_dir)
    plan = _load_plan(tables, partitioned)
    target.parent.mkdir(parents=True, exist_ok=True)
    token = _new_token()
    building = target.with_name(f"{target.name}.building-{token}")
    export = _ParquetExport()
    moved_aside: list[Path] = []
    try:
        base = target if partitioned and not rebuild and target.is_file() else None
        built = _build(building, plan, announce, base)
        building.chmod(READ_ONLY_MODE)
        identity = warehouse_identity(building)  # closed: the rename keeps its size, time and headers
        if parquet_path is not None:
            # Exported before the swap, from the closed, checked file that is about to become the
            # target (same bytes), and renamed into place only after the swap: a failed export then
            # leaves the published warehouse and the old Parquet files as they were.
            announce("parquet")
            _export_parquet(building, parquet_path, token, identity, export)
        announce("swap")
        refuse_if_held(target)  # a BI tool that connected read-write since the run started
        stray = _move_aside_stray_wal(target)
        if stray is not None:
            moved_aside.append(stray)
        building.replace(target)  # os.replace: atomic within one directory
    except BaseException:
        for leftover in (building, Path(f"{building}.wal")):
            leftover.unlink(missing_ok=True)
        export.discard()
        raise
    fsync_directory(target.parent)
    if parquet_path is not None:
        try:
            announce("rename-parquet")
            _rename_into_place(export, parquet_path)
        except BaseException:
            export.discard()
            raise
    return PublishResult(
        path=target,
        row_counts=built.row_counts,
        elapsed_seconds=time.perf_counter() - started,
        parquet_files=tuple(export.temps),
        warehouse_identity=identity,
        moved_aside=tuple(moved_aside),
        incremental=built.incremental,
        rebuilt_because=built.rebuilt_because if partitioned else None,
        written_periods=built.written_periods,
        dropped_periods=built.dropped_periods,
    )


def _no_fault(step: str) -> None:
    return None


def _new_token() -> str:
    # The pid tells a later start whether the process that wrote a temporary file is still alive.
    return f"{os.getpid()}-{uuid.uuid4().hex}"


_Source = pl.DataFrame | PartitionedTable


def _load_plan(
    tables: Mapping[TableContract, pl.DataFrame], partitioned: Sequence[PartitionedTable]
) -> list[tuple[TableContract, _Source]]:
    """What each table is loaded from, in declaration order; unknown, missing or doubled tables refused."""
    declared = set(WAREHOUSE_TABLES)
    unknown = sorted(
        c.qualified_name for c in [*tables, *(p.contract for p in partitioned)] if c not in declared
    )
    if unknown:
        raise PublishError(f"not warehouse tables (only WAREHOUSE_TABLES are published): {unknown}")
    for rendered in RENDERED_TABLES:
        if rendered in tables or any(p.contract is rendered for p in partitioned):
            raise PublishError(f"{rendered.qualified_name} is rendered from the contracts, not given")
    by_contract = {p.contract: p for p in partitioned}
    if len(by_contract) != len(partitioned):
        raise PublishError("a partitioned table is given twice")
    twice = sorted(c.qualified_name for c in by_contract if c in tables)
    if twice:
        raise PublishError(f"given both as a frame and as partitions: {twice}")
    not_partitioned = sorted(c.qualified_name for c in by_contract if "period" not in c.partition_by)
    if not_partitioned:
        raise PublishError(
            f"not partitioned by period in its contract, so given as a frame only: {not_partitioned}"
        )
    missing = [
        c.qualified_name
        for c in WAREHOUSE_TABLES
        if c not in tables and c not in by_contract and c not in RENDERED_TABLES
    ]
    if missing:
        raise PublishError(f"no frame given for {missing}: every warehouse table is published")
    plan: list[tuple[TableContract, _Source]] = []
    for c in WAREHOUSE_TABLES:
        if c is META_DATA_DICTIONARY:
            plan.append((c, data_dictionary_frame()))
        elif c is META_BUILD_PARTITIONS:
            plan.append((c, _build_partitions_frame(partitioned)))
        else:
            plan.append((c, by_contract.get(c) or tables[c]))
    return plan


def _build_partitions_frame(partitioned: Sequence[PartitionedTable]) -> pl.DataFrame:
    rows = [
        {
            "table_name": table.contract.qualified_name,
            "period": p.period,
            "input_fingerprint": p.fingerprint,
            "row_count": p.row_count,
            "built_by_run_id": p.built_by_run_id,
            "built_at": p.built_at,
        }
        for table in partitioned
        for _, p in sorted(table.partitions.items())
    ]
    return pl.DataFrame(rows, schema=META_BUILD_PARTITIONS.polars_schema())


@dataclass
class _Built:
    row_counts: dict[str, int]
    incremental: bool = False
    rebuilt_because: str | None = None
    written_periods: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dropped_periods: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _spill_dir(building: Path) -> Path:
    # Named like the building file, so a later start sweeps it when its process died.
    return building.with_name(f"{building.name}.spill")


def _connect(spill: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection (the file is attached, so its storage version can be chosen)."""
    return duckdb.connect(
        config={
            "memory_limit": DUCKDB_MEMORY_LIMIT,
            "threads": DUCKDB_THREADS,
            "temp_directory": str(spill),
        }
    )


def _build(
    building: Path,
    plan: Sequence[tuple[TableContract, _Source]],
    announce: Callable[[str], None],
    base: Path | None,
) -> _Built:
    """Create (or copy from `base`), load, check and checkpoint the new file; closed, no .wal, on return."""
    spill = _spill_dir(building)
    con = _connect(spill)
    try:
        announce("build")
        published, why = (
            _attach_copy(con, base, building) if base is not None else (None, "no published file")
        )
        built = _Built(row_counts={}, incremental=published is not None, rebuilt_because=why)
        if published is None:
            con.execute(
                f"ATTACH {_literal(str(building))} AS {_BUILD_CATALOG} (STORAGE_VERSION '{STORAGE_VERSION}')"
            )
            con.execute(f"USE {_BUILD_CATALOG}")  # the contracts' DDL and view SQL name schema.table only
            for schema in schemas_of([*WAREHOUSE_TABLES, *BI_VIEWS]):
                con.execute(f"CREATE SCHEMA {schema}")
            for contract in WAREHOUSE_TABLES:
                con.execute(contract.create_sql())
        else:
            # Views and macros are recreated below (cheap), so a changed definition is taken up.
            for macro in AS_OF_MACROS:
                con.execute(f"DROP MACRO TABLE IF EXISTS {macro.name}")
            for view in BI_VIEWS:
                con.execute(f"DROP VIEW IF EXISTS {view.qualified_name}")

        loads: list[_PartitionLoad] = []
        for contract, source in plan:
            announce(f"load:{contract.qualified_name}")
            if isinstance(source, PartitionedTable):
                load = _load_partitions(con, source, published)
                loads.append(load)
                built.written_periods[contract.qualified_name] = load.written
                built.dropped_periods[contract.qualified_name] = load.dropped
                continue
            if published is not None:
                # Small tables: replaced whole, recreated so a changed description is taken up.
                con.execute(f"DROP TABLE {contract.qualified_name}")
                con.execute(contract.create_sql())
            built.row_counts[contract.qualified_name] = _load(con, contract, source)

        announce("views")
        for view in BI_VIEWS:
            con.execute(view.create_sql())
        for macro in AS_OF_MACROS:
            con.execute(macro.create_sql())

        announce("check")
        drift = _drift(con, _BUILD_CATALOG, (*WAREHOUSE_TABLES, *BI_VIEWS))
        if drift:
            raise PublishError("the new warehouse differs from its contracts:\n  " + "\n  ".join(drift))
        written: dict[TableContract, _PartitionLoad] = {}
        for load in loads:
            built.row_counts[load.table.contract.qualified_name] = _check_partitions(con, load)
            written[load.table.contract] = load
        for view in BI_VIEWS:
            rows = _check_view(con, view, _view_periods(view, written))
            if rows is not None:
                built.row_counts[view.qualified_name] = rows

        announce("checkpoint")
        con.execute(f"CHECKPOINT {_BUILD_CATALOG}")
        con.execute("USE memory")
        con.execute(f"DETACH {_BUILD_CATALOG}")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return built


@dataclass(frozen=True)
class _PublishedPeriod:
    """A period as the published file's meta.build_partitions records it."""

    fingerprint: str
    row_count: int


def _attach_copy(
    con: duckdb.DuckDBPyConnection, base: Path, building: Path
) -> tuple[dict[tuple[str, str], _PublishedPeriod] | None, str | None]:
    """Copy `base` to `building` and attach it; with its recorded periods, or (None, why it cannot be used).

    When it cannot be used, nothing is attached and the copy is removed."""
    try:
        copy_file(base, building)
        con.execute(f"ATTACH {_literal(str(building))} AS {_BUILD_CATALOG}")
    except (OSError, duckdb.Error) as exc:
        Path(building).unlink(missing_ok=True)
        return None, f"the published file cannot be copied and opened ({str(exc).splitlines()[0]})"
    con.execute(f"USE {_BUILD_CATALOG}")
    problems = _drift(con, _BUILD_CATALOG, (*WAREHOUSE_TABLES, *BI_VIEWS))
    problems += _constraint_drift(con)
    row = con.execute(
        "SELECT free_blocks, total_blocks FROM pragma_database_size() WHERE database_name = ?",
        [_BUILD_CATALOG],
    ).fetchone()
    if row is not None and row[1] and row[0] > COMPACT_FREE_SHARE * row[1]:
        problems.append(f"{row[0]} of its {row[1]} blocks are free: compacted by a build from scratch")
    if not problems:
        published = {
            (table, period): _PublishedPeriod(fingerprint, row_count)
            for table, period, fingerprint, row_count in con.execute(
                f"SELECT table_name, period, input_fingerprint, row_count "
                f"FROM {META_BUILD_PARTITIONS.qualified_name}"
            ).fetchall()
        }
        return published, None
    con.execute("USE memory")
    con.execute(f"DETACH {_BUILD_CATALOG}")
    Path(building).unlink(missing_ok=True)
    Path(f"{building}.wal").unlink(missing_ok=True)
    return None, "the published file differs from the contracts: " + "; ".join(problems)


def _constraint_drift(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A primary key constraint the contracts no longer declare (a partitioned table's, since issue 11)."""
    keyed = {
        (schema, table)
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_constraints() "
            "WHERE database_name = ? AND constraint_type = 'PRIMARY KEY'",
            [_BUILD_CATALOG],
        ).fetchall()
    }
    return [
        f"{c.qualified_name}: a PRIMARY KEY constraint the contract does not declare"
        for c in WAREHOUSE_TABLES
        if c.partition_by and (c.schema, c.name) in keyed
    ]


def copy_file(source: Path, destination: Path) -> None:
    """A file copy in the kernel: a reflink (no data copied) where the file system shares blocks.

    `copy_file_range` shares blocks on btrfs and XFS (reflink) and copies inside the kernel elsewhere
    (ext4: no pass through user space; `shutil.copyfile`'s `sendfile` costs the same there)."""
    with Path(source).open("rb") as src, Path(destination).open("wb") as dst:
        remaining = os.fstat(src.fileno()).st_size
        try:
            while remaining > 0:
                copied = os.copy_file_range(src.fileno(), dst.fileno(), remaining)
                if copied == 0:
                    break
                remaining -= copied
        except OSError:  # not supported here (another file system, an older kernel): a plain copy
            src.seek(0)
            dst.seek(0)
            dst.truncate()
            shutil.copyfileobj(src, dst, 1 << 20)
            remaining = 0
        if remaining > 0:
            raise OSError(f"{source} changed size while it was copied")


@dataclass(frozen=True)
class _PartitionLoad:
    """What `_load_partitions` did to one partitioned table, for `_check_partitions`."""

    table: PartitionedTable
    written: tuple[str, ...]
    dropped: tuple[str, ...]


def _load_partitions(
    con: duckdb.DuckDBPyConnection,
    table: PartitionedTable,
    published: Mapping[tuple[str, str], _PublishedPeriod] | None,
) -> _PartitionLoad:
    """Load the periods whose fingerprint is not the published one; delete those no longer given.

    Without `published` (a build from scratch), every period is written. The rows are read by DuckDB
    from the Parquet files of every written period in one INSERT, streamed, never one frame; in period
    order, so each period's rows sit in row groups of their own."""
    name = table.contract.qualified_name
    given = table.fingerprints()
    if published is None:
        written = sorted(given)
        dropped: list[str] = []
    else:
        before = {period: p.fingerprint for (t, period), p in published.items() if t == name}
        written = sorted(p for p, fp in given.items() if before.get(p) != fp)
        dropped = sorted(before.keys() - given.keys())
        if not before:
            # Published whole, as a frame, by an earlier version: no period is known, so all are rewritten.
            con.execute(f"DELETE FROM {name}")
        elif written or dropped:
            con.execute(
                f"DELETE FROM {name} WHERE period IN (SELECT unnest(?::VARCHAR[]))", [[*written, *dropped]]
            )
    if written:
        paths = [str(table.partitions[p].path) for p in written]
        missing = [p for p in paths if not Path(p).is_file()]
        if missing:
            raise PublishError(f"{name}: partition files missing: {missing}")
        columns = ", ".join(table.contract.column_names)
        try:
            con.execute(
                f"INSERT INTO {name} ({columns}) SELECT {columns} FROM read_parquet(?::VARCHAR[])", [paths]
            )
        except duckdb.ConstraintException as exc:
            raise PublishError(f"{name}: {str(exc).splitlines()[0]}") from exc
    return _PartitionLoad(table, tuple(written), tuple(dropped))


def _check_partitions(con: duckdb.DuckDBPyConnection, load: _PartitionLoad) -> int:
    """Row counts agree with meta.build_partitions; the key is unique within each written period.

    Returns the table's rows. What is read is the written periods' rows alone: their counts (one
    grouped query, the other periods' row groups skipped by their zonemaps) and their key (grouped in
    batches of periods, see `_duplicate_key`). The table's total, which DuckDB keeps (no scan), must be
    the sum of every period's recorded count: so the periods carried over kept exactly their rows,
    and no written file held rows of another period."""
    contract = load.table.contract
    name = contract.qualified_name
    expected = {period: p.row_count for period, p in load.table.partitions.items()}
    total = _count(con, name)
    if total != sum(expected.values()):
        raise PublishError(
            f"{name}: {total} rows in the new file, {sum(expected.values())} recorded in "
            f"{META_BUILD_PARTITIONS.qualified_name}"
        )
    if not load.written:
        return total
    where, parameters = _period_filter(load.written)
    found = dict(
        con.execute(f"SELECT period, count(*) FROM {name} {where} GROUP BY period", parameters).fetchall()
    )
    for period in load.written:
        if found.get(period, 0) != expected[period]:
            raise PublishError(
                f"{name}: period {period} has {found.get(period, 0)} rows, its partition file records "
                f"{expected[period]}"
            )
    if contract.primary_key:
        duplicate = _duplicate_key(con, name, contract.primary_key, _batches(load.written, expected))
        if duplicate is not None:
            values, rows = duplicate
            shown = tuple(values[c] for c in contract.primary_key)
            raise DuplicateKeyError(
                f"{name}: duplicate primary key ({', '.join(contract.primary_key)}) in period "
                f"{values['period']}: {shown} ({rows} rows)"
            )
    return total


# The rows one grain check groups at once: its hash table (a period and a 64-bit hash a row) then stays
# well inside DUCKDB_MEMORY_LIMIT, and a backfill of ten years is checked in a few batches of periods
# instead of spilling to disk.
GRAIN_BATCH_ROWS = 8_000_000


def _batches(periods: Sequence[str], row_counts: Mapping[str, int]) -> list[tuple[str, ...]]:
    """`periods` in order, cut into batches of at most GRAIN_BATCH_ROWS rows (a period is never cut)."""
    batches: list[tuple[str, ...]] = []
    batch: list[str] = []
    rows = 0
    for period in periods:
        if batch and rows + row_counts.get(period, 0) > GRAIN_BATCH_ROWS:
            batches.append(tuple(batch))
            batch, rows = [], 0
        batch.append(period)
        rows += row_counts.get(period, 0)
    if batch:
        batches.append(tuple(batch))
    return batches


def _duplicate_key(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    key: Sequence[str],
    batches: Sequence[tuple[str, ...]] | None,
) -> tuple[dict[str, object], int] | None:
    """The first value of `key` that more than one row of `relation` holds, and its rows; None if none.

    `relation` is a table or a parenthesised query; `batches` groups of periods whose rows are checked
    (one query each), None every row at once. Each row's key is reduced to a 64-bit hash, and the hashes
    are sorted and compared with their neighbour: half the CPU of grouping the rows by their key (or by
    the hash: a hash table of every row), and a sort spills where a hash table would not fit. A hash
    held by two rows is then looked up by its key, so a collision of hashes is not reported."""
    columns = ", ".join(key)
    hashed = f"hash({columns})"
    if "period" not in key:
        # The key does not say which period a row is of: the batches' rows are checked as one.
        batches = None if batches is None else [tuple(p for b in batches for p in b)]
    for batch in [None] if batches is None else batches:
        where, parameters = _period_filter(batch)
        repeated = con.execute(
            f"SELECT DISTINCT digest FROM (SELECT {hashed} AS digest FROM {relation} {where}) "
            "QUALIFY digest = lag(digest) OVER (ORDER BY digest)",
            parameters,
        ).fetchall()
        for (digest,) in repeated:
            lookup = "AND" if where else "WHERE"
            row = con.execute(
                f"SELECT {columns}, count(*) FROM {relation} {where} {lookup} {hashed} = ? "
                "GROUP BY ALL HAVING count(*) > 1 LIMIT 1",
                [*parameters, digest],
            ).fetchone()
            if row is not None:
                return dict(zip(key, row[:-1], strict=True)), int(row[-1])
    return None


def _period_filter(periods: Collection[str] | None) -> tuple[str, list[object]]:
    if periods is None:
        return "", []
    return "WHERE period IN (SELECT unnest(?::VARCHAR[]))", [sorted(periods)]


def _view_periods(
    view: TableContract, written: Mapping[TableContract, _PartitionLoad]
) -> list[tuple[str, ...]] | None:
    """The periods whose rows of `view` can have changed, in batches, when its grain can be checked per period.

    A view on a partitioned table whose key includes the period: its rows in an unchanged period come
    from unchanged fact rows joined to dimensions whose keys are unique (their constraints), so only
    the written periods need the grain check. None: check the whole view."""
    assert view.sql is not None
    if "period" not in view.primary_key or "period" not in view.column_names:
        return None
    periods: set[str] = set()
    row_counts: dict[str, int] = {}
    for contract, load in written.items():
        if contract.qualified_name in view.sql:
            periods.update(load.written)
            for period, partition in load.table.partitions.items():
                row_counts[period] = row_counts.get(period, 0) + partition.row_count
    reads_partitioned = any(c.qualified_name in view.sql for c in written)
    reads_whole = any(
        c.qualified_name in view.sql
        for c in WAREHOUSE_TABLES
        if c not in written and c.kind == "table" and c.schema == "core" and c.name.startswith("fact_")
    )
    if not reads_partitioned or reads_whole:
        return None
    return _batches(sorted(periods), row_counts)


def _load(con: duckdb.DuckDBPyConnection, contract: TableContract, frame: pl.DataFrame) -> int:
    """Insert `frame` into the (empty) table; returns the rows inserted."""
    arrow = contract.conform(frame).to_arrow().cast(contract.arrow_schema())
    columns = ", ".join(contract.column_names)
    con.register(_INCOMING, arrow)
    try:
        con.execute(f"INSERT INTO {contract.qualified_name} ({columns}) SELECT {columns} FROM {_INCOMING}")
    except duckdb.ConstraintException as exc:
        if "primary key" in str(exc).lower() or "duplicate key" in str(exc).lower():
            raise DuplicateKeyError(
                f"{contract.qualified_name}: duplicate primary key ({', '.join(contract.primary_key)}): {exc}"
            ) from exc
        raise PublishError(f"{contract.qualified_name}: {exc}") from exc
    finally:
        con.unregister(_INCOMING)
    if contract.partition_by and contract.primary_key:
        # A partitioned table given as a frame: no constraint holds its grain, so it is checked here.
        duplicate = _duplicate_key(con, contract.qualified_name, contract.primary_key, None)
        if duplicate is not None:
            values, rows = duplicate
            raise DuplicateKeyError(
                f"{contract.qualified_name}: duplicate primary key ({', '.join(contract.primary_key)}): "
                f"{tuple(values[c] for c in contract.primary_key)} ({rows} rows)"
            )
    return arrow.num_rows


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    assert row is not None
    return int(row[0])


def _unordered(con: duckdb.DuckDBPyConnection, view: TableContract) -> str:
    """The view's query without its ORDER BY, parenthesised: its rows, for a check that needs no order.

    DuckDB keeps a view's ORDER BY under an aggregate, so a check through the view would sort all
    of its rows first. The clause is taken off by DuckDB's own parser (json_serialize_sql), never by
    editing the text; a query it cannot serialise is used as the view."""
    assert view.sql is not None
    row = con.execute("SELECT json_serialize_sql(?)", [view.sql]).fetchone()
    tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    statements: list[dict[str, Any]] = [] if tree.get("error") else tree.get("statements", [])
    if len(statements) != 1 or "modifiers" not in statements[0].get("node", {}):
        return view.qualified_name
    node = statements[0]["node"]
    node["modifiers"] = [m for m in node["modifiers"] if m.get("type") != "ORDER_MODIFIER"]
    row = con.execute("SELECT json_deserialize_sql(?)", [json.dumps(tree)]).fetchone()
    return view.qualified_name if row is None else f"({row[0]})"


def _check_view(
    con: duckdb.DuckDBPyConnection, view: TableContract, batches: Sequence[tuple[str, ...]] | None
) -> int | None:
    """Run the view; its declared key (the grain the BI contract promises) must be unique.

    Returns its rows, or None for a view checked on its written periods alone (`batches`, see
    `_view_periods`): counting it would read the whole history."""
    relation = _unordered(con, view)
    rows = _count(con, relation) if batches is None else None
    if view.primary_key and (batches is None or batches):
        duplicate = _duplicate_key(con, relation, view.primary_key, batches)
        if duplicate is not None:
            values, count = duplicate
            raise DuplicateKeyError(
                f"{view.qualified_name}: more than one row for ({', '.join(view.primary_key)}) = "
                f"{tuple(values[c] for c in view.primary_key)} ({count} rows)"
            )
    return rows


@dataclass
class _ParquetExport:
    """What an export wrote beside `bi/` and what the renames will do with it."""

    temps: dict[Path, Path] = field(default_factory=dict)  # final -> temporary; a view's manifest last
    stale: list[Path] = field(default_factory=list)  # files of periods (or layouts) no longer published

    def discard(self) -> None:
        for temporary in self.temps.values():
            temporary.unlink(missing_ok=True)


def _partitioned_sources(view: TableContract) -> list[TableContract]:
    assert view.sql is not None
    return [c for c in WAREHOUSE_TABLES if c.partition_by and c.qualified_name in view.sql]


# Views on a table stored per period are exported one Parquet file per period, `bi/<view>/<period>.parquet`,
# so that a publish rewrites only the periods whose rows can have changed.
PARTITIONED_VIEWS: tuple[TableContract, ...] = tuple(
    v for v in BI_VIEWS if "period" in v.column_names and _partitioned_sources(v)
)
# The key, in each per-period file's metadata, of the digest of what its rows were exported from.
PARTITION_DIGEST_KEY = "customs.partition_digest"
MANIFEST_NAME = "_manifest.json"
_RELATION = re.compile(r"\b(?:core|meta)\.[a-z_]+\b")


def _export_parquet(
    source: Path, parquet_dir: Path, token: str, source_identity: str, export: _ParquetExport
) -> None:
    """Every BI view beside `<parquet_dir>`, as temporaries named with `token`, recorded in `export`.

    A view is one file, `<view>.parquet`, that records `source_identity` (`warehouse_identity`) in
    its metadata; a view in `PARTITIONED_VIEWS` is a folder `<view>/` of one file per period, of which
    only the periods whose digest changed are written, and a `_manifest.json` naming `source_identity` and
    every period's digest (renamed last)."""
    parquet_dir.mkdir(parents=True, exist_ok=True)
    with _read_only(source) as con:
        for view in BI_VIEWS:
            if view in PARTITIONED_VIEWS:
                _export_by_period(con, view, parquet_dir, token, source_identity, export)
                continue
            final = parquet_dir / f"{view.name}.parquet"
            temporary = parquet_dir / f"{view.name}.parquet.tmp-{token}"
            export.temps[final] = temporary
            _copy_to_parquet(
                con, f"SELECT * FROM {view.qualified_name}", temporary, {PARQUET_SOURCE_KEY: source_identity}
            )


# The rows of one Arrow batch handed from DuckDB to the Parquet writer: a row group of a BI Parquet file.
PARQUET_BATCH_ROWS = 1_000_000


def _copy_to_parquet(
    con: duckdb.DuckDBPyConnection, query: str, path: Path, metadata: Mapping[str, str]
) -> None:
    """The rows of `query`, in its order, to a Parquet file at `path` with `metadata` as key-value metadata.

    DuckDB runs the query (a view's ORDER BY included) and hands the rows over as Arrow batches, which
    pyarrow's writer encodes, a batch at a time: DuckDB's own COPY spent about twice the CPU encoding
    them, the largest share of a backfill's export of ten years of detail (issue 11)."""
    # A cursor: `con` may hold a result fetched with fetchone(), which makes con.sql refuse to run.
    with con.cursor() as cursor:
        reader = cursor.sql(query).to_arrow_reader(PARQUET_BATCH_ROWS)
        with pq.ParquetWriter(
            path, reader.schema.with_metadata(dict(metadata)), compression="zstd"
        ) as writer:
            for batch in reader:
                writer.write_batch(batch)
    path.chmod(READ_ONLY_MODE)


def _export_by_period(
    con: duckdb.DuckDBPyConnection,
    view: TableContract,
    parquet_dir: Path,
    token: str,
    source_identity: str,
    export: _ParquetExport,
) -> None:
    folder = parquet_dir / view.name
    folder.mkdir(exist_ok=True)
    digests = _period_digests(con, view, source_identity)
    for period, digest in sorted(digests.items()):
        final = folder / f"{period}.parquet"
        if _parquet_metadata(final).get(PARTITION_DIGEST_KEY) == digest:
            continue  # exported from the same rows: kept
        temporary = folder / f"{period}.parquet.tmp-{token}"
        export.temps[final] = temporary
        _copy_to_parquet(
            con,
            f"SELECT * FROM {view.qualified_name} WHERE period = {_literal(period)}",
            temporary,
            {PARTITION_DIGEST_KEY: digest, PARQUET_SOURCE_KEY: source_identity},
        )
    export.stale += [p for p in folder.glob("*.parquet") if p.name.removesuffix(".parquet") not in digests]
    whole = parquet_dir / f"{view.name}.parquet"  # the layout before issue 11
    if whole.exists():
        export.stale.append(whole)
    manifest = folder / MANIFEST_NAME
    temporary = folder / f"{MANIFEST_NAME}.tmp-{token}"
    temporary.write_text(
        json.dumps({PARQUET_SOURCE_KEY: source_identity, "periods": digests}, indent=1, sort_keys=True)
    )
    temporary.chmod(READ_ONLY_MODE)
    export.temps[manifest] = temporary


def _period_digests(
    con: duckdb.DuckDBPyConnection, view: TableContract, source_identity: str
) -> dict[str, str]:
    """period -> a digest of everything the view's rows of that period are computed from.

    That is the view's SQL, the period's fingerprint in meta.build_partitions for each partitioned table
    it reads, and the contents of the (small) other tables it reads: equal digests, equal rows. A table
    keyed by the period alone (core.dim_period) describes each period in its own row, which is all a
    period's rows are read with: only that row counts, so a new period leaves the others' digests (and
    files) as they were. A table published whole (no fingerprints) gives each period the warehouse's
    identity: always written."""
    assert view.sql is not None
    sources = _partitioned_sources(view)
    others = sorted(set(_RELATION.findall(view.sql)) - {c.qualified_name for c in sources})
    common = hashlib.sha256(view.sql.encode())
    per_period_rows: dict[str, list[str]] = {}
    for relation in others:
        if _keyed_by_period(relation):
            for period, digest in con.execute(
                f"SELECT period, md5(CAST(t AS VARCHAR)) FROM {relation} AS t"
            ).fetchall():
                per_period_rows.setdefault(period, []).append(f"{relation}:{digest}")
            continue
        row = con.execute(
            f"SELECT md5(string_agg(h, '' ORDER BY h)) FROM "
            f"(SELECT md5(CAST(t AS VARCHAR)) AS h FROM {relation} AS t)"
        ).fetchone()
        common.update(f"{relation}:{row[0] if row else ''}\n".encode())
    by_period: dict[str, list[str]] = {}
    for source in sources:
        fingerprints = (
            dict(
                con.execute(
                    f"SELECT period, input_fingerprint FROM {META_BUILD_PARTITIONS.qualified_name} WHERE table_name = ?",
                    [source.qualified_name],
                ).fetchall()
            )
            if _has_table(con, META_BUILD_PARTITIONS)
            else {}
        )
        if not fingerprints:
            periods = [
                p for (p,) in con.execute(f"SELECT DISTINCT period FROM {source.qualified_name}").fetchall()
            ]
            fingerprints = dict.fromkeys(periods, f"published whole in {source_identity}")
        for period, fingerprint in fingerprints.items():
            by_period.setdefault(period, []).append(f"{source.qualified_name}:{fingerprint}")
    digests: dict[str, str] = {}
    for period, parts in by_period.items():
        digest = common.copy()
        digest.update("\n".join([period, *sorted(parts), *sorted(per_period_rows.get(period, []))]).encode())
        digests[period] = digest.hexdigest()
    return digests


def _keyed_by_period(relation: str) -> bool:
    return any(c.qualified_name == relation and c.primary_key == ("period",) for c in WAREHOUSE_TABLES)


def _has_table(con: duckdb.DuckDBPyConnection, contract: TableContract) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = ? AND table_name = ?",
        [contract.schema, contract.name],
    ).fetchone()
    return bool(row and row[0])


def _parquet_metadata(path: Path) -> dict[str, str]:
    try:
        metadata = pq.read_metadata(path).metadata or {}
    except (OSError, pa.ArrowException):
        return {}
    return {k.decode(): v.decode() for k, v in metadata.items()}


def _rename_into_place(export: _ParquetExport, parquet_dir: Path) -> None:
    """Temporaries over their final names (a view's manifest after its periods), then stale files removed."""
    for final, temporary in export.temps.items():
        temporary.replace(final)
    for stale in export.stale:
        stale.unlink(missing_ok=True)
    for folder in {parquet_dir, *(f.parent for f in export.temps), *(f.parent for f in export.stale)}:
        fsync_directory(folder)


# --- healing at a run's start: what a dead publish or a BI tool left ---------------------------------


@dataclass(frozen=True)
class HealReport:
    """What `heal_published` did; `messages()` gives one line per action, for the run's log."""

    swept: tuple[Path, ...] = ()
    moved_aside: tuple[tuple[Path, Path, str], ...] = ()  # (what, kept as, why)
    made_read_only: Path | None = None
    reexported: tuple[Path, ...] = ()
    export_failed: str | None = None  # why bi/ could not be exported from the file (an older layout)

    def messages(self) -> list[str]:
        lines = [f"removed {p.name}: left by a publish that died" for p in self.swept]
        lines += [f"moved {what} aside to {kept.name}: {why}" for what, kept, why in self.moved_aside]
        if self.made_read_only is not None:
            lines.append(f"made {self.made_read_only} read-only (mode {READ_ONLY_MODE:o})")
        if self.reexported:
            lines.append(
                f"exported {len(self.reexported)} BI Parquet files again: they were not exported from the "
                f"published warehouse as it is (a publish died between the warehouse swap and the Parquet "
                f"renames, or the files predate the record of their source)"
            )
        if self.export_failed is not None:
            lines.append(
                f"bi/ disagrees with the published warehouse and could not be exported from it "
                f"({self.export_failed}): the next publish writes it"
            )
        return lines


def heal_published(target: Path, parquet_dir: Path | None = None) -> HealReport:
    """Check the published warehouse at a run's start, before any work, and repair what a crash left.

    In order: refuse (`WarehouseInUseError`, one line naming the holder) when another process holds
    the target read-write; remove the building files, their `.wal` and the Parquet temporaries of
    publishes whose process is dead; move a stray `<target>.wal` aside, and a target that cannot be
    read, so the run publishes a fresh file; make the target read-only; export `bi/` again when its
    files were not exported from the target as it is now. Everything moved aside is kept (its new name
    has a UTC timestamp) and named in the report.
    """
    target = Path(target)
    parquet_path = None if parquet_dir is None else Path(parquet_dir)
    refuse_if_held(target)
    swept = sweep_leftovers(target, parquet_path)
    moved: list[tuple[Path, Path, str]] = []
    wal = Path(f"{target}.wal")
    stray = _move_aside_stray_wal(target)
    if stray is not None:
        moved.append((wal, stray, "no process holds the warehouse, so no one will replay it"))
    if not target.is_file():
        return HealReport(tuple(swept), tuple(moved))

    identity = warehouse_identity(target)
    if parquet_path is not None and _parquet_agrees(parquet_path, identity):
        # The file the Parquet files were exported from, not written since: the publish that wrote it
        # had opened and checked it, so no deeper read is needed.
        return HealReport(tuple(swept), tuple(moved), _make_read_only(target))
    problem = _unreadable(target)
    if problem is not None:
        kept = _move_aside(target, "unreadable")
        moved.append((target, kept, f"it cannot be read ({problem}); this run publishes a fresh file"))
        return HealReport(tuple(swept), tuple(moved))
    made_read_only = _make_read_only(target)
    if parquet_path is None:
        return HealReport(tuple(swept), tuple(moved), made_read_only)
    export = _ParquetExport()
    try:
        _export_parquet(target, parquet_path, _new_token(), identity, export)
        _rename_into_place(export, parquet_path)
    except duckdb.Error as exc:
        # A file published by an older version may lack a view declared since: not this start's
        # business; the run's own publish exports every view.
        export.discard()
        return HealReport(tuple(swept), tuple(moved), made_read_only, export_failed=str(exc).splitlines()[0])
    except BaseException:
        export.discard()
        raise
    return HealReport(tuple(swept), tuple(moved), made_read_only, tuple(export.temps))


def sweep_leftovers(target: Path, parquet_dir: Path | None = None) -> list[Path]:
    """Remove `<target>.building-*` (their `.wal`, spill folders) and `<parquet_dir>/**/*.tmp-*` of dead processes.

    A name whose pid is alive is left alone: that process may be publishing right now. Names written
    before the pid was part of them have none and are removed."""
    target = Path(target)
    candidates = list(target.parent.glob(f"{glob.escape(target.name)}.building-*"))
    if parquet_dir is not None and Path(parquet_dir).is_dir():
        candidates += Path(parquet_dir).rglob("*.tmp-*")  # per-period folders included
    swept: list[Path] = []
    for path in sorted(candidates):
        token = path.name.rsplit(".building-", 1)[-1].rsplit(".tmp-", 1)[-1]
        token = token.removesuffix(".wal").removesuffix(".spill")
        pid, _, rest = token.partition("-")
        if rest and pid.isdigit() and _process_alive(int(pid)):
            continue
        if path.is_dir():  # a dead publish's spill folder (`<target>.building-<token>.spill`)
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        swept.append(path)
    return swept


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    with contextlib.suppress(OSError):
        # A killed child its parent has not reaped yet is a zombie: dead, though its pid answers.
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[-1].split()[0] != "Z"
    return True


def refuse_if_held(target: Path) -> None:
    """Raise `WarehouseInUseError` when another process holds `target` read-write (DuckDB's lock).

    Cheap (one read-only open): a command can call it before it starts anything else."""
    if not target.is_file():
        return
    try:
        duckdb.connect(str(target), read_only=True).close()
    except duckdb.IOException as exc:
        found = _LOCK_CONFLICT.search(str(exc))
        if found is None and "Could not set lock" not in str(exc):
            return  # unreadable, not held: the caller deals with it
        holder = f"{found['program']} (PID {found['pid']})" if found else "another process"
        raise WarehouseInUseError(
            f"{target} is open read-write in {holder}: close that connection, or reconnect it read-only "
            f"(duckdb -readonly, duckdb.connect(path, read_only=True), DBeaver's read-only option), and "
            f"run again; nothing was done"
        ) from exc
    except duckdb.Error:
        return


def _move_aside_stray_wal(target: Path) -> Path | None:
    """Nothing writes the published file in place, so a `<target>.wal` is a crashed client's: keep it aside."""
    wal = Path(f"{target}.wal")
    if not wal.exists():
        return None
    return _move_aside(wal, "stray")


def _move_aside(path: Path, why: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.{why}-{stamp}")
    counter = 1
    while kept.exists():
        counter += 1
        kept = path.with_name(f"{path.name}.{why}-{stamp}-{counter}")
    path.rename(kept)
    fsync_directory(path.parent)
    return kept


def _make_read_only(target: Path) -> Path | None:
    if target.stat().st_mode & 0o777 == READ_ONLY_MODE:
        return None
    target.chmod(READ_ONLY_MODE)
    return target


def _unreadable(target: Path) -> str | None:
    """Why every row of every table and view of `target` cannot be read, or None when they can.

    Each relation is read whole (every column of every row: DuckDB checks every block's checksum) into
    one streamed aggregate, so the read holds no more than a batch of rows at a time."""
    declared = {c.qualified_name: c for c in BI_VIEWS}
    try:
        with _read_only(target) as con:
            placeholders = ", ".join("?" for _ in WAREHOUSE_SCHEMAS)
            relations = con.execute(
                f"""
                SELECT table_schema || '.' || table_name FROM information_schema.tables
                WHERE table_catalog = current_database() AND table_schema IN ({placeholders})
                ORDER BY 1
                """,
                list(WAREHOUSE_SCHEMAS),
            ).fetchall()
            for (name,) in relations:
                relation = _unordered(con, declared[name]) if name in declared else name
                con.execute(f"SELECT count(*), max(hash(__row__)) FROM {relation} AS __row__").fetchall()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0]
    return None


def _parquet_agrees(parquet_dir: Path, identity: str) -> bool:
    """Every BI view's Parquet file (or folder) is there and was exported from the warehouse of that identity.

    A per-period folder agrees when its manifest names the identity and its files are exactly the
    manifest's periods, each with the manifest's digest (footers only: cheap)."""
    for view in BI_VIEWS:
        if view in PARTITIONED_VIEWS:
            if not period_folder_agrees(parquet_dir / view.name, identity):
                return False
        elif _parquet_metadata(parquet_dir / f"{view.name}.parquet").get(PARQUET_SOURCE_KEY) != identity:
            return False
    return True


def period_folder_agrees(folder: Path, identity: str) -> bool:
    """A per-period view's folder names the warehouse of that identity and holds exactly its manifest's files."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get(PARQUET_SOURCE_KEY) != identity:
        return False
    periods = manifest.get("periods")
    if not isinstance(periods, dict):
        return False
    if {p.name.removesuffix(".parquet") for p in folder.glob("*.parquet")} != set(periods):
        return False
    return all(
        _parquet_metadata(folder / f"{period}.parquet").get(PARTITION_DIGEST_KEY) == digest
        for period, digest in periods.items()
    )


# DuckDB's file header and its two database headers: which checkpoint the file holds, where its
# metadata and free list are, how many blocks it has. Every checkpoint rewrites one of them.
_HEADER_BYTES = 3 * 4096


def warehouse_identity(path: Path) -> str:
    """Which warehouse file `path` holds, read cheaply: its size, modification time (ns) and headers.

    A publish writes a new file and renames it over the target, so every publish gives a new identity,
    and so does anything that writes the file or truncates it (a client opened read-write, a partial
    restore): the run's start then reads it whole (`heal_published`). A copy that keeps the file's times
    (`cp -p`, `shutil.copy2`, a backup restored) is the same file. It stands where a SHA-256 of the whole
    file stood, which read every byte at every publish and again at every run's start, so that adding a
    month cost a read of the history. What it cannot see is a change of bytes that leaves size, time and
    headers alone (a disk's bit rot): DuckDB checks each block against its checksum when it reads it,
    and tells that reader."""
    with Path(path).open("rb") as handle:
        stat = os.fstat(handle.fileno())
        headers = handle.read(_HEADER_BYTES)
    return f"{stat.st_size}-{stat.st_mtime_ns}-{hashlib.sha256(headers).hexdigest()[:16]}"


# --- reading a published file ---------------------------------------------------------------------


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not Path(path).is_file():
        # connect() would create an empty database rather than fail.
        raise FileNotFoundError(f"no DuckDB file at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        # Set, not given to connect(): a connection this process holds to the same file (another
        # configuration) would make connect() fail.
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        con.execute(f"SET threads = {DUCKDB_THREADS}")
        yield con
    finally:
        con.close()


def drift_report(
    path: Path, contracts: Sequence[TableContract] = (*WAREHOUSE_TABLES, *BI_VIEWS)
) -> list[str]:
    """Every difference between the file's tables/views and the declarations; empty means no drift.

    Looks at the schemas the contracts live in: a missing or undeclared table or view, a table found
    where a view is declared, missing or extra columns, a wrong type, a wrong column order, and (for
    tables) a nullability that differs from the declaration.
    """
    with _read_only(path) as con:
        catalog = _current_catalog(con)
        return _drift(con, catalog, contracts)


def _current_catalog(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def _drift(con: duckdb.DuckDBPyConnection, catalog: str, contracts: Sequence[TableContract]) -> list[str]:
    schemas = schemas_of(contracts)
    placeholders = ", ".join("?" for _ in schemas)
    found: dict[tuple[str, str], tuple[str, list[tuple[str, str, bool]]]] = {}
    for schema, name, table_type, column, data_type, nullable in con.execute(
        f"""
        SELECT c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type, c.is_nullable = 'YES'
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t USING (table_catalog, table_schema, table_name)
        WHERE c.table_catalog = ? AND c.table_schema IN ({placeholders})
        ORDER BY c.table_schema, c.table_name, c.ordinal_position
        """,
        [catalog, *schemas],
    ).fetchall():
        kind = "view" if table_type == "VIEW" else "table"
        found.setdefault((schema, name), (kind, []))[1].append((column, data_type, nullable))

    problems: list[str] = []
    declared = {(c.schema, c.name) for c in contracts}
    for schema, name in sorted(found.keys() - declared):
        problems.append(f"{schema}.{name}: {found[schema, name][0]} in the file but not declared")
    for c in contracts:
        if (c.schema, c.name) not in found:
            problems.append(f"{c.qualified_name}: declared {c.kind} missing from the file")
            continue
        kind, columns = found[c.schema, c.name]
        if kind != c.kind:
            problems.append(f"{c.qualified_name}: declared as a {c.kind}, the file has a {kind}")
        problems += _column_drift(c, columns)
    return problems


def _column_drift(c: TableContract, columns: list[tuple[str, str, bool]]) -> list[str]:
    problems: list[str] = []
    actual = {name: (data_type, nullable) for name, data_type, nullable in columns}
    for f in c.fields:
        expected_type = _TYPE_ALIASES.get(f.dtype.duckdb, f.dtype.duckdb)
        if f.name not in actual:
            problems.append(f"{c.qualified_name}: missing column {f.name} ({f.dtype.duckdb})")
            continue
        data_type, nullable = actual[f.name]
        if data_type != expected_type:
            problems.append(
                f"{c.qualified_name}.{f.name}: type {data_type} in the file, declared {expected_type}"
            )
        # DuckDB reports every view column as nullable, so only tables can be checked.
        if c.kind == "table" and nullable != f.nullable:
            problems.append(
                f"{c.qualified_name}.{f.name}: {'nullable' if nullable else 'NOT NULL'} in the file, "
                f"declared {'nullable' if f.nullable else 'NOT NULL'}"
            )
    declared_names = set(c.column_names)
    for name, data_type, _ in columns:
        if name not in declared_names:
            problems.append(f"{c.qualified_name}: extra column {name} ({data_type}) not declared")
    in_file = [name for name, _, _ in columns if name in declared_names]
    in_contract = [name for name in c.column_names if name in actual]
    if in_file != in_contract:
        problems.append(f"{c.qualified_name}: column order {in_file} in the file, declared {in_contract}")
    return problems


def table_content_hashes(path: Path, ignore_columns: Collection[str] = ()) -> dict[str, str]:
    """sha256 of every table and view in core, meta and bi: its columns, types and rows.

    Rows are rendered as text (in UTC, so time zones do not matter), each digested, and the digests
    sorted: the hash depends on the contents only, not on the physical row order or on a key, so two
    publishes of the same data hash the same. The caller chooses which tables to compare (meta.runs
    differs between runs by design) and may leave columns out (`ignore_columns`, e.g. `retrieved_at`,
    when comparing two data roots that fetched the same files at different times).
    """
    hashes: dict[str, str] = {}
    with _read_only(path) as con:
        con.execute("SET TimeZone = 'UTC'")
        catalog = _current_catalog(con)
        placeholders = ", ".join("?" for _ in WAREHOUSE_SCHEMAS)
        relations = con.execute(
            f"""
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = ? AND table_schema IN ({placeholders})
            ORDER BY table_schema, table_name
            """,
            [catalog, *WAREHOUSE_SCHEMAS],
        ).fetchall()
        for schema, name in relations:
            qualified = f"{schema}.{name}"
            digest = hashlib.sha256()
            ignored: list[str] = []
            for column, data_type in con.execute(
                """
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_catalog = ? AND table_schema = ? AND table_name = ? ORDER BY ordinal_position
                """,
                [catalog, schema, name],
            ).fetchall():
                if column in ignore_columns:
                    ignored.append(column)
                    continue
                digest.update(f"{column} {data_type}\n".encode())
            source = qualified
            if ignored:
                source = f"(SELECT * EXCLUDE ({', '.join(ignored)}) FROM {qualified})"
            # The alias is unlikely to be a column name: a column of that name would be used instead.
            reader = con.sql(
                f"SELECT md5(CAST(__content_row__ AS VARCHAR)) AS h FROM {source} AS __content_row__ ORDER BY h"
            ).to_arrow_reader()
            for batch in reader:
                # Each digest ends with a newline, so the bytes do not depend on where batches split.
                digest.update("".join(f"{h}\n" for h in batch.column(0).to_pylist()).encode())
            hashes[qualified] = digest.hexdigest()
    return hashes


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = [
    "COMPACT_FREE_SHARE",
    "MANIFEST_NAME",
    "PARQUET_SOURCE_KEY",
    "PARTITIONED_VIEWS",
    "PARTITION_DIGEST_KEY",
    "READ_ONLY_MODE",
    "RENDERED_TABLES",
    "STORAGE_VERSION",
    "DuplicateKeyError",
    "HealReport",
    "PublishError",
    "PublishResult",
    "WarehouseInUseError",
    "drift_report",
    "heal_published",
    "period_folder_agrees",
    "publish_warehouse",
    "refuse_if_held",
    "sweep_leftovers",
    "table_content_hashes",
    "warehouse_identity",
]
