"""Fault injection, for real: hostile files in a landing folder, a hostile HTTP server on 127.0.0.1, and
the `customs` command run as a child process whose peak memory is measured.

A child `customs` talks to the Prefect API server of the test harness (`prefect_api_url`, started once
per worker in tests/conftest.py), so that it does not start a temporary server of its own on a loaded
machine; the tests of the command line itself (`tests/reliability/cli.py`: errors, the temporary
server) run it as a user does, with its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# Generous: a child that ran away (the 200 MB page took 5.7 GB, the gzip bomb 16 GB) is far above it.
CHILD_PEAK_RSS_CAP_BYTES = 1536 * 1024 * 1024
# Every child is killed after this long: a hang fails the test instead of blocking the suite.
CHILD_TIMEOUT_SECONDS = 600
# The installed `customs` command of the environment running the tests (it imports from PYTHONPATH).
CUSTOMS = Path(sys.executable).parent / "customs"


@dataclass(frozen=True)
class ChildRun:
    exit_code: int
    output: str  # stdout and stderr together, as the user sees them
    peak_rss_bytes: int

    def lines_naming(self, text: str) -> list[str]:
        return [line for line in self.output.splitlines() if text in line]


def run_customs(args: list[str], tmp_path: Path, api_url: str, env: dict[str, str] | None = None) -> ChildRun:
    """Run `customs ARGS` as a child process; its own peak RSS comes from wait4 (this child only)."""
    child_env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "COLUMNS": "200",
        **(env or {}),
    }
    out_path = tmp_path / f"customs-{len(list(tmp_path.glob('customs-*.out')))}.out"
    with out_path.open("wb") as out:
        child = subprocess.Popen(
            [str(CUSTOMS), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=child_env,
            cwd=tmp_path,
        )
        killer = threading.Timer(CHILD_TIMEOUT_SECONDS, child.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in earlier children); KiB on Linux.
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return ChildRun(child.returncode, out_path.read_text(errors="replace"), peak)


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Prefect home for the session's commands that start their own server: its database is made once."""
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture
def env(prefect_home: Path) -> dict[str, str]:
    """The environment of a `customs` child run as a user runs it: no PREFECT_API_URL, its own server."""
    from tests.reliability.cli import customs_env

    return customs_env(prefect_home)


@pytest.fixture
def harness_env(prefect_home: Path, prefect_api_url: str) -> dict[str, str]:
    """The environment of a `customs` child as in `env`, but on the worker's Prefect test harness: for
    the tests whose point is not the temporary server, which costs a server start per command."""
    from tests.reliability.cli import customs_env

    return customs_env(prefect_home, PREFECT_API_URL=prefect_api_url)
