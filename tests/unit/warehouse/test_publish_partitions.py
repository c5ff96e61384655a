"""The incremental publish: a partitioned table's changed periods applied to a copy of the published file.

Real DuckDB and real Parquet files: each period of `core.fact_trade_flows` is written to its own file
from a small literal frame, as the build does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.unit.warehouse.test_publish import (
    _READER,
    READER_HANG_BOUND_SECONDS,
    InjectedFaultError,
    _duckdb_cli,
    _exports_sum,
    _fail_at,
    _leftovers,
    _query,
    _sha256,
    sample_tables,
)
from warehouse import publish
from warehouse.contracts import TableContract
from warehouse.partitions import PartitionedTable, PeriodPartition
from warehouse.publish import (
    MANIFEST_NAME,
    PARQUET_SOURCE_KEY,
    PARTITIONED_VIEWS,
    DuplicateKeyError,
    PublishError,
    heal_published,
    publish_warehouse,
    table_content_hashes,
)
from warehouse.read import published_partitions
from warehouse.tables import (
    BI_COMMODITY_TRADE,
    DIM_PERIOD,
    FACT_TRADE_FLOWS,
    META_BUILD_PARTITIONS,
    WAREHOUSE_TABLES,
)

UTC = dt.UTC
_BUILT_AT = dt.datetime(2026, 1, 5, 3, tzinfo=UTC)
_MONTHS = ["2025-03", "2025-04", "2025-05"]


def _flow(period: str, partner: str, value_usd: int) -> dict[str, object]:
    year, month = (int(part) for part in period.split("-"))
    return {
        "release_id": f"online_query:{period}:2026-01-02",
        "product": "online_query",
        "period": period,
        "period_start": dt.date(year, month, 1),
        "months_covered": 1,
        "direction": "export",
        "commodity_code": "85171300",
        "commodity_name": "Mobile phones",
        "partner_code": partner,
        "value_usd": value_usd,
        "is_aggregate": False,
        "is_restatement": False,
        "is_latest_vintage": True,
        "vintage_source": "online_query",
    }


def _month_rows(period: str, scale: int = 1) -> list[dict[str, object]]:
    return [_flow(period, partner, tenths * 1_000_000 * scale) for partner, tenths in (("USA", 3), ("EU", 2))]


def _tables(version: int = 0) -> dict[TableContract, pl.DataFrame]:
    """The sample tables but the flows (given as partitions), with the months' periods in dim_period."""
    tables = sample_tables(version)
    del tables[FACT_TRADE_FLOWS]
    months = pl.DataFrame(
        [
            {
                "period": m,
                "period_start": dt.date(2025, int(m[-2:]), 1),
                "year": 2025,
                "first_month": int(m[-2:]),
                "last_month": int(m[-2:]),
                "months_covered": 1,
                "is_combined": False,
                "period_kind": "month",
            }
            for m in _MONTHS
        ],
        schema=DIM_PERIOD.polars_schema(),
    )
    tables[DIM_PERIOD] = pl.concat([tables[DIM_PERIOD], months])
    return tables


def _partition(folder: Path, period: str, rows: list[dict[str, object]], run_id: str) -> PeriodPartition:
    """One period's rows in a Parquet file; the fingerprint digests the rows (equal rows, equal prints)."""
    frame = FACT_TRADE_FLOWS.conform(pl.DataFrame(rows, schema=FACT_TRADE_FLOWS.polars_schema()))
    fingerprint = hashlib.sha256(frame.write_csv().encode()).hexdigest()
    path = folder / f"{period}-{fingerprint[:12]}.parquet"
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return PeriodPartition(period, fingerprint, path, frame.height, run_id, _BUILT_AT)


def _flows(
    folder: Path, months: Mapping[str, list[dict[str, object]]], run_id: str = "run-1"
) -> PartitionedTable:
    return PartitionedTable(
        FACT_TRADE_FLOWS,
        {period: _partition(folder, period, rows, run_id) for period, rows in months.items()},
    )


def _period_hashes(path: Path) -> dict[str, str]:
    """A digest of each period's rows of core.fact_trade_flows, independent of row order."""
    rows = _query(
        path,
        "SELECT period, md5(string_agg(md5(CAST(f AS VARCHAR)), ',' ORDER BY md5(CAST(f AS VARCHAR)))) "
        "FROM core.fact_trade_flows AS f GROUP BY period",
    )
    return dict(rows)


_ALL = {m: _month_rows(m) for m in _MONTHS}


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    """Three months published from scratch, with bi/."""
    target, parquet = tmp_path / "warehouse.duckdb", tmp_path / "bi"
    result = publish_warehouse(
        target, _tables(), partitioned=[_flows(tmp_path / "parts", _ALL)], parquet_dir=parquet
    )
    assert not result.incremental
    assert result.written_periods == {FACT_TRADE_FLOWS.qualified_name: tuple(_MONTHS)}
    return target, parquet


def test_a_changed_period_alone_is_rewritten_and_the_file_equals_a_build_from_scratch(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    target, parquet = published
    before = _period_hashes(target)
    changed = _ALL | {"2025-04": _month_rows("2025-04", scale=2)}
    flows = _flows(tmp_path / "parts", changed, run_id="run-2")

    result = publish_warehouse(target, _tables(), partitioned=[flows], parquet_dir=parquet)

    assert result.incremental, result.rebuilt_because
    assert result.written_periods == {FACT_TRADE_FLOWS.qualified_name: ("2025-04",)}
    assert result.dropped_periods == {FACT_TRADE_FLOWS.qualified_name: ()}
    after = _period_hashes(target)
    assert {p for p in _MONTHS if after[p] != before[p]} == {"2025-04"}
    assert _query(target, "SELECT sum(value_usd) FROM core.fact_trade_flows WHERE period = '2025-04'") == [
        (10_000_000,)
    ]
    scratch = publish_warehouse(tmp_path / "scratch" / "warehouse.duckdb", _tables(), partitioned=[flows])
    assert not scratch.incremental
    assert table_content_hashes(target) == table_content_hashes(scratch.path)
    assert table_content_hashes(target) != table_content_hashes(published_once(tmp_path))


def published_once(tmp_path: Path) -> Path:
    """The three original months, built from scratch elsewhere: the control for the comparison."""
    return publish_warehouse(
        tmp_path / "original" / "warehouse.duckdb", _tables(), partitioned=[_flows(tmp_path / "parts", _ALL)]
    ).path


def test_an_unchanged_publish_writes_no_period(published: tuple[Path, Path], tmp_path: Path) -> None:
    target, parquet = published
    before = table_content_hashes(target)
    result = publish_warehouse(
        target, _tables(), partitioned=[_flows(tmp_path / "parts", _ALL)], parquet_dir=parquet
    )
    assert result.incremental
    assert result.written_periods == {FACT_TRADE_FLOWS.qualified_name: ()}
    assert table_content_hashes(target) == before


def test_a_removed_period_is_deleted_and_a_new_one_added(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    target, parquet = published
    months = {"2025-03": _ALL["2025-03"], "2025-05": _ALL["2025-05"], "2025-06": _month_rows("2025-06")}
    tables = _tables()
    tables[DIM_PERIOD] = pl.concat(
        [
            tables[DIM_PERIOD],
            pl.DataFrame(
                [
                    {"period": "2025-06", "period_start": dt.date(2025, 6, 1), "year": 2025, "first_month": 6}
                    | {"last_month": 6, "months_covered": 1, "is_combined": False, "period_kind": "month"}
                ],
                schema=DIM_PERIOD.polars_schema(),
            ),
        ]
    )
    flows = _flows(tmp_path / "parts", months, run_id="run-2")

    result = publish_warehouse(target, tables, partitioned=[flows], parquet_dir=parquet)

    assert result.incremental
    assert result.written_periods == {FACT_TRADE_FLOWS.qualified_name: ("2025-06",)}
    # dim_period gained 2025-06's row: the other periods' rows of bi.commodity_trade are as they were.
    exported = sorted(p.name for p in result.parquet_files if p.parent.name == BI_COMMODITY_TRADE.name)
    assert exported == ["2025-06.parquet", MANIFEST_NAME]
    assert result.dropped_periods == {FACT_TRADE_FLOWS.qualified_name: ("2025-04",)}
    assert _query(target, "SELECT DISTINCT period FROM core.fact_trade_flows ORDER BY period") == [
        ("2025-03",),
        ("2025-05",),
        ("2025-06",),
    ]
    recorded = published_partitions(target)
    assert sorted(recorded) == [
        (FACT_TRADE_FLOWS.qualified_name, p) for p in ("2025-03", "2025-05", "2025-06")
    ]
    assert recorded[FACT_TRADE_FLOWS.qualified_name, "2025-06"]["built_by_run_id"] == "run-2"
    assert recorded[FACT_TRADE_FLOWS.qualified_name, "2025-03"]["row_count"] == 2
    scratch = publish_warehouse(tmp_path / "scratch" / "warehouse.duckdb", tables, partitioned=[flows])
    assert table_content_hashes(target) == table_content_hashes(scratch.path)


def test_published_partitions_is_empty_without_a_warehouse_or_the_table(tmp_path: Path) -> None:
    assert published_partitions(tmp_path / "none.duckdb") == {}
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE meta.runs (run_id VARCHAR)")
    assert published_partitions(old) == {}


def test_a_file_published_whole_is_taken_over_by_the_first_partitioned_publish(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    whole = _tables() | {
        FACT_TRADE_FLOWS: pl.DataFrame(_ALL["2025-03"], schema=FACT_TRADE_FLOWS.polars_schema())
    }
    publish_warehouse(target, whole)
    assert published_partitions(target) == {}
    flows = _flows(tmp_path / "parts", _ALL)

    result = publish_warehouse(target, _tables(), partitioned=[flows])

    assert result.incremental
    assert result.written_periods == {FACT_TRADE_FLOWS.qualified_name: tuple(_MONTHS)}
    scratch = publish_warehouse(tmp_path / "scratch" / "warehouse.duckdb", _tables(), partitioned=[flows])
    assert table_content_hashes(target) == table_content_hashes(scratch.path)


def test_a_drifted_file_and_rebuild_build_from_scratch(published: tuple[Path, Path], tmp_path: Path) -> None:
    target, _ = published
    flows = _flows(tmp_path / "parts", _ALL)
    forced = publish_warehouse(target, _tables(), partitioned=[flows], rebuild=True)
    assert not forced.incremental

    target.chmod(0o640)  # published read-only; this test edits it in place
    with duckdb.connect(str(target)) as con:
        con.execute("ALTER TABLE core.dim_partner ADD COLUMN nickname VARCHAR")
    result = publish_warehouse(target, _tables(), partitioned=[flows])

    assert not result.incremental
    assert result.rebuilt_because is not None
    assert "core.dim_partner: extra column nickname (VARCHAR) not declared" in result.rebuilt_because
    assert result.written_periods == {FACT_TRADE_FLOWS.qualified_name: tuple(_MONTHS)}


def test_a_file_with_the_old_primary_key_constraint_is_built_from_scratch(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    publish_warehouse(target, _tables(), partitioned=[_flows(tmp_path / "parts", _ALL)])
    target.chmod(0o640)
    with duckdb.connect(str(target)) as con:
        # As published before issue 11: the five-column key as a constraint.
        con.execute("CREATE TABLE keyed AS SELECT * FROM core.fact_trade_flows")
        con.execute("DROP TABLE core.fact_trade_flows")
        ddl = FACT_TRADE_FLOWS.create_sql().replace(
            "vintage_precedence BIGINT\n);",
            "vintage_precedence BIGINT,\n    PRIMARY KEY (release_id, period, direction, commodity_code, partner_code)\n);",
        )
        assert "PRIMARY KEY" in ddl
        con.execute(ddl)
        con.execute("INSERT INTO core.fact_trade_flows SELECT * FROM keyed")
        con.execute("DROP TABLE keyed")

    result = publish_warehouse(target, _tables(), partitioned=[_flows(tmp_path / "parts", _ALL)])

    assert not result.incremental
    assert result.rebuilt_because is not None
    assert (
        "core.fact_trade_flows: a PRIMARY KEY constraint the contract does not declare"
        in result.rebuilt_because
    )
    constraints = _query(
        target,
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'fact_trade_flows' "
        "AND constraint_type = 'PRIMARY KEY'",
    )
    assert constraints == [(0,)]


def test_a_duplicate_key_in_a_changed_period_names_table_period_and_key(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    target, parquet = published
    before = _sha256(target)
    doubled = _ALL | {"2025-05": [*_month_rows("2025-05"), _flow("2025-05", "USA", 1)]}

    with pytest.raises(
        DuplicateKeyError,
        match=r"core\.fact_trade_flows: duplicate primary key \(release_id, period, direction, commodity_code, "
        r"partner_code\) in period 2025-05: \('online_query:2025-05:2026-01-02', '2025-05', 'export', '85171300', 'USA'\) \(2 rows\)",
    ):
        publish_warehouse(
            target, _tables(), partitioned=[_flows(tmp_path / "parts", doubled)], parquet_dir=parquet
        )

    assert _sha256(target) == before
    assert _leftovers(target.parent) == []


def test_a_backfill_checks_the_grain_of_every_period_batch_by_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From scratch, the key is checked over every period, a few periods a query (here one, so the
    duplicate is in the last batch); the view's grain (one latest vintage) likewise."""
    monkeypatch.setattr(publish, "GRAIN_BATCH_ROWS", 2)
    target = tmp_path / "warehouse.duckdb"
    doubled = _ALL | {"2025-05": [*_month_rows("2025-05"), _flow("2025-05", "USA", 1)]}
    with pytest.raises(
        DuplicateKeyError,
        match=r"core\.fact_trade_flows: duplicate primary key \(release_id, period, direction, commodity_code, "
        r"partner_code\) in period 2025-05: \('online_query:2025-05:2026-01-02', '2025-05', 'export', "
        r"'85171300', 'USA'\) \(2 rows\)",
    ):
        publish_warehouse(target, _tables(), partitioned=[_flows(tmp_path / "parts", doubled)])
    assert not target.exists()

    second_vintage = {**_flow("2025-05", "USA", 1), "release_id": "online_query:2025-05:2026-02-02"}
    two_latest = _ALL | {"2025-05": [*_month_rows("2025-05"), second_vintage]}
    with pytest.raises(
        DuplicateKeyError,
        match=r"bi\.commodity_trade: more than one row for \(period, hs_code, partner_code, direction\) = "
        r"\('2025-05', '85171300', 'USA', 'export'\) \(2 rows\)",
    ):
        publish_warehouse(target, _tables(), partitioned=[_flows(tmp_path / "parts", two_latest)])
    assert not target.exists()
    assert _leftovers(tmp_path) == []


def test_a_partition_whose_file_disagrees_with_its_row_count_publishes_nothing(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    target, _ = published
    before = _sha256(target)
    flows = _flows(tmp_path / "parts", _ALL | {"2025-05": _month_rows("2025-05", scale=3)})
    miscounted = dataclasses.replace(flows.partitions["2025-05"], row_count=5)
    wrong = PartitionedTable(FACT_TRADE_FLOWS, {**flows.partitions, "2025-05": miscounted})

    with pytest.raises(
        PublishError,
        match=r"core\.fact_trade_flows: 6 rows in the new file, 9 recorded in meta\.build_partitions",
    ):
        publish_warehouse(target, _tables(), partitioned=[wrong])

    assert _sha256(target) == before


def test_a_table_given_twice_or_a_rendered_table_is_refused(tmp_path: Path) -> None:
    flows = _flows(tmp_path / "parts", _ALL)
    with pytest.raises(
        PublishError, match=r"given both as a frame and as partitions: \['core\.fact_trade_flows'\]"
    ):
        publish_warehouse(tmp_path / "w.duckdb", sample_tables(), partitioned=[flows])
    with pytest.raises(PublishError, match=r"meta\.build_partitions is rendered from the contracts"):
        publish_warehouse(
            tmp_path / "w.duckdb", _tables() | {META_BUILD_PARTITIONS: META_BUILD_PARTITIONS.empty_frame()}
        )
    assert not (tmp_path / "w.duckdb").exists()


_INCREMENTAL_STEPS = [
    "build",
    *[f"load:{c.qualified_name}" for c in WAREHOUSE_TABLES],
    "views",
    "check",
    "checkpoint",
    "parquet",
    "swap",
]


@pytest.mark.parametrize("step", _INCREMENTAL_STEPS)
def test_a_failure_at_any_step_of_an_incremental_publish_leaves_the_old_warehouse(
    step: str, published: tuple[Path, Path], tmp_path: Path
) -> None:
    target, parquet = published
    before = _sha256(target)
    parquet_before = {p.relative_to(parquet): _sha256(p) for p in parquet.rglob("*") if p.is_file()}
    flows = _flows(tmp_path / "parts", _ALL | {"2025-04": _month_rows("2025-04", scale=2)}, run_id="run-2")
    steps: list[str] = []

    def fault(current: str) -> None:
        steps.append(current)
        _fail_at(step)(current)

    with pytest.raises(InjectedFaultError, match=step):
        publish_warehouse(target, _tables(1), partitioned=[flows], parquet_dir=parquet, fault=fault)

    assert steps[-1] == step
    assert _sha256(target) == before
    assert _query(target, "SELECT sum(value_usd) FROM core.fact_trade_flows") == [(15_000_000,)]
    assert {p.relative_to(parquet): _sha256(p) for p in parquet.rglob("*") if p.is_file()} == parquet_before
    assert _leftovers(target.parent) == []
    assert [p for p in parquet.rglob("*") if ".tmp-" in p.name] == []
    # The same publish without the fault is incremental: the path the fault interrupted.
    assert publish_warehouse(target, _tables(1), partitioned=[flows], parquet_dir=parquet).incremental


def test_readers_see_the_old_or_a_new_warehouse_during_incremental_publishes(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    publish_warehouse(target, _tables(0), partitioned=[_flows(tmp_path / "parts", _ALL)])
    versions = [1, 2, 3]
    expected = {v: {"count": 6, "sum": _exports_sum(v)} for v in [0, *versions]}
    stop = tmp_path / "stop"
    # The reader's arguments as test_publish passes them: its later reads go to a file (never a full pipe).
    result_files = {mode: tmp_path / f"{mode}.jsonl" for mode in ("fresh", "held")}
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", _READER, str(target), mode, str(stop), str(os.getpid()), str(results)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for mode, results in result_files.items()
    }
    try:
        first = {mode: json.loads(proc.stdout.readline()) for mode, proc in readers.items()}  # type: ignore[union-attr]
        for version in versions:
            months = _ALL | {_MONTHS[version - 1]: _month_rows(_MONTHS[version - 1], scale=version + 1)}
            result = publish_warehouse(
                target, _tables(version), partitioned=[_flows(tmp_path / "parts", months, f"run-{version}")]
            )
            assert result.incremental, result.rebuilt_because
        stop.touch()
        for proc in readers.values():
            # A bound for a hung reader only: a reader stops within one read of the stop file.
            proc.communicate(timeout=READER_HANG_BOUND_SECONDS)
    finally:
        for proc in readers.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    assert all(proc.returncode == 0 for proc in readers.values())
    version_of = {json.dumps(result, sort_keys=True): v for v, result in expected.items()}
    for mode in readers:
        seen = [first[mode], *map(json.loads, result_files[mode].read_text().splitlines())]
        assert [r for r in seen if "error" in r] == [], mode
        versions_seen = [version_of[json.dumps(r, sort_keys=True)] for r in seen]
        assert versions_seen == sorted(versions_seen), mode
        assert versions_seen[-1] == (versions[-1] if mode == "fresh" else 0)


def test_an_incrementally_published_file_opens_in_the_duckdb_1_5_cli(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    cli = _duckdb_cli()
    target, _ = published
    flows = _flows(tmp_path / "parts", _ALL | {"2025-05": _month_rows("2025-05", scale=2)}, run_id="run-2")
    assert publish_warehouse(target, _tables(), partitioned=[flows]).incremental

    run = subprocess.run(
        [
            str(cli),
            "-readonly",
            "-json",
            str(target),
            "-c",
            "SELECT period, CAST(sum(value_usd) AS BIGINT) AS value_usd FROM bi.commodity_trade"
            " GROUP BY period ORDER BY period",
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [
        {"period": "2025-03", "value_usd": 5_000_000},
        {"period": "2025-04", "value_usd": 5_000_000},
        {"period": "2025-05", "value_usd": 10_000_000},
    ]


def test_bi_exports_only_the_changed_periods_of_a_partitioned_view(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    target, parquet = published
    folder = parquet / BI_COMMODITY_TRADE.name
    assert BI_COMMODITY_TRADE in PARTITIONED_VIEWS
    before = {p.name: (p.stat().st_ino, _sha256(p)) for p in folder.glob("*.parquet")}
    assert sorted(before) == [f"{m}.parquet" for m in _MONTHS]
    months = {"2025-03": _ALL["2025-03"], "2025-04": _month_rows("2025-04", scale=2)}  # 2025-05 removed
    flows = _flows(tmp_path / "parts", months, run_id="run-2")

    result = publish_warehouse(target, _tables(), partitioned=[flows], parquet_dir=parquet)

    written = sorted(p.relative_to(parquet).as_posix() for p in result.parquet_files if p.parent == folder)
    assert written == ["commodity_trade/2025-04.parquet", f"commodity_trade/{MANIFEST_NAME}"]
    after = {p.name: (p.stat().st_ino, _sha256(p)) for p in folder.glob("*.parquet")}
    assert sorted(after) == ["2025-03.parquet", "2025-04.parquet"]
    assert after["2025-03.parquet"] == before["2025-03.parquet"]  # the same file, untouched
    assert after["2025-04.parquet"][1] != before["2025-04.parquet"][1]
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert manifest[PARQUET_SOURCE_KEY] == result.warehouse_identity
    with duckdb.connect(str(target), read_only=True) as con:
        expected = con.sql(f"SELECT * FROM {BI_COMMODITY_TRADE.qualified_name}").pl()
    assert_frame_equal(pl.read_parquet(folder / "*.parquet"), expected)
    assert heal_published(target, parquet).messages() == []  # bi/ agrees with the new warehouse


def test_heal_exports_a_partitioned_view_again_when_a_period_file_is_missing(
    published: tuple[Path, Path],
) -> None:
    target, parquet = published
    folder = parquet / BI_COMMODITY_TRADE.name
    (folder / "2025-04.parquet").unlink()

    report = heal_published(target, parquet)

    assert sorted(p.name for p in report.reexported if p.parent == folder) == [
        "2025-04.parquet",
        MANIFEST_NAME,
    ]
    assert sorted(p.name for p in folder.glob("*.parquet")) == [f"{m}.parquet" for m in _MONTHS]
    assert heal_published(target, parquet).messages() == []
