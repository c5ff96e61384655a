"""A backfill's range keeps the demo and a landing folder to the files of its periods (`periods=`): the
demo by what its index pages list each page as, a landing file by the month or year its name states."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from domain.periods import Period
from flows.backfill import periods_between
from flows.ingest.archive import RawArchive
from flows.ingest.pipeline import ingest
from flows.ingest.sources import DemoSource, LandingSource


def _keys(start: str, end: str) -> list[str]:
    return [p.key for p in periods_between(start, end)]


def _of_range(period: str | None, keys: list[str]) -> bool:
    """A manifest period in the backfill's sense (flows.backfill: Jan and Feb go with Jan-Feb)."""
    if period is None:
        return False
    parsed = Period.parse(period)
    return parsed.key in keys or (parsed.last_month <= 2 and Period.jan_feb(parsed.year).key in keys)


@pytest.fixture(scope="module")
def whole_demo(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """The manifest of every demo file, ingested without a range."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("whole") / "data")
    ingest(DemoSource(), settings)
    manifest = RawArchive(settings.archive_dir).manifest
    assert manifest.height == 439
    return manifest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end", "indexes"),
    [
        pytest.param(
            "2025-02", "2025-03", ["2025/index.html", "bulletin/monthly.html"], id="jan_feb_and_march"
        ),
        pytest.param(
            "2024-11",
            "2024-12",
            ["2024/index.html", "online_query/online_query_hs8_partner_2024_imports_usd.csv"],
            id="a_year_end_with_the_export_of_that_year",
        ),
    ],
)
def test_a_demo_range_ingests_the_pages_of_its_periods_and_no_other(
    whole_demo: pl.DataFrame, tmp_path: Path, start: str, end: str, indexes: list[str]
) -> None:
    keys = _keys(start, end)
    settings = Settings(data_dir=tmp_path / "data")

    report = ingest(DemoSource(keys), settings)

    manifest = RawArchive(settings.archive_dir).manifest
    pages = whole_demo.filter(
        pl.col("product").is_in(["preliminary", "bulletin"])
        & pl.col("period").map_elements(lambda p: _of_range(p, keys), return_dtype=pl.Boolean)
    )
    assert pages.height >= 12  # every table of each month, in both editions
    taken = manifest.filter(pl.col("product").is_in(["preliminary", "bulletin"]))
    assert sorted(taken["source_sha256"]) == sorted(pages["source_sha256"])
    others = manifest.filter(
        ~pl.col("product").is_in(["preliminary", "bulletin"]) | pl.col("product").is_null()
    )
    assert sorted(uri.removeprefix("demo:") for uri in others["source_uri"]) == sorted(indexes)
    assert report.quarantined == []


def test_without_a_range_the_demo_gives_every_file() -> None:
    assert len(list(DemoSource().files(set()))) == 439
    assert len(list(DemoSource(_keys("2023-01", "2025-12")).files(set()))) == 439


def test_a_landing_range_skips_files_whose_name_states_another_month_or_year(tmp_path: Path) -> None:
    names = [
        "online_query_hs8_partner_202401_export_cny.csv",  # January: the Jan-Feb period
        "online_query_hs8_partner_202403_import_cny.csv",
        "online_query_hs8_partner_202405_export_cny.csv",  # May: outside
        "online_query_hs8_partner_2024_imports_usd.csv",  # the year: in part inside
        "online_query_hs8_partner_2023_imports_usd.csv",  # another year
        "2024in.csv",  # a name without the month or year as a word: read, parsed, judged by its rows
        "page-20240501.html",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")

    given = [
        f.original_name for f in LandingSource(tmp_path, periods=_keys("2024-01", "2024-03")).files(set())
    ]

    assert sorted(given) == sorted(
        [
            "online_query_hs8_partner_202401_export_cny.csv",
            "online_query_hs8_partner_202403_import_cny.csv",
            "online_query_hs8_partner_2024_imports_usd.csv",
            "2024in.csv",
            "page-20240501.html",
        ]
    )
    assert len(list(LandingSource(tmp_path).files(set()))) == len(names)
