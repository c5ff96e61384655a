"""The cases of the bad-input corpus (tests/corpus) that the gate refuses for a partner's rows (a partner
above its group or the World, its Export & Import off its export plus import, its year to date falling,
a value out of range), each run through the real monthly release (tests/integration/bad_inputs.py; the
corpus itself and the other cases are in test_bad_inputs.py, test_bad_inputs_built.py and
test_bad_inputs_published.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.corpus.cases import Case
from tests.integration.bad_inputs import PARTNER_ROWS, Run, case_params, check_case

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("case", case_params(PARTNER_ROWS))
def test_bad_input(case: Case, run_case: Callable[[Case], Run], published_base: Path) -> None:
    check_case(case, run_case, published_base)
