"""A lost manifest, deleted staging files, a truncated manifest: no run publishes less than the warehouse
holds unless told to, every command says what is wrong in one line, and `customs repair` brings the
manifest and staging back from the raw archive, so that the next run publishes what was there before."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.ingest.archive import UNKNOWN_SOURCE
from flows.ingest.sources import demo_releases_dir
from tests.conftest import land_demo_months
from tools.warehouse_fingerprint import fingerprint

pytestmark = [pytest.mark.integration, pytest.mark.slow]

runner = CliRunner()
# What repair cannot know when the manifest is gone, and a new ingest records anew: where and when each
# file was retrieved. Everything else must come back identical.
# Who built each period of the fact, and when: a forced run rebuilds them all, by design.
BUILDERS = ("built_by_run_id", "built_at")
PROVENANCE = ("retrieved_at", "source_uri", *BUILDERS)


@pytest.fixture(autouse=True)
def _in_process_flows_use_the_session_api(prefect_api_url: str) -> None:
    """The flows run in this process (CliRunner), against the session's Prefect test harness."""


def _customs(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _partner_trade_rows(data: Path) -> int:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM core.fact_partner_trade").fetchone()
    assert row is not None
    return int(row[0])


def _last_run_message(data: Path) -> str:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("SELECT message FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone()
    assert row is not None
    return str(row[0])


def test_a_run_after_the_manifest_is_lost_refuses_to_publish_less_and_repair_restores_it(
    tmp_path: Path, published_demo_copy: Path
) -> None:
    data = published_demo_copy  # the demo, published
    warehouse = data / "warehouse.duckdb"
    before_bytes, before = _file_hash(warehouse), fingerprint(warehouse, ignore_columns=PROVENANCE)
    (data / "archive" / "manifest.parquet").unlink()
    landing = tmp_path / "landing"
    landing.mkdir()
    page = sorted((demo_releases_dir() / "2025" / "pages").glob("*.html"))[-1]
    shutil.copy(page, landing / page.name)

    code, output = _customs("run", "--source", "landing", "--path", str(landing), "--data-dir", str(data))
    assert code == 1, output
    [line] = [x for x in output.splitlines() if "refusing" in x]
    assert "refusing to publish less than the warehouse holds: " in line
    assert "published release(s) no longer staged" in line
    assert "run `customs repair`" in line
    assert "--allow-shrink" in line
    assert _file_hash(warehouse) == before_bytes  # nothing published

    code, output = _customs("repair", "--data-dir", str(data))
    assert code == 0, output
    assert "of unknown source" in output
    code, output = _customs("run", "--source", "demo", "--data-dir", str(data))
    assert code == 0, output
    assert fingerprint(warehouse, ignore_columns=PROVENANCE) == before
    # The demo source met the files repair could not place and recorded where they came from.
    manifest = pl.read_parquet(data / "archive" / "manifest.parquet")
    assert manifest.filter(pl.col("source_uri") == UNKNOWN_SOURCE).is_empty()


def test_deleted_staging_files_stop_a_forced_run_unless_it_may_shrink_and_repair_restores_them(
    tmp_path: Path,
) -> None:
    # Three months of the demo, published: a forced run rebuilds every period by design, here those three
    # months' (not the whole demo's, twice), and the files it misses are the same kind of staging files.
    landing, data = tmp_path / "landing", tmp_path / "data"
    land_demo_months(landing, "2025-10", "2025-11", "2025-12")
    run = ("run", "--source", "landing", "--path", str(landing), "--data-dir", str(data))
    code, output = _customs(*run)
    assert code == 0, output
    warehouse = data / "warehouse.duckdb"
    before_bytes, rows = _file_hash(warehouse), _partner_trade_rows(data)
    before = fingerprint(warehouse, ignore_columns=BUILDERS)
    by_partner = data / "staging" / "preliminary_cells" / "table_id=by_partner"
    deleted = sorted(by_partner.rglob("*.parquet"))[:4]
    for path in deleted:
        path.unlink()

    code, output = _customs(*run, "--force")
    assert code == 1, output
    [line] = [x for x in output.splitlines() if "refusing" in x]
    assert f"{len(deleted)} staged file(s) missing from {data.resolve() / 'staging'}" in line
    assert _file_hash(warehouse) == before_bytes

    code, output = _customs(*run, "--force", "--allow-shrink")
    assert code == 0, output
    assert "published" in output
    assert _partner_trade_rows(data) < rows
    assert f"published smaller by --allow-shrink: {len(deleted)} staged file(s) missing" in _last_run_message(
        data
    )

    code, output = _customs("repair", "--data-dir", str(data))
    assert code == 0, output
    assert "0 of unknown source" in output
    assert all(path.exists() for path in deleted)
    code, output = _customs(*run)
    assert code == 0, output
    # The manifest was readable: provenance too is as it was (who built each period of the fact, and
    # when, is the record of the forced runs above, which rebuilt every period by design).
    assert fingerprint(warehouse, ignore_columns=BUILDERS) == before


def test_a_truncated_manifest_is_one_line_for_every_command_and_repair_brings_everything_back(
    published_demo_copy: Path,
) -> None:
    data = published_demo_copy  # the demo, published
    warehouse = data / "warehouse.duckdb"
    before = fingerprint(warehouse, ignore_columns=PROVENANCE)
    manifest = data / "archive" / "manifest.parquet"
    truncated = manifest.read_bytes()[: manifest.stat().st_size // 2]
    manifest.write_bytes(truncated)

    for command in (
        ["validate"],
        ["ingest", "--source", "demo"],
        ["run", "--source", "demo"],
        ["override", "--release", "preliminary:2025-11:2025-12-08", "--by", "qa", "--why", "checked"],
    ):
        code, output = _customs(*command, "--data-dir", str(data))
        assert code == 1, (command, output)
        lines = [x for x in output.splitlines() if x.strip()]
        assert len(lines) == 1, (command, output)
        assert f"the archive manifest {manifest.resolve()} is unreadable (" in lines[0]
        assert "run `customs repair` to rebuild it from the raw archive" in lines[0]

    code, output = _customs("repair", "--data-dir", str(data))
    assert code == 0, output
    [kept] = manifest.parent.glob("manifest.parquet.unreadable-*")
    assert kept.read_bytes() == truncated
    assert str(kept) in output
    code, output = _customs("run", "--source", "demo", "--data-dir", str(data))
    assert code == 0, output
    assert fingerprint(warehouse, ignore_columns=PROVENANCE) == before
