"""Every command the README documents exists and explains itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

COMMANDS = (
    "ingest",
    "run",
    "validate",
    "override",
    "backfill",
    "status",
    "report",
    "export",
    "repair",
    "query",
)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_the_readme_documents_every_command() -> None:
    from tests.conftest import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    registered = {c.name for c in app.registered_commands if c.name} | {
        c.callback.__name__ for c in app.registered_commands if c.callback and not c.name
    }
    assert registered == set(COMMANDS)
    for command in COMMANDS:
        assert f"customs {command}" in readme, command


def test_the_automation_group_is_documented_and_explains_itself() -> None:
    from tests.conftest import REPO_ROOT

    groups = {g.name for g in app.registered_groups}
    assert groups == {"automation"}
    result = CliRunner().invoke(app, ["automation", "create", "--help"])
    assert result.exit_code == 0, result.output
    assert "--webhook" in result.output and "--block" in result.output
    assert "customs automation create --webhook" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args", [[], ["--webhook", "http://127.0.0.1:9/hook", "--block", "custom-webhook/customs"]]
)
def test_automation_create_wants_one_notification_target(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["automation", "create", *args])

    assert result.exit_code == 2
    output = " ".join(result.output.replace("│", " ").split())  # rich's error box, at any width
    assert "give exactly one of --webhook URL or --block TYPE/NAME" in output


def _customs(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `customs` entry point, as an operator runs it."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "customs"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_automation_create_refuses_to_run_without_a_prefect_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile naming a server either

    result = _customs("automation", "create", "--webhook", "http://127.0.0.1:9/hook", env=env)

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: PREFECT_API_URL is not set: set it to the server the deployments are on"
    )


def test_automation_create_says_which_server_did_not_answer(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_CLIENT_MAX_RETRIES": "0",
    }

    result = _customs("automation", "create", "--webhook", "http://127.0.0.1:9/hook", env=env)

    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"error: the Prefect API at {api_url} did not answer:"), result.stderr
    assert "Traceback" not in result.stderr
