"""Building and publishing the DuckDB warehouse: real DuckDB, real polars, tiny literal frames."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from warehouse.contracts import ContractError, TableContract, describe
from warehouse.dictionary import data_dictionary_frame
from warehouse.publish import (
    MANIFEST_NAME,
    PARQUET_SOURCE_KEY,
    PARTITIONED_VIEWS,
    READ_ONLY_MODE,
    RENDERED_TABLES,
    STORAGE_VERSION,
    DuplicateKeyError,
    PublishError,
    PublishResult,
    drift_report,
    heal_published,
    publish_warehouse,
    sweep_leftovers,
    table_content_hashes,
    warehouse_identity,
)
from warehouse.tables import (
    BI_MONTHLY_TRADE,
    BI_VIEWS,
    BRIDGE_PARTNER_GROUP,
    DIM_COMMODITY,
    DIM_PARTNER,
    DIM_PERIOD,
    DIM_TRADE_MODE,
    FACT_PARTNER_TRADE,
    FACT_TRADE_FLOWS,
    FACT_TRADE_MODE,
    FACT_TRADE_SURPLUS,
    META_DATA_DICTIONARY,
    META_RELEASE_FILES,
    META_RELEASES,
    META_RUNS,
    WAREHOUSE_TABLES,
)

ALL_OBJECTS = (*WAREHOUSE_TABLES, *BI_VIEWS)
UTC = dt.UTC


# --- tiny warehouse contents ------------------------------------------------------------------------
def _frame(contract: TableContract, rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """A frame of the contract's schema; columns a row leaves out are null."""
    return pl.DataFrame(rows, schema=contract.polars_schema())


_PERIODS = {  # period -> (period_start, months_covered)
    "2024-12": (dt.date(2024, 12, 1), 1),
    "2025-01..02": (dt.date(2025, 1, 1), 2),
}
_PARTNERS = {"WLD": 10, "USA": 3, "EU": 2}  # partner -> share of the world's exports, in tenths
_RELEASE = "preliminary:2025-01..02:2025-03-07"


def sample_tables(version: int = 0) -> dict[TableContract, pl.DataFrame]:
    """A small valid frame for every warehouse table; `version` scales the surplus figures.

    Every BI view returns rows: 2 periods x 3 partners (WLD, USA, EU) in the surplus fact, one
    December so `bi.annual_trade` has a year, one latest-vintage commodity flow. A table added to
    the contracts later gets an empty frame, so the helper keeps up with the declarations.
    """
    empty = {c: c.empty_frame() for c in WAREHOUSE_TABLES if c not in RENDERED_TABLES}
    scale = version + 1
    surplus = []
    for period, (start, months) in _PERIODS.items():
        for partner, tenths in _PARTNERS.items():
            exports, imports = 300_000_000_000 * tenths * scale // 10, 200_000_000_000 * tenths // 10
            surplus.append(
                {
                    "period": period,
                    "period_start": start,
                    "months_covered": months,
                    "partner_code": partner,
                    "is_group": partner != "USA",
                    "release_id": _RELEASE,
                    "exports_usd": exports,
                    "imports_usd": imports,
                    "balance_usd": exports - imports,
                    "exports_cny": exports * 7,
                    "imports_cny": imports * 7,
                    "balance_cny": (exports - imports) * 7,
                    "exports_ytd_usd": exports * 12 if period == "2024-12" else exports,
                    "imports_ytd_usd": imports * 12 if period == "2024-12" else imports,
                    "balance_ytd_usd": (exports - imports) * 12 if period == "2024-12" else exports - imports,
                    "exports_yoy_pct": 5.5 + version,
                    "imports_yoy_pct": None,  # a measure the releases do not give is NULL, never 0
                    "share_of_total_balance_pct": 100.0 * tenths / 10,
                    "value_source": "published",
                }
            )
    return empty | {
        DIM_PARTNER: _frame(
            DIM_PARTNER,
            [
                {"partner_code": "WLD", "partner_name": "World", "partner_name_zh": "总值", "is_group": True},
                {
                    "partner_code": "USA",
                    "gacc_code": "502",
                    "iso_alpha3": "USA",
                    "partner_name": "United States",
                }
                | {"partner_name_zh": "美国", "continent": "North America", "is_group": False},
                {
                    "partner_code": "EU",
                    "partner_name": "European Union",
                    "partner_name_zh": "欧盟",
                    "is_group": True,
                },
            ],
        ),
        BRIDGE_PARTNER_GROUP: _frame(
            BRIDGE_PARTNER_GROUP,
            [{"group_code": "EU", "member_code": "DEU", "valid_from": "1993-11", "valid_to": None}],
        ),
        DIM_PERIOD: _frame(
            DIM_PERIOD,
            [
                {"period": "2024-12", "period_start": dt.date(2024, 12, 1), "year": 2024, "first_month": 12}
                | {"last_month": 12, "months_covered": 1, "is_combined": False, "period_kind": "month"},
                {"period": "2025-01..02", "period_start": dt.date(2025, 1, 1), "year": 2025, "first_month": 1}
                | {
                    "last_month": 2,
                    "months_covered": 2,
                    "is_combined": True,
                    "period_kind": "jan_feb_combined",
                },
            ],
        ),
        DIM_COMMODITY: _frame(
            DIM_COMMODITY,
            [
                {"commodity_code": "85171300", "commodity_name": "Mobile phones", "hs_chapter": "85"}
                | {"commodity_code_kind": "hs8"}
            ],
        ),
        FACT_PARTNER_TRADE: _frame(
            FACT_PARTNER_TRADE,
            [
                {"release_id": _RELEASE, "product": "preliminary", "published_on": dt.date(2025, 3, 7)}
                | {"period": "2025-01..02", "period_start": dt.date(2025, 1, 1), "months_covered": 2}
                | {
                    "partner_code": "WLD",
                    "is_group": True,
                    "direction": "export",
                    "value_usd": 539_940_000_000,
                }
                | {"is_latest_vintage": True, "vintage_source": "preliminary", "value_source": "published"}
            ],
        ),
        FACT_TRADE_FLOWS: _frame(
            FACT_TRADE_FLOWS,
            [
                {"release_id": _RELEASE, "product": "preliminary", "period": "2025-01..02"}
                | {"period_start": dt.date(2025, 1, 1), "months_covered": 2, "direction": "export"}
                | {"commodity_code": "85171300", "commodity_name": "Mobile phones", "partner_code": "WLD"}
                | {"quantity_unit": "10,000 units", "quantity": 12.5, "value_usd": 20_000_000_000}
                | {"quantity_base_unit": "unit", "quantity_base": 125_000.0}
                | {"is_aggregate": False, "is_restatement": False, "is_latest_vintage": True}
                | {"vintage_source": "preliminary"},
                # An older vintage: kept in the fact, hidden by the view.
                {"release_id": "preliminary:2025-01..02:2025-03-01", "product": "preliminary"}
                | {"period": "2025-01..02", "period_start": dt.date(2025, 1, 1), "months_covered": 2}
                | {"direction": "export", "commodity_code": "85171300", "partner_code": "WLD"}
                | {"value_usd": 19_000_000_000, "is_aggregate": False, "is_restatement": False}
                | {"is_latest_vintage": False, "vintage_source": "preliminary"},
            ],
        ),
        DIM_TRADE_MODE: _frame(
            DIM_TRADE_MODE,
            [
                {"trade_mode_code": "ORDINARY", "trade_mode": "Ordinary trade", "trade_mode_zh": "一般贸易"}
                | {"is_processing_trade": False, "is_aggregate": False}
            ],
        ),
        FACT_TRADE_MODE: _frame(
            FACT_TRADE_MODE,
            [
                {"release_id": _RELEASE, "product": "preliminary", "published_on": dt.date(2025, 3, 7)}
                | {"period": "2025-01..02", "period_start": dt.date(2025, 1, 1), "months_covered": 2}
                | {"trade_mode_code": "ORDINARY", "direction": "export", "value_usd": 350_000_000_000}
                | {"is_latest_vintage": True, "vintage_source": "preliminary", "value_source": "published"}
            ],
        ),
        FACT_TRADE_SURPLUS: _frame(FACT_TRADE_SURPLUS, surplus),
        META_RELEASES: _frame(
            META_RELEASES,
            [
                {"release_id": _RELEASE, "product": "preliminary", "period": "2025-01..02"}
                | {
                    "published_on": dt.date(2025, 3, 7),
                    "retrieved_at": dt.datetime(2025, 3, 7, 3, tzinfo=UTC),
                }
                | {"file_count": 2, "is_latest_vintage": True, "status": "published"}
            ],
        ),
        META_RELEASE_FILES: _frame(
            META_RELEASE_FILES,
            [
                {"release_id": _RELEASE, "source_sha256": "ab" * 32, "source_uri": "demo://totals.html"}
                | {"parser_version": "1"}
            ],
        ),
        META_RUNS: _frame(
            META_RUNS,
            [
                {
                    "run_id": "run-1",
                    "started_at": dt.datetime(2025, 3, 7, 3, tzinfo=UTC),
                    "status": "published",
                }
                | {"source": "demo", "code_version": "0.1.0"}
            ],
        ),
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if ".building-" in p.name or ".tmp-" in p.name)


def _files(directory: Path) -> dict[str, str]:
    """Every file under `directory` (a per-period view is a folder) -> its SHA-256."""
    return {str(p.relative_to(directory)): _sha256(p) for p in sorted(directory.rglob("*")) if p.is_file()}


def _bi_files(parquet: Path, periods: Sequence[str] = ("2025-01..02",)) -> list[Path]:
    """The files of `bi/`: one per view, a folder of one per period (and its manifest) for a partitioned view."""
    files: list[Path] = []
    for view in BI_VIEWS:
        if view in PARTITIONED_VIEWS:
            files += [parquet / view.name / f"{p}.parquet" for p in periods]
            files.append(parquet / view.name / MANIFEST_NAME)
        else:
            files.append(parquet / f"{view.name}.parquet")
    return sorted(files)


def _view_frame(parquet: Path, view: TableContract) -> pl.DataFrame:
    if view in PARTITIONED_VIEWS:
        return pl.read_parquet(parquet / view.name / "*.parquet")
    return pl.read_parquet(parquet / f"{view.name}.parquet")


# A published warehouse and its Parquet export, built once; tests copy it rather than publish again.
@pytest.fixture(scope="module")
def published_v0(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, PublishResult]:
    root = tmp_path_factory.mktemp("published")
    result = publish_warehouse(root / "warehouse.duckdb", sample_tables(0), parquet_dir=root / "parquet")
    return root / "warehouse.duckdb", root / "parquet", result


@pytest.fixture
def warehouse_copy(published_v0: tuple[Path, Path, PublishResult], tmp_path: Path) -> tuple[Path, Path]:
    target, parquet, _ = published_v0
    shutil.copy2(target, tmp_path / target.name)
    shutil.copytree(parquet, tmp_path / "parquet")
    return tmp_path / target.name, tmp_path / "parquet"


# --- what a publish creates ---------------------------------------------------------------------------
def test_publish_creates_the_declared_schemas_tables_and_views(
    published_v0: tuple[Path, Path, PublishResult],
) -> None:
    target, _, result = published_v0
    schemas = {s for (s,) in _query(target, "SELECT schema_name FROM duckdb_schemas() WHERE NOT internal")}
    assert {"core", "meta", "bi"} <= schemas

    columns = _query(
        target,
        "SELECT table_schema || '.' || table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema IN ('core', 'meta', 'bi') ORDER BY table_schema, table_name, ordinal_position",
    )
    found: dict[str, list[str]] = {}
    for name, column, _ in columns:
        found.setdefault(name, []).append(column)
    assert found == {c.qualified_name: c.column_names for c in ALL_OBJECTS}

    kinds = dict(
        _query(
            target,
            "SELECT table_schema || '.' || table_name, table_type FROM information_schema.tables "
            "WHERE table_schema IN ('core', 'meta', 'bi')",
        )
    )
    assert kinds == {c.qualified_name: "VIEW" if c.kind == "view" else "BASE TABLE" for c in ALL_OBJECTS}
    assert result.path == target
    assert result.row_counts[FACT_TRADE_SURPLUS.qualified_name] == 6
    assert result.row_counts[META_DATA_DICTIONARY.qualified_name] == data_dictionary_frame().height
    assert result.row_counts[BI_MONTHLY_TRADE.qualified_name] == 2
    assert result.elapsed_seconds >= 0
    assert result.storage_version == STORAGE_VERSION


def test_tables_views_and_columns_carry_their_comments(
    published_v0: tuple[Path, Path, PublishResult],
) -> None:
    target, _, _ = published_v0
    object_comments = dict(
        _query(
            target,
            "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() "
            "UNION ALL SELECT schema_name || '.' || view_name, comment FROM duckdb_views() WHERE NOT internal",
        )
    )
    column_comments = {
        (name, column): comment
        for name, column, comment in _query(
            target, "SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns()"
        )
    }
    for c in ALL_OBJECTS:
        assert object_comments[c.qualified_name] == c.description
        for f in c.fields:
            assert column_comments[c.qualified_name, f.name] == describe(f)


def test_data_dictionary_table_holds_every_declared_column(
    published_v0: tuple[Path, Path, PublishResult],
) -> None:
    target, _, _ = published_v0
    con = duckdb.connect(str(target), read_only=True)
    try:
        result = con.sql("SELECT * FROM meta.data_dictionary").pl()
    finally:
        con.close()
    expected = data_dictionary_frame()
    keys = ["object_schema", "object_name", "ordinal_position"]
    assert_frame_equal(result.sort(keys), expected.sort(keys))


def test_bi_views_show_the_latest_vintage(published_v0: tuple[Path, Path, PublishResult]) -> None:
    target, _, _ = published_v0
    monthly = _query(
        target, "SELECT period, months_covered, exports_usd, imports_yoy_pct FROM bi.monthly_trade"
    )
    assert monthly == [("2024-12", 1, 300_000_000_000, None), ("2025-01..02", 2, 300_000_000_000, None)]
    partners = _query(
        target, "SELECT partner_code, partner_name FROM bi.partner_trade WHERE period = '2024-12'"
    )
    assert partners == [("EU", "European Union"), ("USA", "United States"), ("WLD", "World")]
    # Only the latest of the two vintages of the commodity flow.
    assert _query(target, "SELECT hs_code, value_usd FROM bi.commodity_trade") == [
        ("85171300", 20_000_000_000)
    ]
    annual = _query(
        target, "SELECT year, partner_code, balance_usd FROM bi.annual_trade WHERE partner_code = 'WLD'"
    )
    assert annual == [(2024, "WLD", 1_200_000_000_000)]


def test_the_steps_are_announced_in_order(tmp_path: Path) -> None:
    steps: list[str] = []
    publish_warehouse(
        tmp_path / "warehouse.duckdb", sample_tables(), parquet_dir=tmp_path / "parquet", fault=steps.append
    )
    loads = [f"load:{c.qualified_name}" for c in WAREHOUSE_TABLES]
    assert steps == ["build", *loads, "views", "check", "checkpoint", "parquet", "swap", "rename-parquet"]
    assert _leftovers(tmp_path) == []


def test_republishing_the_same_frames_gives_the_same_contents(
    published_v0: tuple[Path, Path, PublishResult], tmp_path: Path
) -> None:
    first, _, _ = published_v0
    again = publish_warehouse(tmp_path / "again.duckdb", sample_tables(0)).path
    other = publish_warehouse(tmp_path / "other.duckdb", sample_tables(1)).path

    result = table_content_hashes(again)
    assert set(result) == {c.qualified_name for c in ALL_OBJECTS}
    assert result == table_content_hashes(first)
    changed = {name for name, digest in table_content_hashes(other).items() if digest != result[name]}
    # Version 1 changes the surplus figures only, and so every view built on them.
    assert changed == {
        FACT_TRADE_SURPLUS.qualified_name,
        "bi.monthly_trade",
        "bi.partner_trade",
        "bi.trade_surplus",
        "bi.annual_trade",
    }


# --- the storage version: readable by DuckDB 1.x clients ----------------------------------------------
def _duckdb_cli() -> Path:
    cli = Path(sys.executable).parent / "duckdb"
    if not cli.exists():
        pytest.skip(f"no DuckDB CLI at {cli}: install the dev extra (duckdb-cli==1.5.6) to run this test")
    return cli


def test_published_file_opens_in_the_duckdb_1_5_cli(published_v0: tuple[Path, Path, PublishResult]) -> None:
    cli = _duckdb_cli()
    target, _, _ = published_v0
    run = subprocess.run(
        [
            str(cli),
            "-readonly",
            "-json",
            str(target),
            "-c",
            "SELECT period, exports_usd FROM bi.monthly_trade",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [
        {"period": "2024-12", "exports_usd": 300_000_000_000},
        {"period": "2025-01..02", "exports_usd": 300_000_000_000},
    ]
    tags = _query(
        target, "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'warehouse'"
    )
    assert tags == [(f"{STORAGE_VERSION}+",)]


def test_a_file_in_duckdb_2_default_storage_is_refused_by_the_1_5_cli(tmp_path: Path) -> None:
    """The control for the test above: without STORAGE_VERSION the 1.5 CLI cannot read the file."""
    cli = _duckdb_cli()
    path = tmp_path / "default.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    run = subprocess.run(
        [str(cli), "-readonly", str(path), "-c", "SELECT a FROM t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "version number 69" in run.stderr + run.stdout


# --- drift ------------------------------------------------------------------------------------------
def test_no_drift_after_publish(published_v0: tuple[Path, Path, PublishResult]) -> None:
    assert drift_report(published_v0[0]) == []


def test_drift_report_names_every_change(warehouse_copy: tuple[Path, Path]) -> None:
    path, _ = warehouse_copy
    path.chmod(0o640)  # published read-only; this test edits its copy in place
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE core.dim_partner ADD COLUMN nickname VARCHAR")
    con.execute("ALTER TABLE core.dim_period ALTER COLUMN year TYPE VARCHAR")
    con.execute("ALTER TABLE meta.runs DROP COLUMN message")
    con.execute("DROP VIEW bi.annual_trade")
    con.execute("CREATE TABLE core.scratch (a INTEGER)")
    con.close()

    result = drift_report(path)
    assert result == [
        "core.scratch: table in the file but not declared",
        "core.dim_partner: extra column nickname (VARCHAR) not declared",
        "core.dim_period.year: type VARCHAR in the file, declared BIGINT",
        "meta.runs: missing column message (VARCHAR)",
        "bi.annual_trade: declared view missing from the file",
    ]


def test_drift_report_names_a_wrong_column_order_and_nullability(tmp_path: Path) -> None:
    path = tmp_path / "hand_made.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.dim_commodity (commodity_name VARCHAR, commodity_code VARCHAR, "
        "direction VARCHAR NOT NULL, hs_heading VARCHAR, hs_chapter VARCHAR, "
        "commodity_code_kind VARCHAR NOT NULL, commodity_name_en VARCHAR, commodity_name_zh VARCHAR)"
    )
    con.close()

    result = drift_report(path, [DIM_COMMODITY])
    assert result == [
        "core.dim_commodity.commodity_code: nullable in the file, declared NOT NULL",
        "core.dim_commodity.direction: NOT NULL in the file, declared nullable",
        "core.dim_commodity: column order ['commodity_name', 'commodity_code', 'direction', 'hs_heading', "
        "'hs_chapter', 'commodity_code_kind', 'commodity_name_en', 'commodity_name_zh'] in the file, "
        "declared ['commodity_code', 'commodity_name', 'direction', 'hs_heading', 'hs_chapter', "
        "'commodity_code_kind', 'commodity_name_en', 'commodity_name_zh']",
    ]


# --- failures leave the published warehouse as it was ------------------------------------------------
class InjectedFaultError(RuntimeError):
    pass


def _fail_at(step: str) -> Callable[[str], None]:
    def fault(current: str) -> None:
        if current == step:
            raise InjectedFaultError(step)

    return fault


_STEPS = [
    "build",
    *[f"load:{c.qualified_name}" for c in WAREHOUSE_TABLES],
    "views",
    "check",
    "checkpoint",
    "parquet",
    "swap",
]


@pytest.mark.parametrize("step", _STEPS)
def test_a_failure_at_any_step_leaves_the_old_warehouse(step: str, warehouse_copy: tuple[Path, Path]) -> None:
    target, parquet = warehouse_copy
    before = _sha256(target)
    parquet_before = _files(parquet)

    with pytest.raises(InjectedFaultError, match=step):
        publish_warehouse(target, sample_tables(1), parquet_dir=parquet, fault=_fail_at(step))

    assert _sha256(target) == before
    assert _query(target, "SELECT sum(exports_usd) FROM bi.monthly_trade") == [
        (600_000_000_000,)
    ]  # still opens
    assert _files(parquet) == parquet_before
    assert _leftovers(target.parent) == []
    assert _leftovers(parquet) == []


def test_a_duplicate_primary_key_names_the_table_and_publishes_nothing(
    warehouse_copy: tuple[Path, Path],
) -> None:
    target, _ = warehouse_copy
    before = _sha256(target)
    tables = sample_tables(1)
    tables[DIM_PARTNER] = pl.concat([tables[DIM_PARTNER], tables[DIM_PARTNER].head(1)])

    with pytest.raises(DuplicateKeyError, match=r"core\.dim_partner: duplicate primary key \(partner_code\)"):
        publish_warehouse(target, tables)

    assert _sha256(target) == before
    assert _leftovers(target.parent) == []


def test_a_frame_that_breaks_its_contract_publishes_nothing(warehouse_copy: tuple[Path, Path]) -> None:
    target, _ = warehouse_copy
    before = _sha256(target)
    tables = sample_tables(1)
    tables[DIM_PERIOD] = tables[DIM_PERIOD].with_columns(period=pl.lit(None, pl.String))

    with pytest.raises(ContractError, match=r"core\.dim_period: nulls in non-nullable columns"):
        publish_warehouse(target, tables)

    assert _sha256(target) == before
    assert _leftovers(target.parent) == []


def test_every_table_must_be_given_and_the_dictionary_is_not(tmp_path: Path) -> None:
    tables = sample_tables()
    del tables[META_RUNS]
    with pytest.raises(PublishError, match=r"no frame given for \['meta\.runs'\]"):
        publish_warehouse(tmp_path / "w.duckdb", tables)

    tables = sample_tables() | {META_DATA_DICTIONARY: data_dictionary_frame()}
    with pytest.raises(PublishError, match="rendered from the contracts"):
        publish_warehouse(tmp_path / "w.duckdb", tables)
    assert list(tmp_path.iterdir()) == []


# --- a stale WAL ------------------------------------------------------------------------------------
_CRASHING_WRITER = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("INSERT INTO meta.runs (run_id, started_at, status) VALUES ('crashed', now(), 'running')")
os._exit(0)  # no close, no checkpoint: the committed insert stays in the WAL, as after a crash
"""


def test_a_stale_wal_is_removed_so_the_new_file_opens(
    warehouse_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    target, _ = warehouse_copy
    subprocess.run([sys.executable, "-c", _CRASHING_WRITER, str(target)], check=True)
    wal = Path(f"{target}.wal")
    assert wal.exists(), "the crashed writer should have left a WAL"

    # The control: the stale WAL beside a new file makes it unopenable, as the stack notes say.
    probe = publish_warehouse(tmp_path / "probe" / "probe.duckdb", sample_tables(1)).path
    shutil.copy2(wal, f"{probe}.wal")
    with pytest.raises(duckdb.Error, match="replaying WAL file"):
        _query(probe, "SELECT 1")

    result = publish_warehouse(target, sample_tables(1))

    assert not wal.exists()
    # Kept, not deleted: it holds what the crashed client wrote.
    assert [p.name.split("-")[0] for p in result.moved_aside] == ["warehouse.duckdb.wal.stray"]
    assert result.moved_aside[0].parent == target.parent
    assert _query(target, "SELECT run_id FROM meta.runs") == [("run-1",)]
    assert _query(target, "SELECT sum(exports_usd) FROM core.fact_trade_surplus") == [(_exports_sum(1),)]


# --- readers during a publish -------------------------------------------------------------------------
def _exports_sum(version: int) -> int:
    return int(sample_tables(version)[FACT_TRADE_SURPLUS]["exports_usd"].sum())


_READER = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    import duckdb

    path, mode, stop, parent, results = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    query = "SELECT count(*), sum(exports_usd) FROM core.fact_trade_surplus"
    held = duckdb.connect(path, read_only=True) if mode == "held" else None

    def read():
        con = held or duckdb.connect(path, read_only=True)  # "fresh": a new connection per query
        try:
            count, total = con.execute(query).fetchone()
            return {"count": count, "sum": int(total)}
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            if held is None:
                con.close()

    print(json.dumps(read()), flush=True)  # the first read, on stdout, doubles as "ready"
    # The later reads go to a file, not the pipe: a full pipe would stop the reader during the publishes.
    # It reads until the test says the last publish is done, however long the publishes take: no count
    # and no clock decides when to stop. A reader whose test died (it is re-parented) stops too.
    with open(results, "w") as out:
        while not stop.exists() and os.getppid() == parent:
            print(json.dumps(read()), file=out)
        print(json.dumps(read()), file=out)  # one read after the last publish
    """
)


READER_HANG_BOUND_SECONDS = 600


def test_readers_see_the_old_or_a_new_warehouse_never_an_error(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    publish_warehouse(target, sample_tables(0))
    versions = [1, 2, 3]
    expected = {v: {"count": 6, "sum": _exports_sum(v)} for v in [0, *versions]}
    stop = tmp_path / "stop"
    result_files = {mode: tmp_path / f"{mode}.jsonl" for mode in ("fresh", "held")}

    readers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                "-c",
                _READER,
                str(target),
                mode,
                str(stop),
                str(os.getpid()),
                str(result_files[mode]),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for mode in result_files
    }
    try:
        first = {mode: json.loads(proc.stdout.readline()) for mode, proc in readers.items()}  # type: ignore[union-attr]
        for version in versions:
            publish_warehouse(target, sample_tables(version))
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
    seen = {
        mode: [first[mode], *map(json.loads, result_files[mode].read_text().splitlines())] for mode in readers
    }
    version_of = {json.dumps(result, sort_keys=True): v for v, result in expected.items()}
    for mode, results in seen.items():
        errors = [r for r in results if "error" in r]
        assert errors == [], f"{mode} reader: {errors[:3]}"
        unknown = [r for r in results if json.dumps(r, sort_keys=True) not in version_of]
        assert unknown == [], f"{mode} reader saw contents no publish wrote: {unknown[:3]}"

    fresh = [version_of[json.dumps(r, sort_keys=True)] for r in seen["fresh"]]
    assert fresh == sorted(fresh), "a new connection never goes back to an older warehouse"
    assert fresh[0] == 0
    assert fresh[-1] == versions[-1]
    # A connection held across the swaps keeps reading the file it opened.
    assert {version_of[json.dumps(r, sort_keys=True)] for r in seen["held"]} == {0}


# --- Parquet ----------------------------------------------------------------------------------------
def test_parquet_export_writes_one_file_per_view_with_the_view_rows(
    published_v0: tuple[Path, Path, PublishResult],
) -> None:
    target, parquet, result = published_v0
    assert sorted(p for p in parquet.rglob("*") if p.is_file()) == _bi_files(parquet)
    assert sorted(result.parquet_files) == _bi_files(parquet)
    con = duckdb.connect(str(target), read_only=True)
    try:
        for view in BI_VIEWS:
            expected = con.sql(f"SELECT * FROM {view.qualified_name}").pl()
            result_frame = _view_frame(parquet, view)
            assert_frame_equal(result_frame, expected)
            assert result_frame.height > 0, view.qualified_name
    finally:
        con.close()


def test_parquet_files_are_replaced_by_the_next_publish(warehouse_copy: tuple[Path, Path]) -> None:
    target, parquet = warehouse_copy
    publish_warehouse(target, sample_tables(2), parquet_dir=parquet)
    result = pl.read_parquet(parquet / "monthly_trade.parquet")["exports_usd"].to_list()
    assert result == [900_000_000_000, 900_000_000_000]
    assert _leftovers(parquet) == []


def test_published_files_are_read_only_on_disk_and_parquet_names_the_warehouse_it_came_from(
    published_v0: tuple[Path, Path, PublishResult],
) -> None:
    target, _, result = published_v0
    assert target.stat().st_mode & 0o777 == READ_ONLY_MODE
    assert result.warehouse_identity == warehouse_identity(target)
    for path in result.parquet_files:
        assert path.stat().st_mode & 0o777 == READ_ONLY_MODE
        if path.name == MANIFEST_NAME:
            assert json.loads(path.read_text())[PARQUET_SOURCE_KEY] == result.warehouse_identity
            continue
        kv = _query(
            target, f"SELECT value FROM parquet_kv_metadata('{path}') WHERE key = '{PARQUET_SOURCE_KEY}'"
        )
        assert kv == [(result.warehouse_identity.encode(),)]


def test_the_identity_follows_the_file_not_its_path(
    warehouse_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    """What `bi/` records instead of a SHA-256 of the whole file: a copy that keeps the file's times is the
    same file, a write in place (same size) or the next publish is not, and heal then reads it whole."""
    target, parquet = warehouse_copy
    identity = warehouse_identity(target)
    kept = tmp_path / "kept.duckdb"
    shutil.copy2(target, kept)
    assert warehouse_identity(kept) == identity
    assert heal_published(target, parquet).messages() == []

    target.chmod(0o640)
    with target.open("r+b") as handle:  # one byte of a data block, the size unchanged
        handle.seek(target.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(byte)
    assert warehouse_identity(target) != identity
    report = heal_published(target, parquet)
    assert sorted(report.reexported) == _bi_files(parquet)  # read whole, and bi/ exported from it again

    republished = publish_warehouse(target, sample_tables(1), parquet_dir=parquet)
    assert republished.warehouse_identity == warehouse_identity(target) != identity


def test_a_read_only_published_file_is_replaced_by_the_next_publish(
    warehouse_copy: tuple[Path, Path],
) -> None:
    target, parquet = warehouse_copy
    assert target.stat().st_mode & 0o777 == READ_ONLY_MODE  # copy2 keeps the mode
    publish_warehouse(target, sample_tables(1), parquet_dir=parquet)
    assert _query(target, "SELECT sum(exports_usd) FROM core.fact_trade_surplus") == [(_exports_sum(1),)]


# --- healing at a run's start -----------------------------------------------------------------------
def test_heal_does_nothing_when_the_warehouse_and_bi_agree(warehouse_copy: tuple[Path, Path]) -> None:
    target, parquet = warehouse_copy
    before = (_sha256(target), _files(parquet))
    report = heal_published(target, parquet)
    assert report.messages() == []
    assert (_sha256(target), _files(parquet)) == before


def test_heal_exports_bi_again_when_it_is_one_publish_behind(warehouse_copy: tuple[Path, Path]) -> None:
    target, parquet = warehouse_copy
    stale = _files(parquet)
    # A publish that died after the warehouse swap, before the Parquet renames.
    with pytest.raises(InjectedFaultError, match="rename-parquet"):
        publish_warehouse(target, sample_tables(2), parquet_dir=parquet, fault=_fail_at("rename-parquet"))
    assert _files(parquet) == stale

    report = heal_published(target, parquet)

    # The flows were published whole (a frame): their periods carry no fingerprint, so all are exported.
    assert sorted(report.reexported) == _bi_files(parquet)
    assert report.messages() == [
        f"exported {len(_bi_files(parquet))} BI Parquet files again: they were not exported from the published "
        "warehouse as it is "
        "(a publish died between the warehouse swap and the Parquet renames, or the files predate the record "
        "of their source)"
    ]
    assert (
        pl.read_parquet(parquet / "monthly_trade.parquet")["exports_usd"].to_list() == [900_000_000_000] * 2
    )
    assert heal_published(target, parquet).messages() == []  # agreed now
    assert _leftovers(parquet) == []


def test_sweep_removes_leftovers_of_dead_processes_only(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    parquet = tmp_path / "bi"
    parquet.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    live_pid = os.getpid()
    names = {
        tmp_path / f"warehouse.duckdb.building-{dead_pid}-{'a' * 32}": False,
        tmp_path / f"warehouse.duckdb.building-{dead_pid}-{'a' * 32}.wal": False,
        tmp_path / f"warehouse.duckdb.building-{'b' * 32}": False,  # named before pids were part of it
        parquet / f"monthly_trade.parquet.tmp-{dead_pid}-{'c' * 32}": False,
        tmp_path / f"warehouse.duckdb.building-{live_pid}-{'d' * 32}": True,
        parquet / f"monthly_trade.parquet.tmp-{live_pid}-{'d' * 32}": True,
        tmp_path / "warehouse.duckdb.wal.stray-20260101T000000Z": True,  # kept aside on purpose
    }
    for path in names:
        path.write_bytes(b"x")

    swept = sweep_leftovers(target, parquet)

    assert sorted(swept) == sorted(p for p, kept in names.items() if not kept)
    assert {p for p in names if p.exists()} == {p for p, kept in names.items() if kept}


def test_heal_moves_an_unreadable_warehouse_aside(warehouse_copy: tuple[Path, Path]) -> None:
    target, parquet = warehouse_copy
    target.chmod(0o640)
    size = target.stat().st_size
    with target.open("r+b") as handle:
        handle.truncate(size // 2)

    report = heal_published(target, parquet)

    assert not target.exists()
    [(what, kept, why)] = report.moved_aside
    assert what == target
    assert kept.name.startswith("warehouse.duckdb.unreadable-")
    assert kept.stat().st_size == size // 2  # kept as it was
    assert why.startswith("it cannot be read (IO Error: Could not read enough bytes")
    [line] = report.messages()
    assert line.startswith(f"moved {target} aside to {kept.name}: it cannot be read")
