"""Monthly Bulletin pages through the real pipeline (landing folder → facts → gate → published warehouse).

1. A preliminary release of November 2025 (tables (1), (2), (3) in USD, published 8 December) and the
   Bulletin's customs-regime and by-country pages of the same month (published 20 December) that restate
   exports by -US$30.9 million: the latest views show the Bulletin, the as-of views before 20 December the
   preliminary release, and bi.revisions the change.
2. A landing folder of only Bulletin pages (February and March 2025): China's totals are published, with
   January derived from the February page and flagged so.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.monthly import monthly_release
from tests.integration.bulletin_pages import BY_COUNTRY, CUSTOMS_REGIME, bulletin_page

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
K = 1_000  # US$1,000, the Bulletin's unit
PRELIMINARY_ON = date(2025, 12, 8)
BULLETIN_ON = date(2025, 12, 20)
# Table (1) of November 2025 in USD (tests/fixtures/pages/t1_totals_2025-11_usd.html), whole dollars.
EXPORTS_PRELIMINARY = 301_860_000_000
IMPORTS = 222_270_000_000
REVISION = -30_900_000
EXPORTS_BULLETIN = EXPORTS_PRELIMINARY + REVISION


# The Bulletin's regimes: those of tables (2)/(3) (tests/fixtures/pages/t2_..., t3_...) in US$1,000, but
# Ordinary Trade's November exports lower by US$5 billion (a revision the gate warns of) and Other's
# higher by as much less the -US$30.9 million of the TOTAL.
ORDINARY_PRELIMINARY = 195_000_000_000
ORDINARY_BULLETIN = 190_000_000_000
REGIMES = {
    "TOTAL": (EXPORTS_BULLETIN // K, (3_452_100_000_000 + REVISION) // K, IMPORTS // K, 2_249_140_000),
    "Ordinary Trade": (ORDINARY_BULLETIN // K, 2_230_000_000, 140_000_000, 1_420_000_000),
    "Processing and Assembling": (8_000_000, 90_000_000, 5_000_000, 50_000_000),
    "Processing with Imported Materials": (62_000_000, 700_000_000, 30_000_000, 300_000_000),
    "Border Trade": (4_000_000, 44_000_000, 190_000, 2_020_000),
    "Equipment for Processing trade": (None, None, 80_000, 900_000),
    "Logistics goods by customs special control area": (25_000_000, 280_000_000, 42_000_000, 450_000_000),
    "Other": (12_829_100, 108_069_100, 5_000_000, 26_220_000),
}


def _november_bulletin() -> dict[str, bytes]:
    countries = {
        "Total": REGIMES["TOTAL"],
        "United States (US)": (40_000_000, 450_000_000, 12_000_000, 150_000_000),
        "Germany": (9_000_000, 95_000_000, 8_000_000, 85_000_000),
    }
    yoys = {"TOTAL": (5.6, 5.4, -5.1, -1.2)}
    return {
        "bulletin_regime_2025-11_usd.html": bulletin_page(
            CUSTOMS_REGIME, 2025, 11, BULLETIN_ON, REGIMES, yoys
        ),
        "bulletin_country_2025-11_usd.html": bulletin_page(BY_COUNTRY, 2025, 11, BULLETIN_ON, countries),
    }


@pytest.fixture(scope="module")
def preliminary_and_bulletin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bulletin-facts")
    landing = root / "landing"
    landing.mkdir()
    for name in ("t1_totals_2025-11_usd.html", "t2_trade_mode_2025-11_usd_only_november.html",
                 "t3_trade_mode_2025-11_usd_1_to_11.html"):  # fmt: skip
        shutil.copy(PAGES / name, landing / name)
    for name, content in _november_bulletin().items():
        (landing / name).write_bytes(content)
    summary = monthly_release(source="landing", path=str(landing), data_dir=str(root / "data"))
    assert summary.published and not summary.failed, summary.message
    assert summary.warnings == []
    return root / "data"


@pytest.fixture
def con(preliminary_and_bulletin: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(preliminary_and_bulletin / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


def test_the_latest_views_show_the_bulletin_and_the_as_of_views_the_preliminary_release(
    con: duckdb.DuckDBPyConnection,
) -> None:
    latest = con.sql(
        "SELECT exports_usd, imports_usd, value_source FROM bi.monthly_trade WHERE period = '2025-11'"
    ).fetchall()
    assert latest == [(EXPORTS_BULLETIN, IMPORTS, "published")]
    before = con.sql(
        "SELECT exports_usd, imports_usd FROM bi.monthly_trade_as_of(DATE '2025-12-19') WHERE period = '2025-11'"
    ).fetchall()
    assert before == [(EXPORTS_PRELIMINARY, IMPORTS)]
    world = con.sql(
        "SELECT exports_usd FROM bi.partner_trade WHERE period = '2025-11' AND partner_code = 'WLD'"
    ).fetchall()
    assert world == [(EXPORTS_BULLETIN,)]


def test_the_bulletin_by_country_table_gives_partner_rows(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql(
        "SELECT partner_code, exports_usd, imports_usd FROM bi.partner_trade "
        "WHERE period = '2025-11' AND partner_code IN ('USA', 'DEU') ORDER BY partner_code"
    ).fetchall()
    assert rows == [("DEU", 9_000_000 * K, 8_000_000 * K), ("USA", 40_000_000 * K, 12_000_000 * K)]
    sources = con.sql(
        "SELECT DISTINCT vintage_source, product FROM core.fact_partner_trade WHERE partner_code = 'USA'"
    ).fetchall()
    assert sources == [("bulletin", "bulletin")]


def test_bi_revisions_lists_the_bulletin_change_of_exports(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql(
        "SELECT vintage_source, public_on, value_whole_units, previous_whole_units, change_whole_units, "
        "is_latest_vintage FROM bi.revisions WHERE period = '2025-11' AND partner_code = 'WLD' "
        "AND direction = 'export' AND revised_measure = 'value_usd' ORDER BY public_on"
    ).fetchall()
    assert rows == [
        ("preliminary", PRELIMINARY_ON, EXPORTS_PRELIMINARY, None, None, False),
        ("bulletin", BULLETIN_ON, EXPORTS_BULLETIN, EXPORTS_PRELIMINARY, REVISION, True),
    ]


def test_bi_trade_mode_shows_the_bulletin_regimes_as_the_latest_vintage(
    con: duckdb.DuckDBPyConnection,
) -> None:
    total = con.sql(
        "SELECT value_usd, value_ytd_usd, yoy_pct, yoy_source, value_source FROM bi.trade_mode "
        "WHERE period = '2025-11' AND trade_mode_code = 'TOTAL' AND direction = 'export'"
    ).fetchall()
    assert total == [(EXPORTS_BULLETIN, 3_452_100_000_000 + REVISION, 5.6, "published", "published")]
    vintages = con.sql(
        "SELECT product, is_latest_vintage FROM core.fact_trade_mode "
        "WHERE period = '2025-11' AND trade_mode_code = 'ORDINARY' AND direction = 'import' ORDER BY public_on"
    ).fetchall()
    assert vintages == [("preliminary", False), ("bulletin", True)]


def test_the_gate_checks_the_bulletins_sums_and_warns_of_its_large_revisions_naming_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    results = dict(
        con.sql(
            "SELECT suite_name, success FROM meta.validation_results "
            "WHERE rule IN ('bulletin_regimes_sum_to_total', 'bulletin_revision_within_tolerance')"
        ).fetchall()
    )
    assert results == {
        "rules.staging.preliminary_cells.bulletin_regimes_sum_to_total": True,
        # The World's -0.01% is within the tolerance; Ordinary Trade's -2.6% is not (a warning).
        "rules.core.fact_partner_trade.bulletin_revision_within_tolerance": True,
        "rules.core.fact_trade_mode.bulletin_revision_within_tolerance": False,
    }
    ((severity, examples),) = con.sql(
        "SELECT severity, unexpected_examples FROM meta.validation_results "
        "WHERE suite_name = 'rules.core.fact_trade_mode.bulletin_revision_within_tolerance'"
    ).fetchall()
    assert severity == "warning"
    named = json.loads(examples)
    ordinary = [row for row in named if row["trade_mode_code"] == "ORDINARY"]
    assert [
        (r["period"], r["direction"], r["measure"], r["bulletin_value"], r["preliminary_value"])
        for r in ordinary
    ] == [("2025-11", "export", "value_usd", ORDINARY_BULLETIN, ORDINARY_PRELIMINARY)]


# --- a landing folder of Bulletin pages only -------------------------------------------------------------
FEBRUARY = {
    "TOTAL": (150_000_000, 540_000_000, 130_000_000, 370_000_000),
    "Ordinary Trade": (90_000_000, 330_000_000, 80_000_000, 230_000_000),
    "Other": (60_000_000, 210_000_000, 50_000_000, 140_000_000),
}
MARCH = {
    "TOTAL": (310_000_000, 850_000_000, 210_000_000, 580_000_000),
    "Ordinary Trade": (200_000_000, 530_000_000, 130_000_000, 360_000_000),
    "Other": (110_000_000, 320_000_000, 80_000_000, 220_000_000),
}


def test_a_landing_folder_of_bulletin_pages_only_publishes_chinas_totals(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "regime_2025-02.html").write_bytes(
        bulletin_page(CUSTOMS_REGIME, 2025, 2, date(2025, 3, 20), FEBRUARY, {"TOTAL": (3.0, 2.0, -1.0, 0.5)})
    )
    (landing / "regime_2025-03.html").write_bytes(
        bulletin_page(CUSTOMS_REGIME, 2025, 3, date(2025, 4, 18), MARCH)
    )
    summary = monthly_release(source="landing", path=str(landing), data_dir=str(tmp_path / "data"))
    assert summary.published and not summary.failed, summary.message
    assert summary.warnings == []
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            "SELECT period, period_kind, exports_usd, imports_usd, exports_yoy_pct, exports_yoy_source, "
            "value_source FROM bi.monthly_trade ORDER BY period"
        ).fetchall()
    assert rows == [
        ("2025-01", "month", 390_000_000 * K, 240_000_000 * K, None, None, "derived"),
        ("2025-01..02", "jan_feb_combined", 540_000_000 * K, 370_000_000 * K, 2.0, "published", "published"),
        ("2025-02", "month", 150_000_000 * K, 130_000_000 * K, 3.0, "published", "published"),
        ("2025-03", "month", 310_000_000 * K, 210_000_000 * K, None, None, "published"),
    ]
