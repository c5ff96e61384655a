from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from domain.periods import Period
from flows.ingest.archive import ManifestUnreadableError, RawArchive, sha256_hex
from flows.ingest.model import Cell, PreliminaryTable, TableRow
from flows.ingest.staging import preliminary_frame, scan_staging, write_partitions
from warehouse.contracts import ContractError
from warehouse.tables import ARCHIVE_MANIFEST, STG_PRELIMINARY

RETRIEVED = datetime(2025, 12, 9, 8, 0, tzinfo=UTC)


def _row(sha: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source_sha256": sha,
        "size_bytes": 3,
        "source_uri": f"demo:{sha[:6]}.html",
        "original_name": f"{sha[:6]}.html",
        "retrieved_at": RETRIEVED,
        "product": "preliminary",
        "table_id": "totals",
        "currency": "USD",
        "period": "2025-11",
        "published_on": date(2025, 12, 8),
        "parser_version": "1.0.0",
        "status": "staged",
        "quarantine_reason": None,
        "error": None,
        "release_id": "preliminary:2025-11:2025-12-08",
    }
    row.update(overrides)
    return row


def test_same_bytes_twice_is_a_no_op(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    first = archive.store(b"abc", ".html")
    second = archive.store(b"abc", ".html")
    assert first.is_new and not second.is_new
    assert first.path == second.path
    assert first.sha256 == sha256_hex(b"abc")
    assert first.path.read_bytes() == b"abc"
    assert not first.path.stat().st_mode & stat.S_IWUSR  # raw files are read-only
    assert list(tmp_path.rglob("*.tmp")) == []


def test_manifest_records_each_hash_once_and_survives_reload(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    assert archive.record([_row("a" * 64), _row("b" * 64)]) == 2
    assert archive.record([_row("a" * 64)]) == 0
    reloaded = RawArchive(tmp_path)
    assert sorted(reloaded.known_hashes()) == ["a" * 64, "b" * 64]


def test_new_vintage_stands_beside_the_old_one(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    old = archive.store(b"<html>v1</html>", ".html")
    new = archive.store(b"<html>v2</html>", ".html")
    archive.record([_row(old.sha256), _row(new.sha256, published_on=date(2025, 12, 20))])
    assert old.path.read_bytes() == b"<html>v1</html>"
    assert new.path.read_bytes() == b"<html>v2</html>"
    assert archive.manifest.height == 2


def test_manifest_rejects_a_row_that_breaks_its_contract(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    with pytest.raises(ContractError, match=r"archive\.manifest"):
        archive.record([_row("c" * 64, source_uri=None)])
    assert not archive.manifest_path.exists()


def test_quarantine_marks_the_file_and_keeps_the_bytes(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    stored = archive.store(b"page", ".html")
    archive.record([_row(stored.sha256)])
    archive.update_status([stored.sha256], "quarantined", "rule x failed", quarantine_reason="gate")
    reloaded = RawArchive(tmp_path).manifest.row(0, named=True)
    assert (reloaded["status"], reloaded["quarantine_reason"], reloaded["error"]) == (
        "quarantined",
        "gate",
        "rule x failed",
    )
    assert archive.read(stored.sha256) == b"page"

    archive.update_status([stored.sha256], "staged", "released by override")
    released = RawArchive(tmp_path).manifest.row(0, named=True)
    assert (released["status"], released["quarantine_reason"]) == ("staged", None)


def test_a_manifest_written_before_quarantine_reason_gets_it_from_the_old_wording(tmp_path: Path) -> None:
    legacy = pl.DataFrame(
        [
            _row("a" * 64),
            _row("b" * 64, status="quarantined", error="file b.html: unknown unit 'EUR 1 Million'"),
            _row("c" * 64, status="quarantined", error="data-quality gate run-1: FAILED: 1 critical"),
        ],
        schema=ARCHIVE_MANIFEST.polars_schema(),
    ).drop("quarantine_reason")
    legacy.write_parquet(tmp_path / "manifest.parquet")

    result = RawArchive(tmp_path).manifest.select("source_sha256", "quarantine_reason")
    expected = pl.DataFrame(
        {"source_sha256": ["a" * 64, "b" * 64, "c" * 64], "quarantine_reason": [None, "parse", "gate"]}
    )
    assert_frame_equal(result, expected)


def _table(period: Period, figure: float) -> PreliminaryTable:
    cells = (
        Cell(1, "value", "month", "export", figure, int(figure * 100_000_000)),
        Cell(2, "value", "ytd", "export", None, None),
    )
    return PreliminaryTable(
        table_id="totals",
        printed_number=1,
        title="(1) China's Total Export & Import Values, Nov 2025 (in CNY)",
        currency="CNY",
        unit_label="CNY 100 Million",
        scale=100_000_000,
        period=period,
        published_on=date(2025, 12, 8),
        rows=(TableRow(1, "Export", "Export", 0, None, None, cells),),
    )


def test_staging_is_partitioned_by_table_and_period_and_rewrites_identically(tmp_path: Path) -> None:
    frame = preliminary_frame(_table(Period.jan_feb(2025), 12.5), release_id="r1", sha256="d" * 64)
    first = write_partitions(frame, STG_PRELIMINARY, tmp_path, "r1-CNY")
    assert [p.relative_to(tmp_path).as_posix() for p in first] == [
        "preliminary_cells/table_id=totals/period=2025-01..02/r1-CNY.parquet"
    ]
    content = first[0].read_bytes()
    write_partitions(frame, STG_PRELIMINARY, tmp_path, "r1-CNY")
    assert first[0].read_bytes() == content  # idempotent, byte for byte

    staged = scan_staging(STG_PRELIMINARY, tmp_path).collect()
    assert staged.schema == STG_PRELIMINARY.polars_schema()
    assert staged.select("period", "span", "figure_as_published").rows() == [
        ("2025-01..02", "month", 12.5),
        ("2025-01..02", "ytd", None),
    ]


def test_scan_of_empty_staging_has_the_contract_schema(tmp_path: Path) -> None:
    result = scan_staging(STG_PRELIMINARY, tmp_path).collect()
    assert result.schema == STG_PRELIMINARY.polars_schema()
    assert result.height == 0
    assert isinstance(result, pl.DataFrame)


def test_a_truncated_manifest_is_named_with_the_way_out_not_a_parquet_traceback(tmp_path: Path) -> None:
    RawArchive(tmp_path).record([_row("a" * 64), _row("b" * 64)])
    manifest = tmp_path / "manifest.parquet"
    manifest.write_bytes(manifest.read_bytes()[:100])
    with pytest.raises(
        ManifestUnreadableError,
        match=rf"^the archive manifest {manifest} is unreadable \(.+\): run `customs repair` to rebuild it from the raw archive$",
    ):
        _ = RawArchive(tmp_path).manifest
