"""Every command the README documents exists and explains itself."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app

COMMANDS = ("ingest", "run", "validate", "override", "backfill", "status", "report", "export")


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
