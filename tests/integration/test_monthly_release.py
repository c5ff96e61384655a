"""The monthly-release flow on the bundled demo releases, end to end, into a temporary data root.

Reproduces every figure of shared/docs/facts.md from the BI views as they were on 14 January 2026 (the
as-of macros): the preliminary vintage GACC reported that day. The latest views show the Monthly
Bulletin's vintage, which revised December 2025 exports by -US$30.9 million.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from config.settings import Settings
from domain.periods import Period
from flows.cli import app
from flows.monthly import RunSummary, monthly_release
from flows.partitions import build_dir
from report.labels import format_amount, format_pct
from tests.conftest import copy_data_root
from tools.demo import releases
from warehouse.publish import drift_report, table_content_hashes

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

BN = 1e9
# The day facts.md's figures were reported: the December 2025 preliminary release is public, its Bulletin
# (19 January 2026 in the demo) is not.
FACTS_AS_OF = "2026-01-14"
BULLETIN_ON = "2026-01-19"  # tools.demo.bulletin.publication_date of December 2025
DECEMBER_EXPORTS_REVISION_USD = -30_900_000


@pytest.fixture(scope="module")
def demo_run(
    published_demo_run: tuple[Path, RunSummary], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, RunSummary]:
    """The worker's demo run (tests/conftest.py), in a copy of its data root: a test here runs again on it."""
    published, summary = published_demo_run
    return copy_data_root(published, tmp_path_factory.mktemp("demo") / "data"), summary


@pytest.fixture
def con(demo_run: tuple[Path, RunSummary]) -> Iterator[duckdb.DuckDBPyConnection]:
    # Per test, and closed after: a connection left open in this process would keep serving the old
    # file to every later connect() here, hiding what a re-publish did.
    data, _ = demo_run
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


def _one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"{sql} {params}: {rows}"
    return rows[0]


def test_run_publishes_every_demo_period(demo_run: tuple[Path, RunSummary]) -> None:
    _, summary = demo_run
    assert summary.published
    # 3 years x (Jan-Feb + 10 months), and 2025's February and (derived) January from its Bulletin.
    assert len(summary.periods) == 35
    assert {"2025-01", "2025-02"} <= set(summary.periods)
    assert summary.periods[0] == "2023-01..02" and summary.periods[-1] == "2025-12"


# --- shared/docs/facts.md -------------------------------------------------------------------------------
def test_full_year_2025(con: duckdb.DuckDBPyConnection) -> None:
    exports, imports, balance, exports_yoy, imports_yoy = _one(
        con,
        "SELECT exports_usd, imports_usd, balance_usd, exports_yoy_pct, imports_yoy_pct"
        f" FROM bi.annual_trade_as_of('{FACTS_AS_OF}') WHERE year = 2025 AND partner_code = 'WLD'",
    )
    assert abs(exports / BN - 3770) <= 5
    assert abs(exports_yoy - 5.5) <= 0.1
    assert abs(imports / BN - 2580) <= 5
    assert abs(imports_yoy) <= 0.5  # "about 0%"
    assert abs(balance / BN - 1190) <= 5  # "almost $1.2 trillion"


@pytest.mark.parametrize(
    ("query", "balance_bn"),
    [
        pytest.param(
            f"SELECT balance_usd FROM bi.annual_trade_as_of('{FACTS_AS_OF}') WHERE year = 2024"
            " AND partner_code = 'WLD'",
            992,
            id="full_year_2024",
        ),
        pytest.param(
            f"SELECT balance_ytd_usd FROM bi.trade_surplus_as_of('{FACTS_AS_OF}') WHERE period = '2025-11'"
            " AND partner_code = 'WLD'",
            1080,
            id="january_to_november_2025",
        ),
    ],
)
def test_surplus(con: duckdb.DuckDBPyConnection, query: str, balance_bn: float) -> None:
    (balance,) = _one(con, query)
    assert abs(balance / BN - balance_bn) <= 5


@pytest.mark.parametrize(
    ("period", "exports_bn", "imports_bn", "exports_yoy", "imports_yoy"),
    [
        ("2025-11", 330.3, 218.6, 5.9, 1.9),
        ("2025-10", None, None, -1.1, 1.0),
        ("2025-12", None, None, 6.6, 5.7),
    ],
)
def test_monthly_figures(
    con: duckdb.DuckDBPyConnection,
    period: str,
    exports_bn: float | None,
    imports_bn: float | None,
    exports_yoy: float,
    imports_yoy: float,
) -> None:
    exports, imports, e_yoy, i_yoy = _one(
        con,
        "SELECT exports_usd, imports_usd, exports_yoy_pct, imports_yoy_pct"
        f" FROM bi.monthly_trade_as_of('{FACTS_AS_OF}') WHERE period = ?",
        period,
    )
    if exports_bn is not None:
        assert abs(exports / BN - exports_bn) <= 0.1
    if imports_bn is not None:
        assert abs(imports / BN - imports_bn) <= 0.1
    assert abs(e_yoy - exports_yoy) <= 0.1
    assert abs(i_yoy - imports_yoy) <= 0.1


def test_exports_to_the_united_states(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        f"SELECT period, exports_yoy_pct FROM bi.partner_trade_as_of('{FACTS_AS_OF}') WHERE partner_code = 'USA'"
        " AND period BETWEEN '2025-04' AND '2025-11' ORDER BY period"
    ).fetchall()
    assert [p for p, _ in rows] == [f"2025-{m:02d}" for m in range(4, 12)]
    november = dict(rows)["2025-11"]
    assert abs(november - (-29)) <= 1
    # "the eighth month in a row of double-digit declines"
    assert all(yoy <= -10 for _, yoy in rows)


# --- the Monthly Bulletin's vintage ----------------------------------------------------------------------
def _december(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    exports, imports = _one(con, f"SELECT exports_usd, imports_usd FROM {relation} WHERE period = '2025-12'")
    return exports, imports


def test_latest_view_shows_the_bulletins_december_2025_exports(con: duckdb.DuckDBPyConnection) -> None:
    preliminary = releases.build_table(releases.load_series(), "totals", "USD", Period.month(2025, 12))
    first_print = {
        row.label: next(c.amount_whole_units for c in row.cells if (c.measure, c.span) == ("value", "month"))
        for row in preliminary.rows
    }
    assert _december(con, f"bi.monthly_trade_as_of('{FACTS_AS_OF}')") == (
        first_print["Export"],
        first_print["Import"],
    )
    day_before = (date.fromisoformat(BULLETIN_ON) - timedelta(days=1)).isoformat()
    assert _december(con, f"bi.monthly_trade_as_of('{day_before}')") == _december(
        con, f"bi.monthly_trade_as_of('{FACTS_AS_OF}')"
    )
    exports, imports = _december(con, "bi.monthly_trade")
    assert exports == first_print["Export"] + DECEMBER_EXPORTS_REVISION_USD  # preliminary - 30.9 million
    assert imports == first_print["Import"]  # not revised
    assert _december(con, f"bi.monthly_trade_as_of('{BULLETIN_ON}')") == (exports, imports)


def test_revisions_list_the_december_2025_export_revision(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT vintage_source, public_on, is_latest_vintage, value_whole_units, previous_whole_units,"
        " change_whole_units, first_print_whole_units FROM bi.revisions WHERE period = '2025-12'"
        " AND partner_code = 'WLD' AND direction = 'export' AND revised_measure = 'value_usd'"
        " ORDER BY public_on"
    ).fetchall()
    (_, first_on, _, first_print, *_), (source, public_on, latest, value, previous, change, first) = rows
    assert (first_on, source, public_on, latest) == (
        date(2026, 1, 13),
        "bulletin",
        date.fromisoformat(BULLETIN_ON),
        True,
    )
    assert (previous, first) == (first_print, first_print)
    assert change == value - previous == DECEMBER_EXPORTS_REVISION_USD


def test_revision_triangle_has_the_bulletin_vintage(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT vintage_number, vintage_source, public_on, change_from_first_print_usd, is_latest_vintage"
        " FROM bi.revision_triangle WHERE period = '2025-12' AND direction = 'export' ORDER BY vintage_number"
    ).fetchall()
    assert rows == [
        (1, "preliminary", date(2026, 1, 13), 0, False),
        (2, "bulletin", date.fromisoformat(BULLETIN_ON), DECEMBER_EXPORTS_REVISION_USD, True),
    ]


# --- the warehouse as published --------------------------------------------------------------------------
def test_published_warehouse_matches_its_declarations(demo_run: tuple[Path, RunSummary]) -> None:
    data, _ = demo_run
    assert drift_report(data / "warehouse.duckdb") == []


def test_bi_views_hold_only_the_contract_columns_and_parquet_copies(
    con: duckdb.DuckDBPyConnection, demo_run: tuple[Path, RunSummary]
) -> None:
    data, _ = demo_run
    for view in ("monthly_trade", "partner_trade", "trade_surplus", "commodity_trade", "annual_trade"):
        (count,) = _one(con, f"SELECT count(*) FROM bi.{view}")
        assert count > 0, view
        if view == "commodity_trade":  # a folder of one file per period, with its manifest
            assert (data / "bi" / view / "_manifest.json").is_file()
            assert list((data / "bi" / view).glob("*.parquet")), view
        else:
            assert (data / "bi" / f"{view}.parquet").is_file()
    (preliminary_releases,) = _one(con, "SELECT count(*) FROM meta.releases WHERE product = 'preliminary'")
    assert preliminary_releases == 33
    (bulletin_releases,) = _one(con, "SELECT count(*) FROM meta.releases WHERE product = 'bulletin'")
    assert bulletin_releases == 11  # February to December 2025
    (runs,) = _one(con, "SELECT count(*) FROM meta.runs WHERE status = 'published'")
    assert runs == 1


def test_every_suite_passes_on_the_demo_and_the_results_are_stored(con: duckdb.DuckDBPyConnection) -> None:
    failed = con.execute(
        "SELECT rule, object_name, batch_id FROM meta.validation_results WHERE NOT success"
    ).fetchall()
    assert failed == []
    (count,) = _one(con, "SELECT count(*) FROM meta.validation_results")
    assert count > 200
    rules = {r for (r,) in con.execute("SELECT DISTINCT rule FROM meta.validation_results").fetchall()}
    business = {
        "ei_equals_export_plus_import",
        "balance_is_exports_minus_imports",
        "world_equals_table1_total",
        "members_not_above_group",
        "no_partner_above_world",
        "yoy_agrees_with_levels.world",
        "ytd_non_decreasing",
        "derived_month_matches_published",
        "implied_rate_plausible",
        "no_missing_periods",
        "no_outlier_moves",
    }
    assert business <= rules


def test_data_docs_are_built_next_to_the_warehouse(demo_run: tuple[Path, RunSummary]) -> None:
    data, summary = demo_run
    site = data / "data_docs" / "runs" / summary.run_id / "index.html"
    assert "preliminary_cells" in site.read_text(encoding="utf-8")
    # The history lists the run, linked to its own site.
    history = (data / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert f'href="runs/{summary.run_id}/index.html"' in history


def test_published_file_opens_in_a_duckdb_1x_client(demo_run: tuple[Path, RunSummary]) -> None:
    data, _ = demo_run
    cli = Path(sys.executable).parent / "duckdb"
    if not cli.exists():
        pytest.skip(f"DuckDB 1.x CLI absent at {cli} (installed by the dev extra: duckdb-cli)")
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1.")
    result = subprocess.run(
        [
            str(cli),
            "-readonly",
            "-csv",
            str(data / "warehouse.duckdb"),
            "-c",
            "SELECT round(exports_usd / 1e9, 1) FROM bi.monthly_trade WHERE period = '2025-11'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "330.3"


# --- idempotency ---------------------------------------------------------------------------------------
RUN_LOGS = ("meta.runs", "meta.validation_results")  # a row per run: they grow by design


def _hashes_without_run_log(path: Path) -> dict[str, str]:
    # Which run built a period of core.fact_trade_flows, and when, is a run log too (a forced run rebuilds all).
    hashes = table_content_hashes(path, ignore_columns=("built_by_run_id", "built_at"))
    return {k: v for k, v in hashes.items() if k not in RUN_LOGS}


def _built_by(warehouse: Path) -> set[str]:
    """The runs that built the periods of the partitioned detail fact."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "SELECT DISTINCT built_by_run_id FROM meta.build_partitions"
            " WHERE table_name = 'core.fact_trade_flows'"
        ).fetchall()
    return {run_id for (run_id,) in rows}


def test_second_run_publishes_nothing_and_a_forced_run_gives_the_same_contents(
    demo_run: tuple[Path, RunSummary],
) -> None:
    """The forced run is `customs run --force` (in this process): its summary prints money with its
    currency, and it rebuilds every period, where the run with nothing new kept every one."""
    data, first = demo_run
    warehouse = data / "warehouse.duckdb"
    file_before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    contents_before = _hashes_without_run_log(warehouse)
    built_files = sorted(build_dir(Settings(data_dir=data)).rglob("*.parquet"))

    again = monthly_release(source="demo", data_dir=str(data))
    assert not again.published
    assert "nothing new from demo" in again.message and "nothing published" in again.message
    assert again.ingest is not None and again.ingest.new_files == 0
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == file_before
    assert _built_by(warehouse) == {first.run_id}
    assert sorted(build_dir(Settings(data_dir=data)).rglob("*.parquet")) == built_files

    forced = CliRunner().invoke(app, ["run", "--source", "demo", "--force", "--data-dir", str(data)])
    assert forced.exit_code == 0, forced.output
    assert _hashes_without_run_log(warehouse) == contents_before
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM meta.runs").fetchone() == (2,)
        assert connection.execute(
            "SELECT count(DISTINCT run_id) FROM meta.validation_results"
        ).fetchone() == (2,)
        forced_run_id, status = _one(
            connection, "SELECT run_id, status FROM meta.runs WHERE run_id <> ?", first.run_id
        )
        period, exports, imports, balance, exports_yoy = _one(
            connection,
            "SELECT period, exports_usd, imports_usd, balance_usd, exports_yoy_pct FROM bi.monthly_trade"
            " ORDER BY period_start DESC LIMIT 1",
        )
    assert status == "published"
    assert _built_by(warehouse) == {forced_run_id}
    line = " ".join(forced.output.split())  # rich wraps long lines
    assert (
        f"{period}: exports {format_amount(exports, 'US$')} ({format_pct(exports_yoy)} y/y), "
        f"imports {format_amount(imports, 'US$')}"
    ) in line
    assert f"balance {format_amount(balance, 'US$')}" in line
    assert re.search(r"exports -?US\$ ?[0-9]", line)


def test_asking_for_a_period_that_is_not_there_fails_clearly(demo_run: tuple[Path, RunSummary]) -> None:
    data, _ = demo_run
    with pytest.raises(RuntimeError, match=r"period 2026-03 is not in staging"):
        monthly_release(source="demo", data_dir=str(data), period="2026-03")
