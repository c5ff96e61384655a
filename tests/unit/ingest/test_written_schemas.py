"""What ingest writes has the contract's schema: column names, types and order, file by file.

A small landing folder (one demo table page, one online-query export, one page that cannot be parsed)
goes through the real pipeline into a temporary data root; the Parquet files it wrote are then read
back and compared with the Arrow schema of the contract they belong to.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from config.settings import Settings
from flows.ingest.pipeline import ingest
from flows.ingest.sources import LandingSource, demo_releases_dir
from flows.ingest.staging import staging_files
from warehouse.contracts import TableContract
from warehouse.tables import ARCHIVE_MANIFEST, STG_ONLINE_QUERY, STG_PRELIMINARY

FIXTURES = Path(__file__).parents[2] / "fixtures"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("written-schemas")
    landing = root / "landing"
    (landing / "exports").mkdir(parents=True)
    demo_page = sorted((demo_releases_dir() / "2025" / "pages").glob("*.html"))[0]
    shutil.copy(demo_page, landing / "table_page.html")
    shutil.copy(FIXTURES / "online_query" / "hs8_partner_2024_exports_cny_gbk.csv", landing / "exports")
    shutil.copy(FIXTURES / "pages" / "error_unknown_unit.html", landing / "unknown_unit.html")
    settings = Settings(data_dir=root / "data")
    report = ingest(LandingSource(landing), settings)
    assert (len(report.staged), len(report.quarantined)) == (2, 1), report.summary()
    return settings


def _columns(path: Path | io.BytesIO) -> list[tuple[str, str, str]]:
    """(name, physical type, logical type) of each column, in order, as a Parquet reader sees them.

    Compared at the Parquet level: polars keeps strings as Arrow's `large_string` where the contract
    renders `string`, which is the same Parquet column (binary, String)."""
    schema = pq.ParquetFile(path).schema
    return [
        (column.name, column.physical_type, str(column.logical_type))
        for column in (schema.column(i) for i in range(len(schema)))
    ]


def _contract_columns(contract: TableContract) -> list[tuple[str, str, str]]:
    buffer = io.BytesIO()
    pq.write_table(contract.arrow_schema().empty_table(), buffer)
    buffer.seek(0)
    return _columns(buffer)


@pytest.mark.parametrize("contract", [STG_PRELIMINARY, STG_ONLINE_QUERY], ids=lambda c: c.qualified_name)
def test_staging_files_have_the_contract_schema(ingested: Settings, contract: TableContract) -> None:
    files = staging_files(contract, ingested.staging_dir)
    assert files, f"ingest wrote no {contract.qualified_name} file"
    for path in files:
        assert _columns(path) == _contract_columns(contract), path


def test_manifest_has_the_contract_schema(ingested: Settings) -> None:
    assert _columns(ingested.manifest_path) == _contract_columns(ARCHIVE_MANIFEST)


def test_a_file_that_cannot_be_parsed_is_quarantined_for_that_reason(ingested: Settings) -> None:
    manifest = pl.read_parquet(ingested.manifest_path)
    result = manifest.group_by("status", "quarantine_reason").len().sort("status")
    expected = pl.DataFrame(
        {"status": ["quarantined", "staged"], "quarantine_reason": ["parse", None], "len": [1, 2]},
        schema_overrides={"len": pl.UInt32},
    )
    assert_frame_equal(result, expected)
