"""Issue 11: a run rebuilds only the periods of core.fact_trade_flows whose inputs changed, and what it
publishes equals a full rebuild."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from config.settings import Settings
from flows.backfill import backfill
from flows.ingest.sources import demo_releases_dir
from flows.monthly import RunSummary, monthly_release
from flows.partitions import build_dir
from tests.conftest import copy_data_root, land_demo_months
from warehouse.publish import table_content_hashes

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# What differs between two builds of the same inputs by design: the run logs, who built a period when,
# and (between two data roots) when each file was retrieved.
RUN_LOGS = {"meta.runs", "meta.validation_results"}
RUN_COLUMNS = ("built_by_run_id", "built_at", "retrieved_at")
REVISED_MONTH = "202405"


def _contents(warehouse: Path) -> dict[str, str]:
    hashes = table_content_hashes(warehouse, ignore_columns=RUN_COLUMNS)
    return {name: digest for name, digest in hashes.items() if name not in RUN_LOGS}


def _built_by(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT period, built_by_run_id FROM meta.build_partitions WHERE table_name = 'core.fact_trade_flows'"
        ).fetchall()
    return dict(rows)


def _revised_export(landing: Path) -> None:
    """A second export of one month of the demo's online-query detail, one value revised."""
    demo = next((demo_releases_dir() / "online_query").glob("*imports*.csv"))
    lines = demo.read_bytes().decode("gbk").splitlines(keepends=True)
    month = [line for line in lines[1:] if line.startswith(f'"{REVISED_MONTH}"')]
    assert month, f"the demo export has no {REVISED_MONTH} rows"
    revised = month[0].rsplit(',"', 1)[0] + ',"1,234,567",\n'
    (landing / "hs8_partner_2024_imports_usd_revised.csv").write_bytes(
        "".join([lines[0], revised, *month[1:]]).encode("gbk")
    )


def _published_demo(published_demo_run: tuple[Path, RunSummary], tmp_path: Path) -> tuple[Path, RunSummary]:
    """A copy of the worker's published demo (tests/conftest.py), with the summary of the run that made it."""
    published, first = published_demo_run
    assert first.published
    return copy_data_root(published, tmp_path / "data"), first


def test_a_change_to_one_period_rebuilds_that_period_alone_and_equals_a_full_rebuild(
    published_demo_run: tuple[Path, RunSummary], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, first = _published_demo(published_demo_run, tmp_path)
    warehouse = data / "warehouse.duckdb"
    before = _built_by(warehouse)
    assert set(before.values()) == {first.run_id}

    landing = tmp_path / "landing"
    landing.mkdir()
    _revised_export(landing)
    with caplog.at_level(logging.INFO):
        second = monthly_release(source="landing", path=str(landing), data_dir=str(data))

    assert second.published
    after = _built_by(warehouse)
    assert after.keys() == before.keys()
    assert {p for p, run in after.items() if run == second.run_id} == {"2024-05"}
    assert {p: run for p, run in after.items() if p != "2024-05"} == {
        p: r for p, r in before.items() if p != "2024-05"
    }
    assert f"fact_trade_flows: 1 periods rebuilt, {len(before) - 1} carried over" in caplog.text
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (message,) = con.execute("SELECT message FROM meta.runs WHERE run_id = ?", [second.run_id]).fetchone()
        revised = con.execute(
            "SELECT count(*) FROM core.fact_trade_flows WHERE period = '2024-05' AND value_usd = 1234567"
            " AND is_latest_vintage"
        ).fetchone()
    assert "1 periods rebuilt" in message
    assert revised == (1,)
    # Only the files of published periods are kept: the replaced 2024-05 file is gone.
    assert len(list(build_dir(Settings(data_dir=data)).glob("period=2024-05/*.parquet"))) == 2  # rows + names

    # The same inputs built from nothing: every period rebuilt, the same warehouse.
    full = tmp_path / "full"
    shutil.copytree(data, full, ignore=shutil.ignore_patterns("warehouse.duckdb", "build", "bi"))
    rebuilt = monthly_release(source="landing", path=str(landing), data_dir=str(full), force=True)
    assert rebuilt.published
    assert set(_built_by(full / "warehouse.duckdb").values()) == {rebuilt.run_id}
    assert _contents(full / "warehouse.duckdb") == _contents(warehouse)


def test_backfill_workers_build_their_periods_and_the_dask_backfill_equals_the_serial_one(
    tmp_path: Path,
) -> None:
    # The demo's pages of 2024's first half and its online-query detail of 2024: what a backfill of
    # 2024-01..06 needs (a backfill of the demo source ingests all three years of it first).
    landing = tmp_path / "landing"
    land_demo_months(landing, "2024-01..02", "2024-03", "2024-04", "2024-05", "2024-06")
    for export in (demo_releases_dir() / "online_query").glob("*.csv"):
        shutil.copyfile(export, landing / export.name)
    serial_root, dask_root = tmp_path / "serial", tmp_path / "dask"
    serial = backfill(
        start="2024-01", end="2024-06", source="landing", path=str(landing), data_dir=str(serial_root)
    )
    distributed = backfill(
        start="2024-01",
        end="2024-06",
        source="landing",
        path=str(landing),
        data_dir=str(dask_root),
        dask=True,
    )

    assert serial.published and distributed.published
    assert serial.reused == distributed.reused == [] and serial.missing == distributed.missing == []
    assert len(serial.computed) == len(distributed.computed) == 5  # 2024-01..02 and March to June
    assert serial.worker_processes == {os.getpid()}  # the thread pool works in this process
    assert distributed.worker_processes and os.getpid() not in distributed.worker_processes
    # The months of the range (the online-query detail's too) were built by the per-period tasks;
    # the 2023 periods the 2024 pages restate, by the run's build.
    months = ["2024-01", "2024-01..02", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert serial.flow_periods_built == distributed.flow_periods_built == months
    built = _built_by(dask_root / "warehouse.duckdb")
    assert set(months) < set(built) and any(p.startswith("2023-") for p in built)
    assert set(built.values()) == {distributed.run_id}
    with duckdb.connect(str(dask_root / "warehouse.duckdb"), read_only=True) as con:
        (message,) = con.execute("SELECT message FROM meta.runs").fetchone()
        detail = con.execute(
            "SELECT count(*) FROM core.fact_trade_flows WHERE product = 'online_query'"
        ).fetchone()
    assert f"({len(months)} built by the backfill's workers)" in message
    assert detail is not None and detail[0] > 0
    assert _contents(dask_root / "warehouse.duckdb") == _contents(serial_root / "warehouse.duckdb")


def test_a_backfill_of_online_query_detail_alone_publishes_without_a_report(tmp_path: Path) -> None:
    """The scale benchmark's case: exports only, no page with China's totals to report on."""
    landing = tmp_path / "landing"
    landing.mkdir()
    for export in (demo_releases_dir() / "online_query").glob("*.csv"):
        shutil.copyfile(export, landing / export.name)
    summary = backfill(
        start="2024-03", end="2024-04", source="landing", path=str(landing), data_dir=str(tmp_path / "data")
    )
    assert summary.published
    assert summary.report_path is None
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        periods = con.execute(
            "SELECT DISTINCT period FROM core.fact_trade_flows WHERE product = 'online_query' ORDER BY 1"
        ).fetchall()
        (totals,) = con.execute("SELECT count(*) FROM bi.monthly_trade").fetchone() or (None,)
    assert ("2024-03",) in periods and ("2024-04",) in periods
    assert totals == 0
