"""Running a case of the bad-input corpus (tests/corpus) through the real monthly release, and what each
outcome must look like. The tests are in test_bad_inputs.py (the corpus itself, and the cases rejected when
parsed), test_bad_inputs_partner_rows.py (the cases the gate refuses for a partner's rows),
test_bad_inputs_built.py (the other cases refused at the build or the gate) and
test_bad_inputs_published.py (the cases published, with or without warnings): four files, so that the
two workers of `pytest -n 2 --dist loadfile` share the corpus (a refused case is a whole run on the demo:
the refused ones in one file would be the longest file of the suite). Their fixtures are in conftest.py.

The demo is published once per worker into a base data root (tests/conftest.py); every case then starts
from its own copy of that root, drops its files into a landing folder and runs
`monthly_release(source="landing", ...)`. What each case must do is in `tests/corpus/cases.py`; how its
files are made, in `tests/corpus/make_corpus.py`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.monthly import RunSummary, monthly_release
from tests.corpus.cases import CASES, Case
from tests.corpus.make_corpus import CORPUS_DIR

# The cases are split over four test files by outcome, so that the two workers share them.
PARSE_LEVEL = "parse-level"  # rejected when parsed: the run stops at the ingest, and costs little
PUBLISHED = "published"  # warns or passes: built, gated and published
PARTNER_ROWS = "partner-rows"  # fails the gate only on rules about a partner's rows (PARTNER_ROW_RULES)
REFUSED = "refused"  # fails or is rejected otherwise, at the build or the gate (and any outcome added later)

# The gate's rules on the rows of a partner (against its group, the World row, its own export and import,
# its previous period, its range), as against the rules on a whole table, a period or another table.
PARTNER_ROW_RULES = frozenset(
    {
        "members_not_above_group",
        "no_partner_above_world",
        "ei_equals_export_plus_import",
        "ytd_non_decreasing",
        "range:value_usd",
    }
)


def case_group(case: Case) -> str:
    """The one group a case is run in (test_bad_inputs.py, _published.py, _partner_rows.py, _built.py)."""
    if case.outcome == "quarantined":
        return PARSE_LEVEL
    if case.outcome in ("warns", "passes"):
        return PUBLISHED
    if case.error == "GateFailedError" and case.rules and set(case.rules) <= PARTNER_ROW_RULES:
        return PARTNER_ROWS
    return REFUSED


# --- running a case -------------------------------------------------------------------------------------
@dataclass
class Run:
    case: Case
    data: Path
    landing: Path
    summary: RunSummary | None
    error: Exception | None
    warehouse_before: str

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    def warehouse_unchanged(self) -> bool:
        return _sha256(self.warehouse.read_bytes()) == self.warehouse_before

    def file_hashes(self) -> dict[str, str]:
        return {name: _sha256((self.landing / name).read_bytes()) for name in self.case.files}

    def manifest(self) -> pl.DataFrame:
        return pl.read_parquet(self.data / "archive" / "manifest.parquet")

    def case_rows(self) -> dict[str, dict[str, object]]:
        """The manifest row of each of the case's files, by file name."""
        by_hash = {sha: name for name, sha in self.file_hashes().items()}
        rows = self.manifest().filter(pl.col("source_sha256").is_in(list(by_hash))).to_dicts()
        return {by_hash[str(row["source_sha256"])]: row for row in rows}

    def assert_raw_files_archived(self) -> None:
        for name, sha in self.file_hashes().items():
            stored = list((self.data / "archive" / "raw" / sha[:2]).glob(f"{sha}*"))
            assert len(stored) == 1, f"{name}: raw file {sha} not in the archive"
            assert stored[0].read_bytes() == (self.landing / name).read_bytes()


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _quarantined_releases(manifest: pl.DataFrame) -> set[str]:
    quarantined = manifest.filter((pl.col("status") == "quarantined") & pl.col("release_id").is_not_null())
    return set(quarantined["release_id"].to_list())


def run_case_in(case: Case, base: Path, tmp_path: Path) -> Run:
    data = tmp_path / "data"
    shutil.copytree(base, data)
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in case.files:
        shutil.copyfile(CORPUS_DIR / case.name / name, landing / name)
    before = _sha256((data / "warehouse.duckdb").read_bytes())
    summary: RunSummary | None = None
    error: Exception | None = None
    try:
        summary = monthly_release(source="landing", path=str(landing), data_dir=str(data))
    except Exception as exc:  # the outcome decides whether raising was right
        error = exc
    return Run(case, data, landing, summary, error, before)


# Cases whose run a later test looks at again: their data root is kept until the module ends.
LOOKED_AT_AGAIN = frozenset({"gate-page-x1000"})


def case_params(group: str) -> list[object]:
    """The corpus's cases of one group (`case_group`): the four groups hold every case once."""
    return [
        pytest.param(
            case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
        )
        for case in CASES
        if case_group(case) == group
    ]


def check_case(case: Case, run_case: Callable[[Case], Run], published_base: Path) -> None:
    """Run the case in a copy of the published base, and check what its outcome must look like."""
    assert not _quarantined_releases(pl.read_parquet(published_base / "archive" / "manifest.parquet"))
    run = run_case(case)
    try:
        {
            "quarantined": _check_quarantined,
            "fails": _check_fails,
            "rejected": _check_rejected,
            "warns": _check_published,
            "passes": _check_published,
        }[case.outcome](run)
    finally:
        if case.name not in LOOKED_AT_AGAIN:
            shutil.rmtree(run.data, ignore_errors=True)


# --- the outcomes ----------------------------------------------------------------------------------------
def _check_quarantined(run: Run) -> None:
    """Parse-level rejection: the run completes, says nothing new, and each file is quarantined by name."""
    case = run.case
    assert run.error is None, f"the run raised: {run.error!r}"
    assert run.summary is not None and run.summary.ingest is not None
    assert not run.summary.published
    assert "nothing new" in run.summary.message
    assert run.warehouse_unchanged()
    reported = {Path(uri).name: error for uri, error in run.summary.ingest.quarantined}
    assert set(reported) == set(case.files), run.summary.ingest.summary()
    rows = run.case_rows()
    assert set(rows) == set(case.files)
    for name in case.files:
        row = rows[name]
        assert row["status"] == "quarantined", row
        error = str(row["error"])
        assert error == reported[name]
        assert name in error, f"the error does not name the file: {error}"
        for fragment in case.fragments:
            assert fragment in error, f"{fragment!r} not in: {error}"
    run.assert_raw_files_archived()


def _check_fails(run: Run) -> None:
    """The run raises the expected error naming what is wrong; the warehouse is untouched."""
    case = run.case
    assert run.error is not None, f"nothing raised: {run.summary}"
    assert type(run.error).__name__ == case.error, repr(run.error)
    message = str(run.error)
    for fragment in case.fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert run.warehouse_unchanged()
    run.assert_raw_files_archived()
    rows = run.case_rows()
    assert set(rows) == set(case.files)
    if case.error == "BuildRejectedError":  # charged to the case's own releases, as a gate failure is
        for name, row in rows.items():
            assert (row["status"], row["quarantine_reason"]) == ("quarantined", "build"), row
            assert name in str(row["error"]), f"the error does not name the file: {row['error']}"
        assert _quarantined_releases(run.manifest()) == {row["release_id"] for row in rows.values()}
        return
    critical = message.split("\nwarnings:\n")[0]
    for rule in case.rules:
        assert f"  - {rule} on " in critical, f"{rule} is not among the critical failures:\n{critical}"
    manifest = run.manifest()
    assert _quarantined_releases(manifest) == case.quarantined_releases
    for sha in manifest.filter(pl.col("release_id").is_in(sorted(case.quarantined_releases)))[
        "source_sha256"
    ]:
        assert list((run.data / "archive" / "raw" / sha[:2]).glob(f"{sha}*")), f"quarantined {sha} not kept"
    for row in rows.values():
        if row["release_id"] in case.quarantined_releases:
            assert row["status"] == "quarantined", row
            assert "critical rules failed: " in str(row["error"])
            assert all(rule in str(row["error"]) for rule in case.rules), row["error"]
        else:
            assert row["status"] == "staged", row


def _check_rejected(run: Run) -> None:
    """Rejected one way or the other (raised, or quarantined at parse level): nothing published."""
    published = run.error is None and run.summary is not None and run.summary.published
    assert not published, "published, not rejected: the run raised nothing and quarantined nothing"
    assert run.warehouse_unchanged()
    run.assert_raw_files_archived()


def _check_published(run: Run) -> None:
    """Published; a `warns` case records a warning of each named rule, a `passes` case no failure at all."""
    case = run.case
    assert run.error is None, f"the run raised:\n{run.error}"
    assert run.summary is not None and run.summary.published, run.summary
    assert not run.warehouse_unchanged()
    assert all(row["status"] == "staged" for row in run.case_rows().values())
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        failed = con.execute(
            "SELECT rule, severity, unexpected_examples FROM meta.validation_results"
            " WHERE run_id = ? AND NOT success ORDER BY rule",
            [run.summary.run_id],
        ).fetchall()
        row = con.execute(case.sql).fetchall() if case.sql else None
    assert [r for r in failed if r[1] != "warning"] == [], "critical failures in a published run"
    if case.outcome == "passes":
        assert failed == [], f"a valid input failed expectations: {[r[0] for r in failed]}"
    for rule in case.rules:
        examples = [json.loads(r[2] or "[]") for r in failed if r[0] == rule]
        assert examples, f"no warning of {rule} recorded; failed: {[r[0] for r in failed]}"
        text = json.dumps(examples, ensure_ascii=False)
        for fragment in case.fragments:
            assert fragment in text, f"{fragment!r} not in the {rule} examples: {text[:2000]}"
    if case.sql:
        assert row == [case.sql_row], f"{case.sql}\n-> {row}"
