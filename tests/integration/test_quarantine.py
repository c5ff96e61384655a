"""A release that breaks a critical rule: quarantined, warehouse untouched, then released by override."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from domain.periods import Period
from flows.cli import app
from flows.ingest.model import PreliminaryTable, TableRow
from flows.monthly import monthly_release
from flows.release import GateFailedError
from tests.conftest import land_demo_months
from tools.demo import releases
from tools.demo.render import render_preliminary_page

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

runner = CliRunner()
BAD_RELEASE = "preliminary:2025-12:2026-01-20"


def _times_1000(row: TableRow) -> TableRow:
    cells = tuple(
        replace(
            c,
            figure_as_published=c.figure_as_published * 1000,
            amount_whole_units=c.amount_whole_units * 1000,
        )
        if c.measure == "value" and c.amount_whole_units is not None and c.figure_as_published is not None
        else c
        for c in row.cells
    )
    return replace(row, cells=cells)


def _revised_page_with_a_unit_slip() -> bytes:
    """A later vintage of December 2025's table (4) in USD in which Japan's figures are x1000."""
    table: PreliminaryTable = releases.build_table(
        releases.load_series(), "by_partner", "USD", Period.month(2025, 12)
    )
    rows = tuple(_times_1000(r) if r.label == "Japan" else r for r in table.rows)
    return render_preliminary_page(replace(table, rows=rows, published_on=date(2026, 1, 20)))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_quarantine_then_validate_then_override(tmp_path: Path) -> None:
    # The last three months of the demo, published: each run below rebuilds and gates what they hold, not
    # the whole demo's three years, and December 2025 is there to be revised.
    data = tmp_path / "data"
    first = tmp_path / "first"
    land_demo_months(first, "2025-10", "2025-11", "2025-12")
    assert monthly_release(source="landing", path=str(first), data_dir=str(data)).published
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "t4_usd_2025-12_revised.html").write_bytes(_revised_page_with_a_unit_slip())
    warehouse = data / "warehouse.duckdb"
    before = _sha(warehouse)

    with pytest.raises(GateFailedError, match="critical failure") as failed:
        monthly_release(source="landing", path=str(landing), data_dir=str(data))
    message = str(failed.value)
    assert "no_partner_above_world" in message or "members_not_above_group" in message
    assert "Japan" in message
    assert BAD_RELEASE in message
    assert "the published warehouse was not touched" in message
    assert _sha(warehouse) == before

    manifest = pl.read_parquet(data / "archive" / "manifest.parquet")
    bad = manifest.filter(pl.col("release_id") == BAD_RELEASE).row(0, named=True)
    assert bad["status"] == "quarantined"
    assert bad["quarantine_reason"] == "gate"
    assert bad["error"].startswith("data-quality gate")
    assert list((data / "archive" / "raw").rglob(bad["source_sha256"] + "*"))  # raw file kept

    # Left out of later runs: nothing new to publish.
    again = monthly_release(source="landing", path=str(landing), data_dir=str(data))
    assert not again.published
    assert _sha(warehouse) == before

    # The gate on its own, on the quarantined release: fails and says why.
    docs = data / "data_docs"
    published_docs = {p: p.read_bytes() for p in (docs / "runs").rglob("*.html")}
    validated = runner.invoke(app, ["validate", "--release", BAD_RELEASE, "--data-dir", str(data)])
    assert validated.exit_code == 1, validated.output
    assert "FAILED" in validated.output and "Japan" in validated.output
    # Its Data Docs go aside, listed in the history: the runs' pages stay as they were.
    assert published_docs and {p: p.read_bytes() for p in (docs / "runs").rglob("*.html")} == published_docs
    (trial,) = (docs / "validate").iterdir()
    assert trial.name.startswith("validate-") and (trial / "index.html").is_file()
    assert f'href="validate/{trial.name}/index.html"' in (docs / "index.html").read_text(encoding="utf-8")
    unknown = runner.invoke(
        app, ["validate", "--release", "preliminary:1999-01:1999-02-01", "--data-dir", str(data)]
    )
    assert unknown.exit_code == 2

    # A reviewed override, with who and why, releases it as published (nothing edited).
    overridden = runner.invoke(
        app,
        [
            "override",
            "--release",
            BAD_RELEASE,
            "--by",
            "analyst",
            "--why",
            "GACC confirmed",
            "--data-dir",
            str(data),
        ],
    )
    assert overridden.exit_code == 0, overridden.output
    released = monthly_release(source="landing", path=str(landing), data_dir=str(data))
    assert released.published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "SELECT status FROM meta.releases WHERE release_id = ?", [BAD_RELEASE]
        ).fetchone() == ("released_by_override",)
        failures = con.execute(
            "SELECT count(*) FROM meta.validation_results WHERE NOT success AND severity = 'critical'"
        ).fetchone()
        assert failures is not None and failures[0] > 0  # the accepted failures stay on record
    log = (data / "overrides.jsonl").read_text(encoding="utf-8")
    assert '"by": "analyst"' in log and "GACC confirmed" in log
