"""`customs backfill --source demo` of a range takes in the demo files of that range only (it took all 439
whatever the range), and publishes those periods."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.backfill import backfill
from flows.ingest.archive import RawArchive
from flows.ingest.sources import DemoSource

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_a_backfill_of_two_months_of_the_demo_archives_and_publishes_those_months_only(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"

    summary = backfill(start="2025-04", end="2025-05", source="demo", data_dir=str(data))

    assert summary.published, summary.message
    assert (summary.missing, summary.quarantined) == ([], [])
    manifest = RawArchive(data / "archive").manifest
    pages = manifest.filter(pl.col("product").is_in(["preliminary", "bulletin"]))
    assert set(pages["period"]) == {"2025-04", "2025-05"}
    assert manifest.height == len(list(DemoSource(["2025-04", "2025-05"]).files(set()))) < 439
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        periods = {row[0] for row in con.execute("SELECT DISTINCT period FROM meta.releases").fetchall()}
    assert periods == {"2025-04", "2025-05"}
