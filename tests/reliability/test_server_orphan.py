"""The temporary Prefect server of a `customs` command never outlives it, even after a SIGKILL.

Before: a SIGKILLed `customs run` never ran its exit handlers, and its temporary Prefect server (over
200 MB) stayed running under PID 1. Now the kernel stops the server when the command dies.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO_ROOT
from tests.reliability.cli import command, customs, customs_env

pytestmark = [pytest.mark.slow]

# Bounds, not timings: how long to wait for a state that must come, on a busy machine.
SERVER_START_BOUND_SECONDS = 600
SERVER_GONE_BOUND_SECONDS = 120


def _server_child(cli: psutil.Process) -> psutil.Process | None:
    for child in cli.children():
        try:
            if "uvicorn" in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def _wait_for_server(cli: psutil.Process) -> psutil.Process:
    for _ in range(SERVER_START_BOUND_SECONDS * 10):
        server = _server_child(cli)
        if server is not None:
            return server
        assert cli.is_running() and cli.status() != psutil.STATUS_ZOMBIE, (
            "the command ended before its server"
        )
        psutil.wait_procs([cli], timeout=0.1)
    raise AssertionError(f"no server child within {SERVER_START_BOUND_SECONDS} s")


def test_the_server_dies_with_a_killed_run(tmp_path: Path, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        command("run", "--source", "demo", "--data-dir", str(tmp_path / "data")),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = _wait_for_server(psutil.Process(process.pid))
        process.send_signal(signal.SIGKILL)
        process.wait()
        gone, alive = psutil.wait_procs([server], timeout=SERVER_GONE_BOUND_SECONDS)
        assert alive == [], f"server {server.pid} still running after the command was killed"
        assert gone == [server]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_server_that_cannot_start_is_one_line_with_what_to_do(tmp_path: Path, prefect_home: Path) -> None:
    """A server that cannot start (its database cannot be opened) exits; the command says so at once, in
    one line, with what to do and where the server's log is."""
    env = customs_env(
        prefect_home,
        CUSTOMS_PREFECT_STARTUP_TIMEOUT_SECONDS=str(SERVER_START_BOUND_SECONDS),
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/prefect.db",
    )
    done = customs("ingest", "--source", "demo", "--data-dir", str(tmp_path / "data"), env=env)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output, done.output
    [line] = done.error_lines()
    assert "the temporary Prefect server did not start (it exited with code" in line
    assert "PREFECT_API_URL" in line
    log = Path(line.rsplit("its log: ", 1)[1])
    assert "unable to open database file" in log.read_text(), "the server's log does not say why it failed"
    log.unlink()


# A fresh interpreter, as `customs` runs: launch, import Prefect and the flow, wait, then every Prefect
# client of the process uses that server, and the process never imports Prefect's server modules.
_LAUNCH_THEN_FLOW = """
import os
import sys

from flows.prefect_server import launch_temporary_server

server = launch_temporary_server()
assert server is not None, "no server launched without PREFECT_API_URL"
assert "prefect" not in sys.modules, "launching the server imported Prefect"

from prefect import flow
from prefect.client.orchestration import get_client

url = server.wait_until_ready(600)
assert server.process is not None and server.process.poll() is None
assert os.environ["PREFECT_API_URL"] == url


@flow(name="launched-server-check")
def answer() -> int:
    return 42


assert answer() == 42
with get_client(sync_client=True) as client:
    assert str(client.api_url).rstrip("/") == url, client.api_url
    assert [run.flow_id for run in client.read_flow_runs()], "the flow run is not on the launched server"
server_modules = sorted(m for m in sys.modules if m.startswith("prefect.server"))
assert server_modules == [], server_modules
pid = server.process.pid
server.stop()
assert "PREFECT_API_URL" not in os.environ, "a stopped server is still Prefect's API"
print("server pid", pid)
"""


def test_a_launched_server_is_the_one_every_prefect_client_uses(prefect_home: Path) -> None:
    """The command launches the server before importing its flow and waits for it after: Prefect then
    uses that server (no second one) without importing its server modules, and it is stopped."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCH_THEN_FLOW],
        cwd=REPO_ROOT,
        env=customs_env(prefect_home),
        capture_output=True,
        text=True,
        timeout=SERVER_START_BOUND_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pids = [int(line.split()[-1]) for line in done.stdout.splitlines() if line.startswith("server pid")]
    assert len(pids) == 1, done.stdout
    if psutil.pid_exists(pids[0]):
        server = psutil.Process(pids[0])
        _gone, alive = psutil.wait_procs([server], timeout=SERVER_GONE_BOUND_SECONDS)
        assert alive == [], f"server {pids[0]} outlived its process"
