"""The bad-input corpus (tests/corpus) itself, and its cases rejected when parsed, each run through the real
monthly release (tests/integration/bad_inputs.py; the other cases are in test_bad_inputs_built.py,
test_bad_inputs_partner_rows.py and test_bad_inputs_published.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.corpus.cases import CASES, Case
from tests.corpus.make_corpus import BUILDERS, build_corpus, committed_corpus
from tests.integration.bad_inputs import PARSE_LEVEL, Run, case_params, check_case

pytestmark = [pytest.mark.integration, pytest.mark.slow]


# --- the corpus itself ----------------------------------------------------------------------------------
def test_committed_corpus_is_what_make_corpus_makes() -> None:
    made, committed = build_corpus(), committed_corpus()
    differing = sorted(k for k in made.keys() | committed.keys() if made.get(k) != committed.get(k))
    assert not differing, f"regenerate with `python -m tests.corpus.make_corpus`: {differing}"


def test_every_case_is_described_once_with_its_files() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert set(names) == set(BUILDERS)
    assert len(CASES) >= 30
    made = build_corpus()
    for case in CASES:
        assert set(case.files) == set(made[case.name]), case.name
        if case.outcome == "fails":
            assert case.error, case.name
        if case.outcome in ("fails", "warns") and case.error in ("", "GateFailedError"):
            assert case.rules, case.name
    assert {case.outcome for case in CASES} >= {"quarantined", "fails", "warns", "passes"}


# --- the cases rejected when parsed ---------------------------------------------------------------------
@pytest.mark.parametrize("case", case_params(PARSE_LEVEL))
def test_bad_input(case: Case, run_case: Callable[[Case], Run], published_base: Path) -> None:
    check_case(case, run_case, published_base)
