"""The README's deployment block, run as written: a real Prefect server on 127.0.0.1, a process work pool,
`prefect deploy --all` from prefect.yaml, the overdue-release automation, a worker, and deployment runs.

The block is read from README.md (the fenced block after the `deployment-commands` marker) and its lines
run one by one through bash, so the README cannot drift from what is tested. The test changes only what
must differ on a test machine: the server's port (a free one), the data root (a temporary folder, through
CUSTOMS_DATA_DIR), Prefect's home, and the webhook URL (a receiver on 127.0.0.1).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from config.settings import settings_for
from flows.automation import AUTOMATION_NAME
from flows.overdue import check_overdue
from tests.conftest import REPO_ROOT
from tests.integration.webhook_receiver import Received, webhook_receiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BIN = Path(sys.executable).parent
MARKER = "<!-- deployment-commands"
README_PORT = "4200"
# Generous bounds for a loaded 2-core machine; the block's own wait for the server is in the README.
COMMAND_TIMEOUT_SECONDS = 300
WATCHED_RUN_TIMEOUT_SECONDS = 900
NOTIFY_WAIT_SECONDS = 300


@dataclass(frozen=True)
class Command:
    line: str
    background: bool


def readme_block() -> tuple[dict[str, str], list[Command]]:
    """The block's `export` assignments, and its other lines (comments stripped) in order."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, f"README.md has no {MARKER} marker before the deployment block"
    block = text.split(MARKER, 1)[1].split("```bash\n", 1)[1].split("\n```", 1)[0]
    exports: dict[str, str] = {}
    commands: list[Command] = []
    for raw in block.splitlines():
        line = re.sub(r"\s{2,}#.*$", "", raw).strip()  # a comment follows two spaces or more
        if not line:
            continue
        if line.startswith("export "):
            exports.update(word.split("=", 1) for word in shlex.split(line)[1:])  # type: ignore[misc]
        elif line.endswith("&"):
            commands.append(Command(line.removesuffix("&").strip(), background=True))
        else:
            commands.append(Command(line, background=False))
    return exports, commands


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGINT, as the README says; SIGKILL if it has not exited after `timeout` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@dataclass
class Shell:
    """Runs the block's lines as a user's shell would, in the project folder."""

    env: dict[str, str]
    logs: Path
    stack: ExitStack

    def background(self, line: str) -> subprocess.Popen[bytes]:
        log_path = self.logs / f"background-{len(list(self.logs.iterdir()))}.log"
        log = self.stack.enter_context(log_path.open("wb"))
        process = subprocess.Popen(
            ["bash", "-c", f"exec {line}"],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, for SIGINT as from a terminal
        )
        # Stopped in reverse order of start (the worker before the server), even when a line fails.
        self.stack.callback(_stop, process, 60)
        return process

    def run(self, line: str) -> str:
        timeout = WATCHED_RUN_TIMEOUT_SECONDS if "--watch" in line else COMMAND_TIMEOUT_SECONDS
        result = subprocess.run(
            ["bash", "-c", line],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        background_logs = "\n".join(f"{p.name}:\n{_log_tail(p)}" for p in sorted(self.logs.iterdir()))
        assert result.returncode == 0, (
            f"{line}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{background_logs}"
        )
        return result.stdout


@pytest.fixture
def receiver() -> Iterator[Received]:
    with webhook_receiver() as received:
        yield received


def test_the_readme_deployment_block_runs_as_written(tmp_path: Path, receiver: Received) -> None:
    exports, commands = readme_block()
    port = str(_free_port())
    data = tmp_path / "data"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        **os.environ,
        **{name: value.replace(f":{README_PORT}", f":{port}") for name, value in exports.items()},
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",  # the virtual environment, active
        "PREFECT_SERVER_API_PORT": port,  # where `prefect server start` listens without --port
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_UI_ENABLED": "false",
        "CUSTOMS_DATA_DIR": str(data),  # the worker's runs inherit it: ./data stays untouched
    }
    assert env["PREFECT_API_URL"] == f"http://127.0.0.1:{port}/api"

    outputs: dict[str, str] = {}
    with ExitStack() as stack:
        shell = Shell(env, logs, stack)
        for command in commands:
            line = re.sub(r"--webhook \S+", f"--webhook {receiver.url}", command.line)
            if command.background:
                shell.background(line)
            else:
                outputs[line] = shell.run(line)

        calendar_run = next(line for line in outputs if "check-release-calendar/release-calendar" in line)
        today_match = re.search(r"today=(\S+)", calendar_run)
        assert today_match, calendar_run
        overdue = check_overdue(settings_for(str(data)), date.fromisoformat(today_match.group(1)))
        assert overdue, "the README's calendar run finds nothing overdue: it shows no notification"
        bodies = receiver.wait_for(lambda got: len(got) >= len(overdue), NOTIFY_WAIT_SECONDS)
        # The two deployments that write to the data root run one at a time, each and together.
        for name in ("monthly-release/monthly-release", "backfill/backfill"):
            inspected = shell.run(f"prefect deployment inspect {name}")
            assert "'work_queue_name': 'writers'" in inspected, inspected
            assert "'collision_strategy': 'ENQUEUE'" in inspected, inspected
        # leaving the block stops the worker, then the server, with SIGINT (SIGKILL after 60 s)

    deployed = next(out for line, out in outputs.items() if " deploy " in line)
    for name in (
        "monthly-release/monthly-release",
        "backfill/backfill",
        "check-release-calendar/release-calendar",
    ):
        assert name in deployed, deployed
    assert AUTOMATION_NAME in next(out for line, out in outputs.items() if "automation create" in line)
    for line, out in outputs.items():
        if "--watch" in line:
            assert "Completed" in out, f"{line}\n{out[-3000:]}"

    assert sorted(b["subject"] for b in bodies) == sorted(
        f"GACC release overdue: {r.product} {r.period}" for r in overdue
    )

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        (exports_usd,) = con.execute(
            "SELECT exports_usd FROM bi.monthly_trade WHERE period = '2025-11'"
        ).fetchone()
        assert round(exports_usd / 1e9, 1) == 330.3
        assert con.execute("SELECT count(*) FROM meta.runs WHERE status = 'published'").fetchone() == (1,)


def test_the_readme_states_the_monthly_schedule_of_prefect_yaml() -> None:
    deployments = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    (monthly,) = (d for d in deployments if d["name"] == "monthly-release")
    (schedule,) = monthly["schedules"]
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")

    assert monthly["parameters"]["source"] == "gacc"
    assert f"`{schedule['cron']}`" in readme and f"`{schedule['timezone']}`" in readme
