"""Integration tests run whole Prefect flows for real, against a temporary Prefect database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.logging.configuration import setup_logging
    from prefect.testing.utilities import prefect_test_harness

    # Configure Prefect's log handlers on the real stderr now: configured later, inside a CliRunner
    # invocation, they would keep its captured stream and fail once the invocation has closed it.
    setup_logging(incremental=False)
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    """A data root with the demo releases published, shared READ-ONLY by tests that only query it
    (a test that runs flows against its warehouse builds its own)."""
    from flows.monthly import monthly_release

    data = tmp_path_factory.mktemp("published-demo") / "data"
    summary = monthly_release(source="demo", data_dir=str(data))
    assert summary.published, summary.message
    return data
