"""Shared test settings and session fixtures: the real GACC samples, one Prefect test harness per
worker, and one published demo data root per worker.

The session fixtures are here, at the top, so that the integration and the reliability tests share
them: a worker of `pytest -n 2 --dist loadfile` runs files of both folders, and a fixture defined in
two places (or imported into a test module) would start a second Prefect server or publish the demo
again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flows.monthly import RunSummary

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
# A bound for a loaded 2-core machine, not a measurement: the harness's server fails the session
# only if it has not answered by then.
HARNESS_STARTUP_BOUND_SECONDS = 180


def samples_dir() -> Path:
    return Path(os.environ.get("CUSTOMS_GACC_SAMPLES", REPO_ROOT.parent / "shared" / "gacc-samples"))


@pytest.fixture(scope="session")
def gacc_samples() -> Path:
    """The verbatim GACC pages beside the repository; a test that needs them skips, saying why."""
    folder = samples_dir()
    if not folder.is_dir():
        pytest.skip(f"GACC samples folder absent: {folder} (set CUSTOMS_GACC_SAMPLES to run this test)")
    return folder


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect's test harness (a temporary database and API server), started once per worker: flows run
    in the test process use it, and so do the `customs` children given `prefect_api_url`."""
    from prefect.logging.configuration import setup_logging
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # Configure Prefect's log handlers on the real stderr now: configured later, inside a CliRunner
    # invocation, they would keep its captured stream and fail once the invocation has closed it.
    setup_logging(incremental=False)
    with (
        prefect_test_harness(server_startup_timeout=HARNESS_STARTUP_BOUND_SECONDS),
        # No heartbeat thread for the flows run in the test process: the engine joins it at the end of
        # every flow run, and it sleeps in one-second steps (about 0.9 s a run). Heartbeats let a server
        # detect crashed runs of deployed flows; nothing the tests check here depends on them (the
        # deployment test and the `customs` children run with Prefect's own settings).
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_harness: None) -> str:
    """The API URL of the worker's harness: a `customs` child given it as PREFECT_API_URL starts no
    temporary server of its own (only the tests of that server need one)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness set no API URL"
    return str(url)


@pytest.fixture(scope="session")
def published_demo_run(
    tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> tuple[Path, RunSummary]:
    """The demo releases published by the monthly-release flow into a fresh data root, once per worker,
    with the flow's summary. The data root is READ-ONLY: copy it (`published_demo_copy`) to change it."""
    from flows.monthly import monthly_release

    data = tmp_path_factory.mktemp("published-demo") / "data"
    summary = monthly_release(source="demo", data_dir=str(data))
    assert summary.published, summary.message
    return data, summary


@pytest.fixture(scope="session")
def published_demo(published_demo_run: tuple[Path, RunSummary]) -> Path:
    """A data root with the demo releases published, shared READ-ONLY by the tests that only read it."""
    data, _ = published_demo_run
    return data


def copy_data_root(source: Path, destination: Path) -> Path:
    """A copy of a data root that a test may change: far cheaper than publishing the demo again."""
    shutil.copytree(source, destination)
    return destination


def land_demo_months(folder: Path, *months: str) -> list[Path]:
    """Copy the bundled demo's pages of `months` (every table, both editions) into `folder`: a landing
    folder that a whole run ingests, builds, gates, publishes and reports on in a fraction of the cost of
    the demo's three years, for the tests whose point is not the demo's history."""
    from domain.periods import Period
    from flows.ingest.sources import demo_releases_dir
    from tools.demo.releases import RENDERED_TABLES, page_name
    from warehouse.codes import CURRENCIES

    folder.mkdir(parents=True, exist_ok=True)
    landed = []
    for key in months:
        period = Period.parse(key)
        pages = demo_releases_dir() / str(period.year) / "pages"
        for table_id in RENDERED_TABLES:
            for currency in CURRENCIES:
                page = pages / page_name(table_id, currency, period)
                if page.exists():  # the Jan-Feb release has no single-month trade modes
                    landed.append(Path(shutil.copy(page, folder / page.name)))
    assert landed, f"no demo pages of {months}"
    return landed


@pytest.fixture
def published_demo_copy(published_demo: Path, tmp_path: Path) -> Path:
    """This test's own copy (tmp_path / "data") of the published demo data root, to run flows against."""
    return copy_data_root(published_demo, tmp_path / "data")


# --- the order of the files across the two workers ------------------------------------------------------
# `pytest -n 2 --dist loadfile` hands out whole files in collection order; a worker takes the next one
# when it is nearly done. The slowest files go first (each minutes long: whole flows in child processes),
# so that the many short ones fill in behind them and both workers finish together, instead of one
# worker starting a slow file last while the other waits. The other files keep their collection order.
SLOWEST_FILES_FIRST = (
    "tests/integration/test_backfill.py",
    "tests/integration/test_bad_inputs_built.py",
    "tests/integration/test_bad_inputs_partner_rows.py",
    "tests/reliability/test_shrink_and_repair.py",
    "tests/integration/test_deployments.py",
    "tests/integration/test_bad_inputs_published.py",
    "tests/integration/test_quarantine.py",
    "tests/integration/test_real_layouts.py",
    "tests/reliability/test_writer_lock.py",
    "tests/reliability/test_unknown_partner.py",
    "tests/reliability/test_landing.py",
    "tests/integration/test_monthly_release.py",
    "tests/reliability/test_publish_faults.py",
    "tests/integration/test_bad_inputs.py",
)


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist would otherwise reorder the files by their number of tests (a file of one slow test
    # would go last): keep the collection order below.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOWEST_FILES_FIRST)}
    items.sort(
        key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank))
    )  # stable: the rest keep theirs
