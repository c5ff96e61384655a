"""An unknown partner label at build: charged to its release, quarantined, and later runs go on.

Before: the build stopped with a traceback, nothing was quarantined, and every later run failed on the
same staged rows, even `--source demo`. Now the release is quarantined (`quarantine_reason` 'build'),
the run fails with one line naming the file, table, row and label, and the next run publishes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import land_demo_months
from tests.corpus.make_corpus import CORPUS_DIR
from tests.reliability.cli import customs

pytestmark = [pytest.mark.slow, pytest.mark.integration]

PAGE = "t4_by_partner_2025-12_usd.html"
BAD_RELEASE = "preliminary:2025-12:2026-01-20"  # the page's own release: a revised Dec 2025 table (4)


def test_an_unknown_partner_label_quarantines_its_release_and_the_next_run_publishes(
    tmp_path: Path, harness_env: dict[str, str]
) -> None:
    env = harness_env
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copyfile(CORPUS_DIR / "page-unknown-partner-label" / PAGE, landing / PAGE)
    data = tmp_path / "data"

    rejected = customs("run", "--source", "landing", "--path", str(landing), "--data-dir", str(data), env=env)
    assert rejected.exit_code == 1, rejected.output
    assert "Traceback" not in rejected.output, rejected.output
    [line] = rejected.error_lines()
    for fragment in (str(landing / PAGE), "table (4) by_partner", "row ", "unknown partner label 'Atlantis'"):
        assert fragment in line, f"{fragment!r} not in {line!r}"
    assert f"quarantined: {BAD_RELEASE}" in line
    assert not (data / "warehouse.duckdb").exists()

    manifest = pl.read_parquet(data / "archive" / "manifest.parquet")
    [row] = manifest.filter(pl.col("release_id") == BAD_RELEASE).to_dicts()
    assert (row["status"], row["quarantine_reason"]) == ("quarantined", "build")
    assert "unknown partner label 'Atlantis'" in row["error"]
    assert PAGE in row["error"]

    # Before, every later run failed on the rows staged from that page; the next run here, on two good
    # months of the demo (December 2025's first print among them), publishes.
    good = tmp_path / "good"
    land_demo_months(good, "2025-11", "2025-12")
    published = customs("run", "--source", "landing", "--path", str(good), "--data-dir", str(data), env=env)
    assert published.exit_code == 0, published.output
    assert "published" in published.stdout
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        releases = {r for (r,) in con.execute("SELECT release_id FROM meta.releases").fetchall()}
        partners = {
            p for (p,) in con.execute("SELECT DISTINCT partner_label FROM core.fact_partner_trade").fetchall()
        }
    assert BAD_RELEASE not in releases
    assert "preliminary:2025-12:2026-01-14" in releases or any(
        r.startswith("preliminary:2025-12:") for r in releases
    )
    assert "Atlantis" not in partners
