"""As-of access on a warehouse published by the real pipeline from the demo releases: December 2025's
exports were first printed by the preliminary release of 13 January 2026 and revised by the Monthly
Bulletin of 19 January 2026 (-US$30.9 million, as GACC's own Bulletin did)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from domain.periods import Period
from tests.reliability.cli import Done, customs, customs_env
from tools.demo import bulletin, releases
from warehouse.asof import AS_OF_MACROS, AsOfMacro

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

FIRST_PRINT = date(2026, 1, 13)  # the demo's December 2025 preliminary release
REVISED_ON = date(2026, 1, 19)  # the demo's December 2025 Monthly Bulletin
DAY_BEFORE = "2026-01-18"
REVISION_USD = -30_900_000
EXPORTS_FIRST_PRINT_USD = 354_980_000_000
FIRST_PRINT_ID, BULLETIN_ID = "preliminary:2025-12:2026-01-13", "bulletin:2025-12:2026-01-19"


def _bulletin_exports_usd(month: int) -> int:
    """China's exports of a 2025 month (March to December) as the demo's Bulletin prints them."""
    figures = bulletin.BulletinBuilder(releases.load_series()).figures("WLD", "USD", 2025, month)
    return int(figures.values[("export", "month")])


def test_the_demo_prints_the_figures_these_tests_name() -> None:
    table = releases.build_table(releases.load_series(), "totals", "USD", Period.month(2025, 12))
    (export,) = (r for r in table.rows if r.label == "Export")
    month = next(c for c in export.cells if (c.measure, c.span) == ("value", "month"))
    assert (table.published_on, month.amount_whole_units) == (FIRST_PRINT, EXPORTS_FIRST_PRINT_USD)
    assert bulletin.publication_date(Period.month(2025, 12)) == REVISED_ON
    assert _bulletin_exports_usd(12) == EXPORTS_FIRST_PRINT_USD + REVISION_USD


@pytest.fixture(scope="module")
def revised(published_demo: Path) -> Path:
    """The demo as published (read only): its Bulletin revises the preliminary figures."""
    return published_demo


@pytest.fixture
def con(revised: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(revised / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


def _exports_usd(con: duckdb.DuckDBPyConnection, relation: str) -> list[int]:
    return [
        r[0] for r in con.execute(f"SELECT exports_usd FROM {relation} WHERE period = '2025-12'").fetchall()
    ]


@pytest.mark.parametrize("macro", AS_OF_MACROS, ids=lambda m: m.name)
def test_as_of_the_far_future_is_the_view_exactly(con: duckdb.DuckDBPyConnection, macro: AsOfMacro) -> None:
    view, name = macro.view.qualified_name, macro.name
    as_of = f"{name}(DATE '2099-01-01')"
    # Row for row, nulls and floats included, in the view's order.
    assert con.execute(f"SELECT * FROM {as_of}").fetchall() == con.execute(f"SELECT * FROM {view}").fetchall()
    assert con.execute(f"SELECT count(*) FROM {view}").fetchone() != (0,)


def test_the_vintage_choice_is_the_published_one(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT release_id, vintage_source, public_on, is_latest_vintage FROM core.fact_partner_trade"
        " WHERE period = '2025-12' AND partner_code = 'WLD' AND direction = 'export' ORDER BY public_on"
    ).fetchall()
    assert rows == [
        (FIRST_PRINT_ID, "preliminary", FIRST_PRINT, False),
        (BULLETIN_ID, "bulletin", REVISED_ON, True),
    ]


def test_a_period_is_absent_as_of_a_day_before_its_first_release(con: duckdb.DuckDBPyConnection) -> None:
    for macro in ("bi.monthly_trade_as_of", "bi.partner_trade_as_of"):
        assert _exports_usd(con, f"{macro}(DATE '2026-01-12')") == []
    assert _exports_usd(con, "bi.monthly_trade_as_of(DATE '2026-01-13')") == [EXPORTS_FIRST_PRINT_USD]
    # November was public then: the day only hides what was not.
    assert con.execute(
        "SELECT count(*) FROM bi.monthly_trade_as_of(DATE '2026-01-12') WHERE period = '2025-11'"
    ).fetchone() == (1,)


def test_the_value_changes_on_the_day_the_revised_vintage_appears(con: duckdb.DuckDBPyConnection) -> None:
    revised = EXPORTS_FIRST_PRINT_USD + REVISION_USD
    assert _exports_usd(con, f"bi.monthly_trade_as_of(DATE '{DAY_BEFORE}')") == [EXPORTS_FIRST_PRINT_USD]
    assert _exports_usd(con, f"bi.monthly_trade_as_of(DATE '{REVISED_ON}')") == [revised]
    # An ISO date string works as well as a DATE.
    assert _exports_usd(con, f"bi.monthly_trade_as_of('{DAY_BEFORE}')") == [EXPORTS_FIRST_PRINT_USD]
    assert _exports_usd(con, "bi.monthly_trade") == [revised]
    world = f"(SELECT * FROM bi.partner_trade_as_of(DATE '{DAY_BEFORE}') WHERE partner_code = 'WLD')"
    assert _exports_usd(con, world) == [EXPORTS_FIRST_PRINT_USD]
    # What follows from the figure follows the vintage: the balance, and 2025's annual exports.
    before, after = (
        con.execute(
            f"SELECT balance_usd FROM bi.trade_surplus_as_of(DATE '{day}')"
            " WHERE period = '2025-12' AND partner_code = 'WLD'"
        ).fetchone()
        for day in (DAY_BEFORE, REVISED_ON.isoformat())
    )
    assert after is not None and before is not None and after[0] - before[0] == REVISION_USD
    annual = [
        con.execute(
            f"SELECT exports_usd FROM bi.annual_trade_as_of(DATE '{day}') WHERE year = 2025 AND partner_code = 'WLD'"
        ).fetchone()
        for day in (DAY_BEFORE, REVISED_ON.isoformat())
    ]
    assert annual[0] is not None and annual[1] is not None and annual[1][0] - annual[0][0] == REVISION_USD


def test_the_macros_run_in_a_duckdb_1_5_client(revised: Path) -> None:
    cli = Path(sys.executable).parent / "duckdb"
    if not cli.exists():
        pytest.skip(f"DuckDB 1.x CLI absent at {cli} (installed by the dev extra: duckdb-cli)")
    assert subprocess.run(
        [str(cli), "--version"], capture_output=True, text=True, check=True
    ).stdout.startswith("v1.5")

    def csv(sql: str) -> str:
        return subprocess.run(
            [str(cli), "-readonly", "-csv", str(revised / "warehouse.duckdb"), "-c", sql],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    for macro in AS_OF_MACROS:
        assert csv(f"SELECT * FROM {macro.name}(DATE '2099-01-01')") == csv(
            f"SELECT * FROM {macro.view.qualified_name}"
        )
    revision = (
        "SELECT change_from_first_print_usd FROM bi.revision_triangle"
        " WHERE period = '2025-12' AND direction = 'export' ORDER BY vintage_number"
    )
    assert csv(revision).splitlines()[1:] == ["0", str(REVISION_USD)]
    changes = (
        "SELECT count(*), sum(change_whole_units) FROM bi.revisions WHERE revised_measure = 'value_usd'"
        " AND period = '2025-12' AND partner_code = 'WLD' AND direction IN ('export', 'import')"
    )
    # Each flow's two vintages; exports revised, imports not.
    assert csv(changes).splitlines()[-1] == f"4,{REVISION_USD}"
    december = "SELECT exports_usd FROM bi.monthly_trade_as_of('{}') WHERE period = '2025-12'"
    assert csv(december.format(DAY_BEFORE)).splitlines()[-1] == str(EXPORTS_FIRST_PRINT_USD)
    assert csv(december.format(REVISED_ON)).splitlines()[-1] == str(EXPORTS_FIRST_PRINT_USD + REVISION_USD)


# --- customs query, through its real entry point ---------------------------------------------------------
DECEMBER_EXPORTS = (
    "SELECT period, exports_usd FROM bi.monthly_trade WHERE period >= '2025-11' ORDER BY period"
)


def _query(tmp_path: Path, data: Path, *args: str) -> Done:
    return customs("query", "--data-dir", str(data), *args, env=customs_env(tmp_path / "prefect"))


def test_query_as_of_reads_the_views_as_they_were(revised: Path, tmp_path: Path) -> None:
    november = _bulletin_exports_usd(11)  # its Bulletin came out on 19 December 2025
    before = _query(tmp_path, revised, "--as-of", DAY_BEFORE, "--csv", DECEMBER_EXPORTS)
    assert before.exit_code == 0, before.output
    assert before.stdout.splitlines() == [
        "period,exports_usd",
        f"2025-11,{november}",
        f"2025-12,{EXPORTS_FIRST_PRINT_USD}",
    ]
    latest = _query(tmp_path, revised, "--csv", DECEMBER_EXPORTS)
    assert latest.stdout.splitlines()[-1] == f"2025-12,{EXPORTS_FIRST_PRINT_USD + REVISION_USD}"
    absent = _query(tmp_path, revised, "--as-of", "2026-01-12", DECEMBER_EXPORTS)
    assert absent.exit_code == 0, absent.output
    assert str(november) in absent.stdout and str(EXPORTS_FIRST_PRINT_USD) not in absent.stdout
    assert absent.stdout.splitlines()[-1] == "1 row, as of 2026-01-12"


def test_query_as_of_the_far_future_is_the_view(revised: Path, tmp_path: Path) -> None:
    sql = "SELECT * FROM bi.partner_trade ORDER BY period, partner_code"
    as_of = _query(tmp_path, revised, "--as-of", "2099-01-01", "--csv", sql)
    latest = _query(tmp_path, revised, "--csv", sql)
    assert as_of.exit_code == latest.exit_code == 0, as_of.output + latest.output
    assert as_of.stdout == latest.stdout and len(as_of.stdout.splitlines()) > 100


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("--as-of", "2026-02-30", "SELECT 1"), 2, r"--as-of '2026-02-30' is not a date: give YYYY-MM-DD"),
        (("--as-of", "2026-02-19", "SELECT * FROM bi.trade_mode"), 1, r"bi\.trade_mode cannot be read as of"),
        (("CREATE TABLE core.mine AS SELECT 1",), 1, r"query failed: .*read-only"),
        (("--as-of", "2026-02-19", "COPY (SELECT 1) TO '{tmp}/out.csv'"), 1, r"query failed: .*disabled"),
        (("SELEC 1",), 1, r"query failed: Parser Error"),
    ],
)
def test_query_refuses_with_one_line(
    revised: Path, tmp_path: Path, args: tuple[str, ...], exit_code: int, message: str
) -> None:
    done = _query(tmp_path, revised, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert done.exit_code == exit_code, done.output
    (line,) = done.error_lines()
    assert re.search(message, line), line
    assert "Traceback" not in done.output
    assert not (tmp_path / "out.csv").exists()


def test_query_never_creates_a_data_root(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    done = _query(tmp_path, missing, "SELECT 1")
    assert done.exit_code == 1
    assert done.error_lines() == [
        f"error: no published warehouse at {missing / 'warehouse.duckdb'}: run `customs run` first"
    ]
    assert not missing.exists()


# --- bi.revisions and bi.revision_triangle --------------------------------------------------------------
def test_revisions_list_the_december_export_revision(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT revised_measure, release_id, vintage_source, public_on, is_latest_vintage, value_whole_units,"
        " previous_whole_units, change_whole_units, change_pct, first_print_whole_units, days_since_first_print"
        " FROM bi.revisions WHERE period = '2025-12' AND partner_code = 'WLD' AND direction = 'export'"
        " AND revised_measure = 'value_usd'"
    ).fetchall()
    revised = EXPORTS_FIRST_PRINT_USD + REVISION_USD
    first = ("value_usd", FIRST_PRINT_ID, "preliminary", FIRST_PRINT, False)
    second = ("value_usd", BULLETIN_ID, "bulletin", REVISED_ON, True)
    change_pct = pytest.approx(100 * REVISION_USD / EXPORTS_FIRST_PRINT_USD)
    days = (REVISED_ON - FIRST_PRINT).days
    assert rows == [
        (*first, EXPORTS_FIRST_PRINT_USD, None, None, None, EXPORTS_FIRST_PRINT_USD, 0),
        (*second, revised, EXPORTS_FIRST_PRINT_USD, REVISION_USD, change_pct, EXPORTS_FIRST_PRINT_USD, days),
    ]
    # The CNY edition was revised too, by the same figure at the month's implied rate (about 7.1-7.3).
    ((cny,),) = con.execute(
        "SELECT change_whole_units FROM bi.revisions WHERE period = '2025-12' AND partner_code = 'WLD'"
        " AND direction = 'export' AND revised_measure = 'value_cny' AND public_on = ?",
        [REVISED_ON],
    ).fetchall()
    assert 7.0 <= cny / REVISION_USD <= 7.4
    # Imports were not revised: their Bulletin vintage is no change.
    assert con.execute(
        "SELECT change_whole_units FROM bi.revisions WHERE period = '2025-12' AND partner_code = 'WLD'"
        " AND direction = 'import' AND revised_measure = 'value_usd' AND public_on = ?",
        [REVISED_ON],
    ).fetchall() == [(0,)]
    # Every revision in the warehouse is a Bulletin's, of 2025: no preliminary figure changed otherwise.
    sources = con.execute(
        "SELECT DISTINCT vintage_source, left(period, 4) FROM bi.revisions WHERE change_whole_units <> 0"
    ).fetchall()
    assert sources == [("bulletin", "2025")]


def test_revision_triangle_of_china_totals(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT vintage_number, public_on, value_usd, change_from_first_print_usd, is_latest_vintage"
        " FROM bi.revision_triangle WHERE period = '2025-12' AND direction = 'export' ORDER BY vintage_number"
    ).fetchall()
    assert rows == [
        (1, FIRST_PRINT, EXPORTS_FIRST_PRINT_USD, 0, False),
        (2, REVISED_ON, EXPORTS_FIRST_PRINT_USD + REVISION_USD, REVISION_USD, True),
    ]
    # One row per period, direction and vintage: a period printed once (no Bulletin) has vintage 1 only.
    assert con.execute(
        "SELECT max(vintage_number) FROM bi.revision_triangle WHERE period = '2024-11'"
    ).fetchone() == (1,)
