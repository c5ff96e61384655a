"""Two writers on one data root at once, as two real `customs` processes: one works, one is turned away.

Each process starts its own temporary Prefect server, which may take a minute on a loaded machine: the
first is started, the second only once the first holds the lock (its holder note is on disk), and
every wait is generous and ends as soon as its condition holds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from fileio.lock import HOLDER_NAME
from flows.ingest.sources import demo_releases_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
CUSTOMS = Path(sys.executable).parent / "customs"
PROCESS_TIMEOUT = 900  # seconds; a bound for a hung process, not a measurement


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # each test's own Prefect database
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
        "PREFECT_API_URL": "",
    }


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(CUSTOMS), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
    )


def _wait_for_holder(data: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not (data / HOLDER_NAME).exists():
        assert process.poll() is None, "the first writer ended before taking the lock"
        assert time.monotonic() < deadline, "the first writer never took the lock"
        time.sleep(0.2)


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


def test_two_ingests_at_once_one_is_turned_away_naming_the_holder_and_nothing_is_lost(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first_folder, second_folder = _landing_folders(tmp_path)
    ingest = ["ingest", "--source", "landing", "--data-dir", str(data), "--path"]

    first = _start(tmp_path, *ingest, str(first_folder))
    _wait_for_holder(data, first)
    second = _start(tmp_path, *ingest, str(second_folder))
    code, out, err = _finish(second)
    assert code != 0, out + err
    lines = [line for line in (out + err).splitlines() if "in use by" in line]
    assert len(lines) == 1, out + err
    assert f"`customs {' '.join(ingest)} {first_folder}` (pid {first.pid} on " in lines[0]
    assert "only one command may write to it at a time" in lines[0]

    code, out, err = _finish(first)
    assert code == 0, out + err
    assert _manifest_hashes(data) == _hashes(first_folder)
    assert not (data / HOLDER_NAME).exists()

    code, out, err = _finish(_start(tmp_path, *ingest, str(second_folder)))
    assert code == 0, out + err
    assert _manifest_hashes(data) == _hashes(first_folder) | _hashes(second_folder)


def test_two_runs_at_once_publish_once_and_keep_every_run_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run = ["run", "--source", "demo", "--data-dir", str(data)]

    first = _start(tmp_path, *run)
    _wait_for_holder(data, first)
    code, out, err = _finish(_start(tmp_path, *run, "--force"))
    assert code != 0, out + err
    assert f"in use by `customs {' '.join(run)}` (pid {first.pid} on " in out + err

    code, out, err = _finish(first)
    assert code == 0, out + err
    assert "published" in out

    code, out, err = _finish(_start(tmp_path, *run, "--force"))
    assert code == 0, out + err
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        statuses = [s for (s,) in con.execute("SELECT status FROM meta.runs ORDER BY started_at").fetchall()]
    assert statuses == ["published", "published"]
