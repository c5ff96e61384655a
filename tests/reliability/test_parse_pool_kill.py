"""An ingest killed with SIGKILL while its parse workers live leaves none of them behind: each dies with
it (PR_SET_PDEATHSIG), so no orphan keeps memory, or files open, after a kill -9 or the OOM killer."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.unit.ingest.test_parse_pool import export

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's"),
]

# An ingest of the landing folder whose source, once its files are given, waits for ever: killed there,
# with the workers started.
_STALLED_INGEST = r"""
import sys, time
from pathlib import Path
from config.settings import Settings
from flows.ingest.pipeline import PoolPolicy, ingest
from flows.ingest.sources import LandingSource

class StalledSource:
    name = "stalled"

    def files(self, skip_uris):
        yield from LandingSource(Path(sys.argv[1])).files(skip_uris)
        print("all given", flush=True)
        time.sleep(3600)

if __name__ == "__main__":
    settings = Settings(data_dir=Path(sys.argv[2]), parse_processes=3)
    ingest(StalledSource(), settings, pool_policy=PoolPolicy(min_bytes=0, after_exports=0))
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has died; only its exit status waits to be read


def test_a_killed_ingest_leaves_no_parse_worker_behind(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    for i, month in enumerate(("202401", "202402", "202403")):
        (landing / f"{month}_export.csv").write_bytes(export(month, 3000, seed=i))
    with subprocess.Popen(
        [sys.executable, "-c", _STALLED_INGEST, str(landing), str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).parents[2],
        start_new_session=True,  # so that a failing test can still kill whatever it started
    ) as ingest:
        try:
            assert ingest.stdout is not None
            assert ingest.stdout.readline().strip() == "all given"
            workers = _children(ingest.pid)
            assert len(workers) >= 2  # the parse workers (and multiprocessing's resource tracker)

            os.kill(ingest.pid, signal.SIGKILL)  # the ingest alone, not its process group
            ingest.wait(timeout=30)

            deadline = time.monotonic() + 60
            while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [pid for pid in workers if _running(pid)] == []
        finally:
            with contextlib.suppress(ProcessLookupError):  # whatever of its session is left, on a failure
                os.killpg(ingest.pid, signal.SIGKILL)
