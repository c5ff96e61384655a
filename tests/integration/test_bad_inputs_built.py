"""The cases of the bad-input corpus (tests/corpus) refused at the build, or by the gate for more than a
partner's rows (a whole table, a period, one table against another), each run through the real monthly
release (tests/integration/bad_inputs.py; the corpus itself and the other cases are in test_bad_inputs.py,
test_bad_inputs_partner_rows.py and test_bad_inputs_published.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from flows.monthly import monthly_release
from tests.corpus.cases import CASES_BY_NAME, Case
from tests.integration.bad_inputs import REFUSED, Run, case_params, check_case

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("case", case_params(REFUSED))
def test_bad_input(case: Case, run_case: Callable[[Case], Run], published_base: Path) -> None:
    check_case(case, run_case, published_base)


def test_a_rejected_revision_does_not_withdraw_a_published_period(run_case: Callable[[Case], Run]) -> None:
    """After gate-page-x1000 is rejected, running again with nothing new keeps December 2025 published."""
    run = run_case(CASES_BY_NAME["gate-page-x1000"])
    assert type(run.error).__name__ == "GateFailedError"
    # Refusing to publish (raising) is a fine answer too: the warehouse is then left as it was.
    with contextlib.suppress(Exception):
        monthly_release(source="landing", path=str(run.landing), data_dir=str(run.data))
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        periods = {
            p for (p,) in con.execute("SELECT DISTINCT period FROM core.fact_partner_trade").fetchall()
        }
    assert "2025-12" in periods, f"December 2025 withdrawn; latest period now {max(periods)}"
