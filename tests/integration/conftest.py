"""Integration tests run whole Prefect flows for real, against the Prefect test harness.

Their session fixtures (`prefect_harness`, `prefect_api_url`, `published_demo`, `published_demo_copy`)
are in tests/conftest.py, shared with the reliability tests. The fixtures here run the cases of the
bad-input corpus (tests/integration/bad_inputs.py), once per test module.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.corpus.cases import Case
from tests.integration.bad_inputs import LOOKED_AT_AGAIN, Run, run_case_in


@pytest.fixture(scope="module")
def no_flow_heartbeats(prefect_harness: None) -> Iterator[None]:
    """Flow runs without Prefect's heartbeat thread, for the module that uses it.

    The engine joins that thread at the end of every flow run, and it sleeps in one-second steps: about
    0.9 s a run, 40 s over the corpus. Heartbeats let a server detect crashed runs of deployed flows;
    nothing the product does or these tests check depends on them.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(scope="module")
def published_base(published_demo: Path, no_flow_heartbeats: None) -> Path:
    """A data root where the demo releases are published (the worker's, tests/conftest.py): every case
    copies it."""
    return published_demo


@pytest.fixture(scope="module")
def run_case(
    published_base: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[Case], Run]]:
    """Runs a case (once per module for those in LOOKED_AT_AGAIN) in a copy of the published data root.

    A copy is 20 MB: each is deleted once its test is done with it, so 45 cases do not fill the disk.
    """
    kept: dict[str, Run] = {}

    def run(case: Case) -> Run:
        if case.name in kept:
            return kept[case.name]
        done = run_case_in(case, published_base, tmp_path_factory.mktemp(case.name))
        if case.name in LOOKED_AT_AGAIN:
            kept[case.name] = done
        return done

    yield run
    for done in kept.values():
        shutil.rmtree(done.data, ignore_errors=True)
