"""Running `customs` as a user does: a separate process, through its real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO_ROOT

# Generous: a run starts a Prefect server and runs the whole flow on a busy machine. Not a timing
# assertion, only a bound so that a hung command fails the test instead of the whole suite.
COMMAND_DEADLINE_SECONDS = 900


@dataclass(frozen=True)
class Done:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


def customs_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CUSTOMS_"))}
    return (
        env
        | {
            "PYTHONPATH": str(REPO_ROOT),
            "PREFECT_HOME": str(prefect_home),  # its own Prefect database, not the user's
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "COLUMNS": "200",
        }
        | extra
    )


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def customs(*args: str, env: dict[str, str]) -> Done:
    done = subprocess.run(
        command(*args),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_DEADLINE_SECONDS,
        check=False,
    )
    return Done(args, done.returncode, done.stdout, done.stderr)
