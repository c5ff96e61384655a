"""A Bulletin page printed without a Unit row waits for a vintage that confirms its assumed US$1,000:
whichever comes first, the page or the release that confirms it, the page ends up staged (or, where the
other vintage disagrees, rejected for good). Real ingest into a temporary data root.

Fixtures (tests/fixtures/bulletin/README.md): the February 2019 customs-regime page without a Unit row,
and the preliminary table (1) of January-February 2019 in USD whose cumulative totals confirm it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from flows.ingest.archive import RawArchive
from flows.ingest.pipeline import ingest
from flows.ingest.sources import LandingSource
from flows.ingest.staging import scan_staging
from flows.repair import repair_archive
from warehouse.tables import STG_PRELIMINARY

BULLETIN = Path(__file__).parents[2] / "fixtures" / "bulletin"
NO_UNIT_ROW = "customs_regime_2019-02_usd_no_unit_row.html"
TABLE_1 = "preliminary_t1_totals_2019-01-02_usd.html"


def _manifest(settings: Settings) -> dict[str, tuple[str, str | None]]:
    """original name -> (status, quarantine reason)."""
    manifest = RawArchive(settings.archive_dir).manifest
    return {
        name: (status, reason)
        for name, status, reason in manifest.select(
            "original_name", "status", "quarantine_reason"
        ).iter_rows()
    }


def _staged_bulletin_totals(settings: Settings) -> list[tuple[str, str, int]]:
    cells = scan_staging(STG_PRELIMINARY, settings.staging_dir).filter(
        (pl.col("product") == "bulletin") & (pl.col("label") == "TOTAL") & (pl.col("measure") == "value")
    )
    return sorted(cells.select("direction", "span", "amount_whole_units").collect().iter_rows())


CONFIRMED = [
    ("export", "month", 135_000_000_000),
    ("export", "ytd", 352_000_000_000),
    ("import", "month", 131_000_000_000),
    ("import", "ytd", 318_000_000_000),
]


def test_a_page_ingested_before_the_release_that_confirms_it_waits_and_is_staged_when_it_comes(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copy(BULLETIN / NO_UNIT_ROW, landing / NO_UNIT_ROW)

    first = ingest(LandingSource(landing), settings)
    assert (first.staged, [uri.endswith(NO_UNIT_ROW) for uri, _ in first.quarantined]) == ([], [True])
    assert "no other vintage of 2019-02 is staged yet to confirm US$1,000: waiting" in first.quarantined[0][1]
    assert _manifest(settings) == {NO_UNIT_ROW: ("quarantined", "unconfirmed")}

    shutil.copy(BULLETIN / TABLE_1, landing / TABLE_1)
    second = ingest(LandingSource(landing), settings)
    assert (len(second.staged), second.quarantined) == (2, [])
    assert _manifest(settings) == {NO_UNIT_ROW: ("staged", None), TABLE_1: ("staged", None)}
    assert _staged_bulletin_totals(settings) == CONFIRMED

    # A repair of a lost staging parses the files in the order they came, the page before its confirming
    # release: the page is checked again once that release is staged, so the repair agrees with the ingests.
    shutil.rmtree(settings.staging_dir)
    repaired = repair_archive(settings)
    assert (repaired.staged, repaired.quarantined) == (2, [])
    assert _manifest(settings) == {NO_UNIT_ROW: ("staged", None), TABLE_1: ("staged", None)}
    assert _staged_bulletin_totals(settings) == CONFIRMED


def test_within_one_run_the_order_of_the_page_and_its_confirming_release_does_not_matter(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = Settings(data_dir=tmp_path / "data")
    # Named so that the landing folder yields the Bulletin page first.
    shutil.copy(BULLETIN / NO_UNIT_ROW, landing / f"a_{NO_UNIT_ROW}")
    shutil.copy(BULLETIN / TABLE_1, landing / f"b_{TABLE_1}")

    report = ingest(LandingSource(landing), settings)
    assert (len(report.staged), report.quarantined, report.every_file_quarantined) == (2, [], False)
    assert _staged_bulletin_totals(settings) == CONFIRMED


def test_a_waiting_page_that_the_other_vintage_contradicts_is_rejected_for_good(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copy(BULLETIN / NO_UNIT_ROW, landing / NO_UNIT_ROW)
    ingest(LandingSource(landing), settings)
    # Table (1) ten times larger: the page's figures are not in US$1,000.
    tenfold = (BULLETIN / TABLE_1).read_text().replace("3,520.3", "35,203.0").replace("3,179.8", "31,798.0")
    (landing / TABLE_1).write_text(tenfold)

    report = ingest(LandingSource(landing), settings)
    assert _manifest(settings)[NO_UNIT_ROW] == ("quarantined", "parse")
    ((uri, error),) = report.quarantined
    assert uri.endswith(NO_UNIT_ROW)
    assert "the unit is not US$1,000, rejected" in error


@pytest.mark.parametrize("reingest", [1, 2])
def test_a_page_nothing_confirms_keeps_waiting(tmp_path: Path, reingest: int) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copy(BULLETIN / NO_UNIT_ROW, landing / NO_UNIT_ROW)
    for _ in range(reingest):
        ingest(LandingSource(landing), settings)
    assert _manifest(settings) == {NO_UNIT_ROW: ("quarantined", "unconfirmed")}
    assert _staged_bulletin_totals(settings) == []
