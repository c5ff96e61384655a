"""The cases of the bad-input corpus (tests/corpus) that are published, with or without warnings, each run
through the real monthly release (tests/integration/bad_inputs.py; the corpus itself and the other cases
are in test_bad_inputs.py, test_bad_inputs_built.py and test_bad_inputs_partner_rows.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.corpus.cases import Case
from tests.integration.bad_inputs import PUBLISHED, Run, case_params, check_case

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("case", case_params(PUBLISHED))
def test_bad_input(case: Case, run_case: Callable[[Case], Run], published_base: Path) -> None:
    check_case(case, run_case, published_base)
