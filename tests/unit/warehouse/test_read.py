"""warehouse/read.py: the published warehouse's releases, read-only, and nothing created where none is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.unit.status import APRIL_2026, APRIL_2026_MONTHS, write_warehouse
from warehouse.read import warehouse_release_frame, warehouse_releases


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return write_warehouse(tmp_path / "data" / "warehouse.duckdb", APRIL_2026, APRIL_2026_MONTHS)


def _row(frame: pl.DataFrame, product: str, period: str) -> dict[str, object]:
    rows = frame.filter((pl.col("product") == product) & (pl.col("period") == period)).rows(named=True)
    assert len(rows) == 1, (product, period, rows)
    return rows[0]


def test_absent_warehouse_holds_nothing_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"

    assert warehouse_releases(path) == set()
    assert not path.exists()


def test_warehouse_releases(warehouse: Path) -> None:
    result = warehouse_releases(warehouse)

    assert ("preliminary", "2026-01..02") in result
    assert ("preliminary", "2025-12") in result
    # Quarantined: recorded in meta.releases, but its figures are not in the warehouse.
    assert ("preliminary", "2026-03") not in result
    # An online-query release stands for every month its export holds, not only its last one.
    assert {("online_query", f"2025-{m:02d}") for m in range(1, 13)} <= result
    assert ("online_query", "2026-01") in result
    assert ("bulletin", "2026-02") in result
    assert {p for p, _ in result} == {"preliminary", "bulletin", "online_query"}
    assert len(result) == 11 + 1 + 11 + 1 + 12 + 2


def test_online_query_release_without_fact_table_counts_its_last_month_only(tmp_path: Path) -> None:
    path = write_warehouse(
        tmp_path / "data" / "warehouse.duckdb", [("online_query", "2025-12", date(2026, 1, 20))]
    )

    assert warehouse_releases(path) == {("online_query", "2025-12")}


def test_reading_the_warehouse_closes_its_connection(warehouse: Path) -> None:
    warehouse_releases(warehouse)

    # A read-only connection still open in this process would make a read-write one fail.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE meta.after_read (x INTEGER)")


def test_latest_published_on_per_period(warehouse: Path) -> None:
    frame = warehouse_release_frame(warehouse)

    assert _row(frame, "preliminary", "2026-01..02")["published_on"] == date(2026, 3, 10)
    assert frame.schema == pl.Schema({"product": pl.String, "period": pl.String, "published_on": pl.Date})


def test_a_file_without_meta_releases_is_not_a_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")

    with pytest.raises(ValueError, match=r"no meta\.releases table: not a customs warehouse"):
        warehouse_releases(path)
