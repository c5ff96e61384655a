"""Limits on file size, field length, HTML nesting depth and parse time: hostile files are refused or
quarantined quickly and in bounded memory, while real GACC files never come near the defaults."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from flows.ingest.limits import html_depth_exceeds, longest_line
from flows.ingest.pipeline import ingest
from flows.ingest.sources import LandingSource, demo_releases_dir
from tests.reliability.conftest import CHILD_PEAK_RSS_CAP_BYTES, run_customs
from tests.reliability.files import good_pages, nested_divs_page, write_large_page


def _landing_with_good_pages(tmp_path: Path, count: int) -> Path:
    landing = tmp_path / "landing"
    landing.mkdir()
    for i, page in enumerate(good_pages(count)):
        (landing / f"good_{i}.html").write_bytes(page)
    return landing


def test_real_gacc_files_stay_far_within_the_default_limits(gacc_samples: Path) -> None:
    defaults = Settings()
    files = sorted(gacc_samples.iterdir()) + sorted(p for p in demo_releases_dir().rglob("*") if p.is_file())
    assert len(files) > 100
    for path in files:
        content = path.read_bytes()
        assert len(content) * 100 < defaults.max_file_bytes, path
        assert not html_depth_exceeds(content, defaults.max_html_depth // 8), path
        assert longest_line(content)[1] * 10 < defaults.max_field_bytes, path


def test_a_page_of_deeply_nested_divs_is_quarantined_before_it_is_parsed(tmp_path: Path) -> None:
    # 2 MB of nested <div>: lexbor alone would take minutes over it (quadratic, in C, uninterruptible).
    landing = _landing_with_good_pages(tmp_path, 3)
    (landing / "nested.html").write_bytes(nested_divs_page(2 * 1024 * 1024))
    settings = Settings(data_dir=tmp_path / "data")

    report = ingest(LandingSource(landing, max_file_bytes=settings.max_file_bytes), settings)

    assert len(report.staged) == 3
    assert report.quarantined == [
        (
            str(landing.resolve() / "nested.html"),
            f"file {landing.resolve() / 'nested.html'}: elements nested deeper than "
            f"{settings.max_html_depth} (CUSTOMS_MAX_HTML_DEPTH): not a GACC page",
        )
    ]


def test_a_parse_over_the_time_limit_is_quarantined(tmp_path: Path) -> None:
    # No real parse is done in a microsecond: each page runs out of time, and is quarantined for it.
    landing = _landing_with_good_pages(tmp_path, 2)
    settings = Settings(data_dir=tmp_path / "data", max_parse_seconds=1e-6)

    report = ingest(LandingSource(landing), settings)

    assert report.staged == []
    assert [error for _, error in report.quarantined] == [
        f"file {landing.resolve() / f'good_{i}.html'}: parsing took longer than 1e-06 s (CUSTOMS_MAX_PARSE_SECONDS)"
        for i in range(2)
    ]
    manifest = pl.read_parquet(settings.manifest_path)
    assert manifest["status"].to_list() == ["quarantined", "quarantined"]


@pytest.mark.slow
def test_a_200_mb_page_is_refused_by_its_size_before_it_is_read(tmp_path: Path, prefect_api_url: str) -> None:
    landing = _landing_with_good_pages(tmp_path, 2)
    huge = landing / "huge.html"
    write_large_page(huge, 200 * 1024 * 1024)
    data = tmp_path / "data"

    run = run_customs(
        ["ingest", "--source", "landing", "--path", str(landing), "--data-dir", str(data)],
        tmp_path,
        prefect_api_url,
    )

    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    # Reading and parsing it took 5.7 GB; refused unread, the command stays near its usual size.
    assert run.peak_rss_bytes < CHILD_PEAK_RSS_CAP_BYTES
    size = huge.stat().st_size
    limit = Settings().max_file_bytes
    expected = f"{huge}: {size:,} bytes, over the limit of {limit:,} (CUSTOMS_MAX_FILE_BYTES), not read"
    assert f"refused {expected}" in run.output.splitlines()
    assert all(line.endswith(expected) for line in run.lines_naming(str(huge)))  # whole, never wrapped
    manifest = pl.read_parquet(data / "archive" / "manifest.parquet")
    assert sorted(Path(uri).name for uri in manifest["source_uri"]) == ["good_0.html", "good_1.html"]
    assert set(manifest["status"]) == {"staged"}
    assert max(p.stat().st_size for p in (data / "archive" / "raw").rglob("*.*")) < 1024 * 1024
