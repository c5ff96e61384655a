"""`customs status` through its real entry point, piped: the whole table at full width, and `--json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from status.data import STATUS_SCHEMA, status_report
from tests.conftest import REPO_ROOT
from tests.unit.status import APRIL_2026, APRIL_2026_MONTHS, APRIL_2026_TODAY, write_warehouse

CUSTOMS = Path(sys.executable).parent / "customs"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # A long data root: piped, its path and the table must still come out whole.
    return Settings(data_dir=tmp_path / ("a-rather-long-folder-name-" * 4) / "data")  # type: ignore[call-arg]


def _customs(*args: str) -> subprocess.CompletedProcess[str]:
    """`customs` as installed, its output a pipe (not a terminal), our source tree first on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [str(CUSTOMS), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )


def test_piped_status_is_not_cropped(settings: Settings) -> None:
    write_warehouse(settings.warehouse_path, APRIL_2026, APRIL_2026_MONTHS)
    done = _customs("status", "--data-dir", str(settings.data_dir), "--today", APRIL_2026_TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "…" not in out  # rich's ellipsis: a cropped cell
    assert f"warehouse: {settings.warehouse_path}\n" in out  # the path whole, on one line
    rows = [line for line in out.splitlines() if line.startswith("│")]
    expected = status_report(settings, APRIL_2026_TODAY)
    assert len(rows) == expected.height
    cells = [[c.strip() for c in row.strip("│").split("│")] for row in rows]
    assert next(c for c in cells if c[:2] == ["preliminary", "2026-03"]) == [
        "preliminary",
        "2026-03",
        "2026-04-08",
        "official",
        "-",
        "OVERDUE",
        "4",
    ]
    # The table is wide enough, not padded to the piped width (the path line above is as long as the path).
    assert all(len(line) <= 200 for line in out.splitlines() if not line.startswith("warehouse: "))


def test_status_json_has_the_same_rows(settings: Settings) -> None:
    write_warehouse(settings.warehouse_path, APRIL_2026, APRIL_2026_MONTHS)
    done = _customs(
        "status", "--data-dir", str(settings.data_dir), "--today", APRIL_2026_TODAY.isoformat(), "--json"
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # stdout holds the JSON alone
    assert payload["warehouse"] == str(settings.warehouse_path) and payload["warehouse_present"] is True
    assert payload["as_of"] == "2026-04-12"
    expected = status_report(settings, APRIL_2026_TODAY)
    assert list(payload["releases"][0]) == STATUS_SCHEMA.names()
    got = pl.DataFrame(payload["releases"]).with_columns(
        pl.col("due_date", "published_on").str.to_date(), pl.col("days_late").cast(pl.Int32)
    )
    assert got.select(expected.columns).cast(dict(expected.schema)).equals(expected)
    assert payload["counts"] == dict(sorted(expected["state"].value_counts().rows()))
    assert payload["counts"]["overdue"] == 1


def test_status_json_fails_on_overdue_and_without_a_warehouse(tmp_path: Path) -> None:
    root = tmp_path / "none"
    done = _customs("status", "--data-dir", str(root), "--today", "2026-04-12", "--json", "--fail-on-overdue")
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["warehouse_present"] is False
    assert {r["state"] for r in payload["releases"]} <= {"overdue", "none_expected"}
    assert not root.exists()  # status reads; it creates no data root


def test_status_json_names_a_due_and_an_overdue_bulletin(settings: Settings) -> None:
    # 23 April 2026: March's Bulletin (due Monday 20 April) is past its grace; February's is in.
    write_warehouse(settings.warehouse_path, APRIL_2026, APRIL_2026_MONTHS)
    done = _customs("status", "--data-dir", str(settings.data_dir), "--today", "2026-04-23", "--json")
    assert done.returncode == 0, done.stderr
    bulletins = {r["period"]: r for r in json.loads(done.stdout)["releases"] if r["product"] == "bulletin"}
    assert list(bulletins) == [f"{year}-{m:02d}" for year in (2025, 2026) for m in range(2, 13)]
    assert bulletins["2026-03"] == {
        "product": "bulletin",
        "period": "2026-03",
        "due_date": "2026-04-20",
        "due_source": "rule",
        "state": "overdue",
        "days_late": 3,
        "in_warehouse": False,
        "published_on": None,
    }
    assert (bulletins["2026-02"]["state"], bulletins["2026-02"]["published_on"]) == (
        "published",
        "2026-03-18",
    )

    # On the 21st it is due, in its grace days; --fail-on-overdue then fails on the 23rd alone.
    due = _customs("status", "--data-dir", str(settings.data_dir), "--today", "2026-04-21", "--json")
    due_bulletin = next(
        r
        for r in json.loads(due.stdout)["releases"]
        if (r["product"], r["period"]) == ("bulletin", "2026-03")
    )
    assert (due_bulletin["state"], due_bulletin["days_late"]) == ("due", 1)
    failing = _customs(
        "status",
        "--data-dir",
        str(settings.data_dir),
        "--today",
        "2026-04-23",
        "--product",
        "bulletin",
        "--fail-on-overdue",
    )
    assert failing.returncode == 1, failing.stdout
    assert "bulletin 2026-03: due 2026-04-20, 3 days late" in failing.stdout
