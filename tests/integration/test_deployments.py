"""The deployment path of the README, end to end: a real Prefect server on 127.0.0.1, a process work
pool, `prefect deploy --all` from prefect.yaml, a worker, and `prefect deployment run` to completion.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    """SIGINT first (a SIGTERM'd worker whose server is gone can hang), then kill if it must."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_CLI_PROMPT": "false",
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the Prefect server did not start"
            time.sleep(0.5)
        yield env
    finally:
        _stop(server, signal.SIGINT, 30)
        log.close()


def _prefect(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(BIN / "prefect"), *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"prefect {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def test_scheduled_deployment_runs_to_completion(prefect_server: dict[str, str], tmp_path: Path) -> None:
    env = prefect_server
    data = tmp_path / "data"
    _prefect(env, "work-pool", "create", "customs", "--type", "process")
    _prefect(env, "work-queue", "create", "writers", "--pool", "customs", "--limit", "1")
    deployed = _prefect(env, "--no-prompt", "deploy", "--all")
    for name in (
        "monthly-release/monthly-release",
        "backfill/backfill",
        "check-release-calendar/release-calendar",
    ):
        assert name in deployed.stdout, deployed.stdout

    # The monthly deployment carries its cron schedule in Beijing time.
    listed = _prefect(env, "deployment", "inspect", "monthly-release/monthly-release").stdout
    assert "30 10,16 6-16 * *" in listed and "Asia/Shanghai" in listed
    # The two deployments that write to the data root run one at a time, each and together.
    for name in ("monthly-release/monthly-release", "backfill/backfill"):
        inspected = _prefect(env, "deployment", "inspect", name).stdout
        assert "'work_queue_name': 'writers'" in inspected, inspected
        assert "'collision_strategy': 'ENQUEUE'" in inspected, inspected

    worker_log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(BIN / "prefect"), "worker", "start", "--pool", "customs", "--limit", "1"],
        env=env,
        cwd=REPO_ROOT,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        run = _prefect(
            env,
            "deployment",
            "run",
            "monthly-release/monthly-release",
            "--param",
            "source=demo",
            "--param",
            f"data_dir={data}",
            "--watch",
            "--watch-timeout",
            "400",
            timeout=450,
        )
        assert "Completed" in run.stdout, run.stdout[-3000:]

        backfill = _prefect(
            env,
            "deployment",
            "run",
            "backfill/backfill",
            "--param",
            "start=2025-11",
            "--param",
            "end=2025-12",
            "--param",
            "source=demo",
            "--param",
            f"data_dir={data}",
            "--watch",
            "--watch-timeout",
            "300",
            timeout=350,
        )
        assert "Completed" in backfill.stdout, backfill.stdout[-3000:]
    finally:
        _stop(worker, signal.SIGINT, 60)  # the worker before the server (fixture teardown)
        worker_log.close()

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        (exports,) = con.execute(
            "SELECT exports_usd FROM bi.monthly_trade WHERE period = '2025-11'"
        ).fetchone()
        assert round(exports / 1e9, 1) == 330.3
        assert con.execute("SELECT count(*) FROM meta.runs WHERE status = 'published'").fetchone() == (1,)
