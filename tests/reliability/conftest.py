"""Fault-injection tests: the real `customs` command in a child process, under the faults of issue 10."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Prefect home for the session's commands: its database is created once."""
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture
def env(prefect_home: Path) -> dict[str, str]:
    from tests.reliability.cli import customs_env

    return customs_env(prefect_home)
