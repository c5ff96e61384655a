"""Two writers on one data root at once, as two real `customs` processes: one works, one is turned away.

The first is started and, once it holds the lock (its holder note is on disk), stopped with SIGSTOP, so
that it is surely still holding it, however fast or slow the machine, when the second starts; the
first is continued once the second has been turned away. Every wait is generous and ends as soon as its
condition holds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from fileio.lock import HOLDER_NAME
from flows.ingest.sources import demo_releases_dir
from tests.conftest import land_demo_months

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
CUSTOMS = Path(sys.executable).parent / "customs"
PROCESS_TIMEOUT = 900  # seconds; a bound for a hung process, not a measurement


def _start(api_url: str, cwd: Path, *args: str) -> subprocess.Popen[str]:
    """`customs ARGS` as a child, on the session's Prefect API (no temporary server of its own)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PREFECT_API_URL": api_url, "COLUMNS": "200"}
    return subprocess.Popen(
        [str(CUSTOMS), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd
    )


def _stop_once_it_holds_the_lock(data: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not (data / HOLDER_NAME).exists():
        assert process.poll() is None, "the first writer ended before taking the lock"
        assert time.monotonic() < deadline, "the first writer never took the lock"
        time.sleep(0.05)
    process.send_signal(signal.SIGSTOP)


def _turned_away(api_url: str, cwd: Path, first: subprocess.Popen[str], *args: str) -> str:
    """Run the second writer while the first is stopped holding the lock; continue the first."""
    try:
        code, out, err = _finish(_start(api_url, cwd, *args))
    finally:
        first.send_signal(signal.SIGCONT)
    assert code == 75, out + err  # EX_TEMPFAIL: try again later
    return out + err


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=PROCESS_TIMEOUT)
    return process.returncode, out, err


def _landing_folders(tmp_path: Path) -> tuple[Path, Path]:
    pages = sorted((demo_releases_dir() / "2025" / "pages").glob("*.html"))
    half = len(pages) // 2
    folders = (tmp_path / "landing-a", tmp_path / "landing-b")
    for folder, chosen in zip(folders, (pages[:half], pages[half:]), strict=True):
        folder.mkdir()
        for page in chosen:
            shutil.copy(page, folder / page.name)
    return folders


def _hashes(folder: Path) -> set[str]:
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _manifest_hashes(data: Path) -> set[str]:
    return set(pl.read_parquet(data / "archive" / "manifest.parquet")["source_sha256"].to_list())


def test_two_ingests_at_once_one_is_turned_away_naming_the_holder_and_nothing_is_lost(
    tmp_path: Path, prefect_api_url: str
) -> None:
    data = tmp_path / "data"
    first_folder, second_folder = _landing_folders(tmp_path)
    ingest = ["ingest", "--source", "landing", "--data-dir", str(data), "--path"]

    first = _start(prefect_api_url, tmp_path, *ingest, str(first_folder))
    _stop_once_it_holds_the_lock(data, first)
    output = _turned_away(prefect_api_url, tmp_path, first, *ingest, str(second_folder))
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert f"`customs {' '.join(ingest)} {first_folder}` (pid {first.pid} on " in lines[0]
    assert "only one command may write to it at a time" in lines[0]

    code, out, err = _finish(first)
    assert code == 0, out + err
    assert _manifest_hashes(data) == _hashes(first_folder)
    assert not (data / HOLDER_NAME).exists()

    code, out, err = _finish(_start(prefect_api_url, tmp_path, *ingest, str(second_folder)))
    assert code == 0, out + err
    assert _manifest_hashes(data) == _hashes(first_folder) | _hashes(second_folder)


def test_two_runs_at_once_publish_once_and_keep_every_run_row(tmp_path: Path, prefect_api_url: str) -> None:
    data, landing = tmp_path / "data", tmp_path / "landing"
    land_demo_months(landing, "2025-11", "2025-12")  # a whole run, on two months of the demo
    run = ["run", "--source", "landing", "--path", str(landing), "--data-dir", str(data)]

    first = _start(prefect_api_url, tmp_path, *run)
    _stop_once_it_holds_the_lock(data, first)
    output = _turned_away(prefect_api_url, tmp_path, first, *run, "--force")
    assert f"in use by `customs {' '.join(run)}` (pid {first.pid} on " in output

    code, out, err = _finish(first)
    assert code == 0, out + err
    assert "published" in out

    code, out, err = _finish(_start(prefect_api_url, tmp_path, *run, "--force"))
    assert code == 0, out + err
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        statuses = [s for (s,) in con.execute("SELECT status FROM meta.runs ORDER BY started_at").fetchall()]
    assert statuses == ["published", "published"]
