"""Faults around the publish, set up for real: a publishing process killed with SIGKILL at a named step, a
stray WAL left by a crashed BI client, a truncated warehouse, a BI tool holding the file read-write.

Each case asserts that nothing published is lost, that the next start heals what was left (leftovers
swept, `bi/` agreeing with the warehouse again) and that a problem is told in one line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fileio.lock import LOCK_NAME
from tests.unit.warehouse.test_publish import sample_tables
from warehouse.publish import (
    MANIFEST_NAME,
    PARQUET_SOURCE_KEY,
    PARTITIONED_VIEWS,
    READ_ONLY_MODE,
    WarehouseInUseError,
    heal_published,
    publish_warehouse,
    table_content_hashes,
    warehouse_identity,
)
from warehouse.tables import BI_VIEWS, FACT_TRADE_SURPLUS

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

# Publishes `version` of the sample tables and SIGKILLs itself when the publish announces `step`.
_KILLED_PUBLISHER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tests.unit.warehouse.test_publish import sample_tables
    from warehouse.publish import publish_warehouse

    target, parquet, version, step = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

    def fault(current):
        if current == step:
            os.kill(os.getpid(), signal.SIGKILL)

    publish_warehouse(target, sample_tables(version), parquet_dir=parquet, fault=fault)
    """
)

# Republishes the warehouse's own tables (same contents, a new file) and SIGKILLs itself at `step`.
_KILLED_REPUBLISHER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import duckdb
    from warehouse.publish import RENDERED_TABLES, publish_warehouse
    from warehouse.tables import WAREHOUSE_TABLES

    target, parquet, step = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    with duckdb.connect(str(target), read_only=True) as con:
        tables = {
            c: con.sql(f"SELECT * FROM {c.qualified_name}").pl()
            for c in WAREHOUSE_TABLES
            if c not in RENDERED_TABLES
        }

    def fault(current):
        if current == step:
            os.kill(os.getpid(), signal.SIGKILL)

    publish_warehouse(target, tables, parquet_dir=parquet, fault=fault)
    """
)

# A BI client that opened the file read-write, wrote, and crashed: its WAL stays behind.
_CRASHING_CLIENT = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("INSERT INTO meta.runs (run_id, started_at, status) VALUES ('bi-tool', now(), 'running')")
os._exit(0)
"""

# A BI tool holding the file read-write, querying in a loop until the stop file appears (bounded).
_READ_WRITE_HOLDER = """
import sys, time
from pathlib import Path
import duckdb
con = duckdb.connect(sys.argv[1])
stop = Path(sys.argv[2])
print("holding", flush=True)
for _ in range(600):
    if stop.exists():
        break
    con.execute("SELECT count(*) FROM meta.runs").fetchall()
    time.sleep(0.1)
con.close()
"""


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def _leftovers(*folders: Path) -> list[str]:
    found = {  # a set: bi/ may be inside another folder given
        p
        for folder in folders
        if folder.is_dir()
        for p in folder.rglob("*")
        if ".building-" in p.name or ".tmp-" in p.name
    }
    return sorted(p.name for p in found)


def _assert_bi_agrees(target: Path, parquet: Path) -> None:
    """Every BI Parquet file holds the view's rows of the warehouse and names the warehouse's identity."""
    identity = warehouse_identity(target)
    with duckdb.connect(str(target), read_only=True) as con:
        for view in BI_VIEWS:
            if view in PARTITIONED_VIEWS:
                # A folder of one file per period: its manifest names the warehouse.
                folder = parquet / view.name
                assert json.loads((folder / MANIFEST_NAME).read_text())[PARQUET_SOURCE_KEY] == identity, (
                    folder
                )
                # Files come in period-name order, rows within each in the view's order: compare by key.
                key = list(view.primary_key)
                exported = pl.read_parquet(folder / "*.parquet").sort(key)
                expected = con.sql(f"SELECT * FROM {view.qualified_name}").pl().sort(key)
                assert_frame_equal(exported, expected)
                continue
            else:
                path = parquet / f"{view.name}.parquet"
                kv = con.execute(
                    "SELECT value FROM parquet_kv_metadata(?) WHERE key = ?", [str(path), PARQUET_SOURCE_KEY]
                ).fetchall()
                assert kv == [(identity.encode(),)], path
                exported = pl.read_parquet(path)
            assert_frame_equal(exported, con.sql(f"SELECT * FROM {view.qualified_name}").pl())


def _exports_sum(target: Path) -> int:
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute(f"SELECT sum(exports_usd) FROM {FACT_TRADE_SURPLUS.qualified_name}").fetchone()
    assert row is not None
    return int(row[0])


def _expected_sum(version: int) -> int:
    return int(sample_tables(version)[FACT_TRADE_SURPLUS]["exports_usd"].sum())


# --- a publish killed at each step ---------------------------------------------------------------------
_KILL_STEPS = [
    f"load:{FACT_TRADE_SURPLUS.qualified_name}",
    "checkpoint",
    "parquet",
    "swap",
    "rename-parquet",  # after the warehouse swap, before the Parquet renames
]


@pytest.mark.parametrize("step", _KILL_STEPS)
def test_a_publish_killed_at_any_step_loses_nothing_and_the_next_start_heals(
    step: str, tmp_path: Path
) -> None:
    target, parquet = tmp_path / "warehouse.duckdb", tmp_path / "bi"
    publish_warehouse(target, sample_tables(0), parquet_dir=parquet)

    killed = _python(_KILLED_PUBLISHER, str(target), str(parquet), "1", step)

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    swapped = step == "rename-parquet"
    # The warehouse is the old one or the new one, whole, and opens.
    assert _exports_sum(target) == _expected_sum(1 if swapped else 0)
    left = _leftovers(tmp_path, parquet)
    assert left, "the killed publish should have left its temporary files"
    assert all(f"-{killed_pid(left)}-" in name for name in left)

    report = heal_published(target, parquet)

    assert _leftovers(tmp_path, parquet) == []
    assert sorted(p.name for p in report.swept) == left
    _assert_bi_agrees(target, parquet)
    assert bool(report.reexported) == swapped  # only a kill after the swap leaves bi/ behind
    assert all("\n" not in line for line in report.messages())
    assert _exports_sum(target) == _expected_sum(1 if swapped else 0)  # nothing lost
    assert heal_published(target, parquet).messages() == []  # healed: the next start finds nothing


def killed_pid(names: list[str]) -> str:
    """The pid in the temporary files' names (`...building-<pid>-<hex>`, `...tmp-<pid>-<hex>`)."""
    pids = {name.split(".building-")[-1].split(".tmp-")[-1].split("-")[0] for name in names}
    assert len(pids) == 1, names
    return pids.pop()


# --- a stray WAL, a truncated file -------------------------------------------------------------------
def test_a_stray_wal_beside_the_published_file_is_moved_aside_and_readers_open_it_again(
    tmp_path: Path,
) -> None:
    target, parquet = tmp_path / "warehouse.duckdb", tmp_path / "bi"
    publish_warehouse(target, sample_tables(0), parquet_dir=parquet)
    # A BI client wrote into a copy of the warehouse (an earlier publish) and crashed; its WAL now sits
    # beside a file it does not belong to, as after a publish swapped a new file in under the client.
    earlier = tmp_path / "earlier" / "warehouse.duckdb"
    earlier.parent.mkdir()
    publish_warehouse(earlier, sample_tables(2))
    crashed = _python(_CRASHING_CLIENT, str(earlier))
    assert crashed.returncode == 0, crashed.stderr
    shutil.move(f"{earlier}.wal", f"{target}.wal")
    with pytest.raises(duckdb.Error, match="WAL"):  # the control: every reader fails
        _exports_sum(target)

    report = heal_published(target, parquet)

    [(what, kept, _)] = report.moved_aside
    assert what == Path(f"{target}.wal")
    assert kept.name.startswith("warehouse.duckdb.wal.stray-") and kept.exists()
    assert [line for line in report.messages() if "aside" in line] == [
        f"moved {target}.wal aside to {kept.name}: no process holds the warehouse, so no one will replay it"
    ]
    assert _exports_sum(target) == _expected_sum(0)
    _assert_bi_agrees(target, parquet)


def test_a_truncated_warehouse_is_moved_aside_and_the_next_publish_writes_a_fresh_one(tmp_path: Path) -> None:
    target, parquet = tmp_path / "warehouse.duckdb", tmp_path / "bi"
    publish_warehouse(target, sample_tables(0), parquet_dir=parquet)
    size = target.stat().st_size
    target.chmod(0o640)
    with target.open("r+b") as handle:
        handle.truncate(size // 3)

    report = heal_published(target, parquet)

    [(_, kept, why)] = report.moved_aside
    assert kept.stat().st_size == size // 3  # kept as found
    assert why.startswith("it cannot be read (IO Error")
    assert len(report.messages()) == 1 and "\n" not in report.messages()[0]
    publish_warehouse(target, sample_tables(1), parquet_dir=parquet)
    assert _exports_sum(target) == _expected_sum(1)
    _assert_bi_agrees(target, parquet)


# --- a BI tool holding the file read-write -------------------------------------------------------------
@pytest.fixture
def read_write_holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    target = tmp_path / "held" / "warehouse.duckdb"
    publish_warehouse(target, sample_tables(0), parquet_dir=target.parent / "bi")
    stop = tmp_path / "stop-holder"
    holder = subprocess.Popen(
        [sys.executable, "-c", _READ_WRITE_HOLDER, str(target), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield target, holder
    finally:
        stop.touch()
        try:
            holder.communicate(timeout=60)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.communicate()


def test_a_read_write_holder_is_refused_in_one_line_naming_it(
    read_write_holder: tuple[Path, subprocess.Popen[str]],
) -> None:
    target, holder = read_write_holder
    before = sorted(p.name for p in target.parent.rglob("*") if p.name != LOCK_NAME)

    with pytest.raises(
        WarehouseInUseError, match=rf"open read-write in .* \(PID {holder.pid}\): close"
    ) as caught:
        heal_published(target, target.parent / "bi")
    assert "\n" not in str(caught.value)
    assert "read_only=True" in str(caught.value)
    with pytest.raises(WarehouseInUseError, match=rf"\(PID {holder.pid}\)"):
        publish_warehouse(target, sample_tables(1), parquet_dir=target.parent / "bi")

    # The data root's writer lock file stays beside the warehouse, by design: nothing else may change.
    assert (
        sorted(p.name for p in target.parent.rglob("*") if p.name != LOCK_NAME) == before
    )  # nothing touched, nothing left


# --- through the monthly-release flow ---------------------------------------------------------------------
def _copy_root(published_demo: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(published_demo, data, ignore=shutil.ignore_patterns("prefect-results"))
    return data


def _content(target: Path) -> dict[str, str]:
    # Who built each period of the fact, and when, is the run's record: the next run may rebuild them.
    # The killed republisher below publishes the fact as one frame (no periods recorded, so a later
    # change rebuilds every period): meta.build_partitions is its record, not data a reader could lose.
    hashes = table_content_hashes(target, ignore_columns=("built_by_run_id", "built_at"))
    return {name: digest for name, digest in hashes.items() if name != "meta.build_partitions"}


@pytest.mark.integration
def test_the_next_run_heals_bi_after_a_publish_killed_between_the_renames(
    published_demo: Path, tmp_path: Path
) -> None:
    from flows.monthly import monthly_release

    data = _copy_root(published_demo, tmp_path)
    target, parquet = data / "warehouse.duckdb", data / "bi"
    before = _content(target)
    killed = _python(_KILLED_REPUBLISHER, str(target), str(parquet), "rename-parquet")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _leftovers(parquet)
    with pytest.raises(AssertionError):  # the control: bi/ was left one publish behind
        _assert_bi_agrees(target, parquet)

    summary = monthly_release(source="demo", data_dir=str(data))

    assert not summary.published and "nothing new" in summary.message  # the same releases, as before
    _assert_bi_agrees(target, parquet)
    assert _leftovers(data, parquet) == []
    assert _content(target) == before  # nothing lost


@pytest.mark.integration
def test_the_next_run_moves_a_truncated_warehouse_aside_and_publishes_everything(
    published_demo: Path, tmp_path: Path
) -> None:
    from flows.monthly import monthly_release
    from tools.demo import releases

    data = _copy_root(published_demo, tmp_path)
    target = data / "warehouse.duckdb"
    # The run history went with the file; the gate's results gain this run's.
    history = ("meta.runs", "meta.validation_results")
    before = {k: v for k, v in _content(target).items() if k not in history}
    target.chmod(0o640)
    with target.open("r+b") as handle:
        handle.truncate(target.stat().st_size // 2)

    summary = monthly_release(source="demo", data_dir=str(data))

    # Every period of the demo: its preliminary releases' 33, and January and February 2025 apart (its
    # February Bulletin splits the combined period).
    demo_periods = {p.key for year in (2023, 2024, 2025) for p in releases.release_periods(year)}
    assert len(demo_periods) == 33
    assert summary.published and sorted(summary.periods) == sorted(demo_periods | {"2025-01", "2025-02"})
    assert [p.name.split("-")[0] for p in data.glob("warehouse.duckdb.unreadable-*")] == [
        "warehouse.duckdb.unreadable"
    ]
    # Every release is back, rebuilt from staging: the same contents.
    assert {k: v for k, v in _content(target).items() if k not in history} == before
    assert target.stat().st_mode & 0o777 == READ_ONLY_MODE
    _assert_bi_agrees(target, data / "bi")


@pytest.mark.integration
def test_a_run_is_refused_before_any_work_while_a_bi_tool_holds_the_warehouse(
    read_write_holder: tuple[Path, subprocess.Popen[str]],
    prefect_harness: None,
) -> None:
    from flows.monthly import monthly_release

    target, holder = read_write_holder
    before = sorted(p.name for p in target.parent.rglob("*") if p.name != LOCK_NAME)

    with pytest.raises(WarehouseInUseError, match=rf"open read-write in .* \(PID {holder.pid}\)"):
        monthly_release(source="demo", data_dir=str(target.parent))

    # Refused at the start: nothing ingested (no archive), nothing staged, nothing published.
    # The data root's writer lock file stays beside the warehouse, by design: nothing else may change.
    assert sorted(p.name for p in target.parent.rglob("*") if p.name != LOCK_NAME) == before
