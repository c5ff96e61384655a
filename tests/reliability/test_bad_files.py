"""One bad file never stops the others: a landing folder of good pages and hostile files, through the
real `customs ingest` in a child process, run after run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.reliability.conftest import CHILD_PEAK_RSS_CAP_BYTES, run_customs
from tests.reliability.files import (
    csv_with_huge_field,
    good_pages,
    totals_page_usd,
    with_first_figure,
)

pytestmark = pytest.mark.slow

FIELD_LIMIT = 256 * 1024


def _manifest(data: Path) -> pl.DataFrame:
    return pl.read_parquet(data / "archive" / "manifest.parquet")


def _staged_sha256s(data: Path) -> set[str]:
    files = sorted((data / "staging").rglob("*.parquet"))
    return set(pl.scan_parquet(files).select("source_sha256").unique().collect()["source_sha256"])


def test_bad_files_are_quarantined_and_the_good_ones_staged_run_after_run(
    tmp_path: Path, prefect_api_url: str
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    pages = good_pages(9)
    for i, page in enumerate(pages[:8]):
        (landing / f"good_{i}.html").write_bytes(page)
    totals = totals_page_usd()
    (landing / "digits_400.html").write_bytes(with_first_figure(totals, "1" * 400))
    # 99,999,999,999.0 x USD 100 million is 1e19 dollars: more than an int64 holds.
    (landing / "int64_overflow.html").write_bytes(with_first_figure(totals, "99,999,999,999.0"))
    (landing / "huge_field_imports.csv").write_bytes(csv_with_huge_field(8 * 1024 * 1024))
    data = tmp_path / "data"
    args = ["ingest", "--source", "landing", "--path", str(landing), "--data-dir", str(data)]
    env = {"CUSTOMS_MAX_FIELD_BYTES": str(FIELD_LIMIT)}

    first = run_customs(args, tmp_path, prefect_api_url, env)

    assert first.exit_code == 0, first.output
    assert "Traceback" not in first.output
    assert first.peak_rss_bytes < CHILD_PEAK_RSS_CAP_BYTES
    manifest = _manifest(data)
    staged = manifest.filter(pl.col("status") == "staged")
    assert sorted(Path(uri).name for uri in staged["source_uri"]) == [f"good_{i}.html" for i in range(8)]
    assert _staged_sha256s(data) == set(staged["source_sha256"])
    errors = {
        Path(row["source_uri"]).name: row["error"]
        for row in manifest.filter(pl.col("status") == "quarantined").iter_rows(named=True)
    }
    assert sorted(errors) == ["digits_400.html", "huge_field_imports.csv", "int64_overflow.html"]
    for name, error in errors.items():
        assert "\n" not in error
        assert f"file {landing / name}" in error
        assert len(error) < 400  # a 400-digit number is shown shortened
        # The CLI says it in one line naming the file.
        assert any("quarantined" in line for line in first.lines_naming(str(landing / name)))
    assert "table 'totals', row 'Export & Import', column" in errors["digits_400.html"]
    assert "number out of range" in errors["digits_400.html"]
    assert "table 'totals', row 'Export & Import', column" in errors["int64_overflow.html"]
    assert "out of the int64 range" in errors["int64_overflow.html"]
    assert (
        f"over the field limit of {FIELD_LIMIT:,} (CUSTOMS_MAX_FIELD_BYTES)"
        in errors["huge_field_imports.csv"]
    )
    assert "row 2" in errors["huge_field_imports.csv"]
    # Every file, bad ones included, is in the raw archive: nothing is lost.
    for sha256 in manifest["source_sha256"]:
        assert len(list((data / "archive" / "raw" / sha256[:2]).glob(f"{sha256}*"))) == 1

    # The next run: the bad files are still there; a new good page beside them is staged all the same.
    (landing / "good_8.html").write_bytes(pages[8])
    (landing / "digits_400_again.html").write_bytes(with_first_figure(totals, "9" * 400))
    second = run_customs(args, tmp_path, prefect_api_url, env)

    assert second.exit_code == 0, second.output
    assert "Traceback" not in second.output
    after = _manifest(data)
    assert after.filter(pl.col("status") == "staged").height == 9
    assert sorted(
        Path(uri).name for uri in after.filter(pl.col("status") == "quarantined")["source_uri"]
    ) == ["digits_400.html", "digits_400_again.html", "huge_field_imports.csv", "int64_overflow.html"]
    assert _staged_sha256s(data) == set(after.filter(pl.col("status") == "staged")["source_sha256"])
