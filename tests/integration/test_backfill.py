"""Backfills: the same warehouse as the monthly run, resumable after a kill, distributed on Dask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from config.settings import Settings
from flows.backfill import UNPARSED, _files_by_period, backfill, periods_between
from flows.ingest.archive import RawArchive
from warehouse.publish import table_content_hashes
from warehouse.tables import ARCHIVE_MANIFEST

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# Run logs and retrieval times differ from run to run by design; everything else must be equal.
RUN_LOGS = {"meta.runs", "meta.validation_results", "meta.releases", "meta.release_files"}


def _contents(warehouse: Path) -> dict[str, str]:
    # Which run built a period of a partitioned table, and when, differs by design too.
    hashes = table_content_hashes(warehouse, ignore_columns=("built_by_run_id", "built_at"))
    return {k: v for k, v in hashes.items() if k not in RUN_LOGS}


def _releases(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT release_id, product, period, published_on, file_count, is_latest_vintage, status"
            " FROM meta.releases ORDER BY release_id"
        ).fetchall()


def test_periods_between_keeps_january_and_february_together() -> None:
    keys = [p.key for p in periods_between("2023-01", "2025-12")]
    assert len(keys) == 33
    assert keys[:3] == ["2023-01..02", "2023-03", "2023-04"]
    assert [p.key for p in periods_between("2025-02", "2025-03")] == ["2025-01..02", "2025-03"]
    with pytest.raises(ValueError, match="empty range"):
        periods_between("2025-05", "2025-04")


def test_backfill_retries_files_that_failed_to_parse_but_not_those_the_gate_quarantined(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    archive = RawArchive(settings.archive_dir)
    base = {c: None for c in ARCHIVE_MANIFEST.column_names} | {
        "size_bytes": 1,
        "retrieved_at": datetime(2025, 4, 8, tzinfo=UTC),
        "parser_version": "1.0.0",
    }
    archive.record(
        [
            base
            | {"source_sha256": "a" * 64, "source_uri": "a.html", "status": "staged"}
            | {"product": "preliminary", "period": "2025-03", "release_id": "preliminary:2025-03:2025-04-07"},
            base
            | {"source_sha256": "b" * 64, "source_uri": "b.html", "status": "quarantined"}
            | {"quarantine_reason": "parse", "error": "file b.html: unknown unit"},
            base
            | {"source_sha256": "c" * 64, "source_uri": "c.html", "status": "quarantined"}
            | {"product": "preliminary", "period": "2025-03", "release_id": "preliminary:2025-03:2025-04-08"}
            | {"quarantine_reason": "gate", "error": "critical rules failed: no_partner_above_world"},
        ]
    )
    assert _files_by_period(settings, periods_between("2025-03", "2025-03")) == {
        "2025-03": ["a" * 64],
        UNPARSED: ["b" * 64],
    }


def _result_records(data: Path) -> set[str]:
    folder = data / "prefect-results"
    return {p.name for p in folder.glob("prepare-period-*")} if folder.exists() else set()


def test_a_killed_backfill_resumes_where_it_stopped_and_publishes_the_monthly_run_s_warehouse(
    published_demo: Path, tmp_path: Path, prefect_api_url: str
) -> None:
    """One backfill of the whole demo, killed half way and resumed: the resume redoes only what the
    killed run had not finished, and what it publishes equals the monthly run's warehouse (the worker's
    demo, published by monthly_release into a fresh data root)."""
    data = tmp_path / "data"
    # On the worker's Prefect server: the point is the resume, not a temporary server of its own.
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url, "CUSTOMS_DATA_DIR": str(data)}
    cli = str(Path(sys.executable).parent / "customs")
    process = subprocess.Popen(
        [cli, "backfill", "--from", "2023-01", "--to", "2025-12"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: whatever it started dies with it
    )
    try:
        deadline = time.monotonic() + 240
        while len(_result_records(data)) < 3:
            assert process.poll() is None, "the backfill ended before it could be killed half way"
            assert time.monotonic() < deadline, "the backfill finished no period in time"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finished = _result_records(data)
    assert 3 <= len(finished) < 33, f"killed too late to show a resume: {len(finished)} periods done"
    assert not (data / "warehouse.duckdb").exists()  # killed before the single publish

    summary = backfill(start="2023-01", end="2025-12", source="demo", data_dir=str(data))

    # Exactly the periods the killed run had finished are reused; only the rest is done again.
    assert len(summary.reused) == len(finished)
    assert sorted(summary.computed + summary.reused) == sorted(
        p.key for p in periods_between("2023-01", "2025-12")
    )
    assert set(summary.computed).isdisjoint(summary.reused)
    assert summary.missing == []
    assert summary.published
    assert len(_result_records(data)) == 33

    run_wh, backfill_wh = published_demo / "warehouse.duckdb", data / "warehouse.duckdb"
    assert _contents(backfill_wh) == _contents(run_wh)
    assert _releases(backfill_wh) == _releases(run_wh)
    with duckdb.connect(str(backfill_wh), read_only=True) as con:
        # One publish for the whole range, not one per month (the killed run published nothing).
        assert con.execute("SELECT count(*), min(source) FROM meta.runs").fetchone() == (1, "backfill:demo")
