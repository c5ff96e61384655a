"""`customs run --source landing` on pages in GACC's real layouts of tables (1), (2), (3), (5) and (6).

Each landing folder is one set of releases whose (table, currency) series have no gaps (the gate's
`no_missing_periods` would rightly stop a folder of scattered months), run through the command line into
its own data root. The BI views must show the printed figures, scaled to whole currency units, with the
quantities as printed and in base units; the shifted table (5) never shows a shifted figure.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import Result
from typer.testing import CliRunner

from flows.cli import app

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
M, B = 1_000_000, 100_000_000  # USD 1 Million (tables (5)/(6) in USD); 100 Million (the others)
runner = CliRunner()

FOLDERS = {
    # 2019: month names in titles and headers, no publication date, CNY; a lone USD table (3).
    "2019": [
        "t1_totals_2019-08_cny.html",
        "t2_trade_mode_2019-08_cny_only_august.html",
        "t3_trade_mode_2019-08_cny_january_to_august.html",
        "t3_trade_mode_2019-05_usd_1_to_5.html",
        "t5_major_exports_2019-04_cny.html",
    ],
    # The Jan-Feb release: only cumulative columns, the prior year's as a restatement.
    "jan_feb_2025": ["t1_totals_2025-01-02_cny_jan_feb.html", "t5_major_exports_2025-01-02_usd_jan_feb.html"],
    # The shifted table (5) with its other edition (and no table (1): published with a warning).
    "shifted_2025_04": ["t5_major_exports_2025-04_usd_shifted.html", "t5_major_exports_2025-04_cny.html"],
    # 2025-2026: numbered headers, USD trade modes with the processing aggregate, table (6) in CNY.
    "2025_11": [
        "t1_totals_2025-11_usd.html",
        "t2_trade_mode_2025-11_usd_only_november.html",
        "t3_trade_mode_2025-11_usd_1_to_11.html",
        "t5_major_exports_2025-11_usd.html",
        "t6_major_imports_2026-03_cny_qty_unit_prior_year_misprinted.html",
    ],
    # Every file rejected: the run fails.
    "all_rejected": ["error_t5_unknown_commodity.html", "error_trade_mode_unknown_label.html"],
}


@dataclass(frozen=True)
class LandingRun:
    data: Path
    result: Result
    log: str  # what the job logged (each quarantined file is logged once, by the ingest pipeline)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _run(tmp: Path, name: str) -> LandingRun:
    landing = tmp / name / "landing"
    landing.mkdir(parents=True)
    for page in FOLDERS[name]:
        shutil.copy(PAGES / page, landing / page)
    data = tmp / name / "data"
    collected = _Collect()
    logging.getLogger("flows").addHandler(collected)
    try:
        result = runner.invoke(
            app, ["run", "--source", "landing", "--path", str(landing), "--data-dir", str(data)]
        )
    finally:
        logging.getLogger("flows").removeHandler(collected)
    return LandingRun(data, result, "\n".join(collected.lines))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, LandingRun]:
    tmp = tmp_path_factory.mktemp("real-layouts")
    return {name: _run(tmp, name) for name in FOLDERS}


@pytest.fixture
def query(runs: dict[str, LandingRun]) -> Iterator[object]:
    connections: list[duckdb.DuckDBPyConnection] = []

    def rows(name: str, sql: str, *params: object) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(runs[name].data / "warehouse.duckdb"), read_only=True)
        connections.append(con)
        return con.execute(sql, list(params)).fetchall()

    yield rows
    for con in connections:
        con.close()


COMMODITY = """
SELECT value_usd, value_cny, quantity, quantity_unit, quantity_base, quantity_base_unit, is_aggregate
FROM bi.commodity_trade WHERE period = ? AND hs_code = ? AND direction = ?
"""
TRADE_MODE = """
SELECT trade_mode, value_usd, value_cny, value_ytd_usd, value_ytd_cny, yoy_pct, yoy_ytd_pct
FROM bi.trade_mode WHERE period = ? AND trade_mode_code = ? AND direction = ?
"""


@pytest.mark.parametrize("name", ["2019", "jan_feb_2025", "2025_11"])
def test_each_folder_publishes_with_exit_code_0(runs: dict[str, LandingRun], name: str) -> None:
    result = runs[name].result
    assert result.exit_code == 0, result.output
    assert "published" in result.output
    assert " 0 quarantined)" in result.output


def test_2019_trade_modes_month_and_cumulative_in_cny(query) -> None:  # type: ignore[no-untyped-def]
    assert query("2019", TRADE_MODE, "2019-08", "ORDINARY", "export") == [
        ("Ordinary trade", None, 830_040_000_000, None, 830_040_000_000, None, None)
    ]
    # GACC prints '-' for the imports of contracted projects abroad: no such row.
    assert query("2019", TRADE_MODE, "2019-08", "CONTRACT_PROJECT", "import") == []
    # The lone USD table (3) of May: the cumulative only.
    assert query("2019", TRADE_MODE, "2019-05", "OTHER", "import") == [
        ("Other", None, None, 422_060_000_000, None, None, 8.0)
    ]


def test_2019_commodity_in_the_2019_template(query) -> None:  # type: ignore[no-untyped-def]
    assert query("2019", COMMODITY, "2019-04", "X-SHIPS", "export") == [
        (None, 12_040_000_000, 510.0, "ship", 510.0, "ship", False)
    ]
    assert query("2019", COMMODITY, "2019-04", "X-AGRI", "export") == [
        (None, 43_020_000_000, None, None, None, None, True)
    ]


def test_jan_feb_commodity_is_the_cumulative_and_the_prior_year_is_its_own_period(query) -> None:  # type: ignore[no-untyped-def]
    assert query("jan_feb_2025", COMMODITY, "2025-01..02", "X-FOOTWEAR", "export") == [
        (6_210_400_000, None, 14.8, "10,000 Pairs", 148_000.0, "pair", False)
    ]
    # The prior-year column is a later vintage of 2024's Jan-Feb figure: its own period, counted once.
    assert query("jan_feb_2025", COMMODITY, "2024-01..02", "X-FOOTWEAR", "export") == [
        (6_500_000_000, None, 15.1, "10,000 Pairs", 151_000.0, "pair", False)
    ]
    [(restated,)] = query(
        "jan_feb_2025",
        "SELECT bool_and(is_restatement) FROM core.fact_trade_flows WHERE period = '2024-01..02'",
    )
    assert restated is True


def test_shifted_page_is_realigned_with_the_other_editions_units(runs, query) -> None:  # type: ignore[no-untyped-def]
    result = runs["shifted_2025_04"].result
    # No table (1) in the folder: published with a warning, exit 0.
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "has no table (1)" in result.output
    assert "release 2025-04" in result.output
    assert query("shifted_2025_04", COMMODITY, "2025-04", "X-AQUATIC", "export") == [
        (1_420_600_000, 10_220_000_000, 31.5, "10,000 Tons", 315_000.0, "ton", False)
    ]
    assert query("shifted_2025_04", COMMODITY, "2025-04", "X-FOOTWEAR", "export") == [
        (3_600_200_000, 25_910_000_000, 8.1, "10,000 Pairs", 81_000.0, "pair", False)
    ]
    # Never a shifted figure: no quantity equals a value or a unit-less quantity anywhere.
    assert query(
        "shifted_2025_04",
        "SELECT count(*) FROM bi.commodity_trade WHERE quantity IS NOT NULL AND quantity_unit IS NULL",
    ) == [(0,)]


def test_2025_trade_modes_in_usd_with_the_processing_share(query) -> None:  # type: ignore[no-untyped-def]
    assert query("2025_11", TRADE_MODE, "2025-11", "ORDINARY", "export") == [
        ("Ordinary trade", 195_000_000_000, None, 2_230_000_000_000, None, 6.5, 6.0)
    ]
    [(share, processing)] = query(
        "2025_11",
        "SELECT share_of_total_pct, processing_trade_share_pct FROM bi.trade_mode"
        " WHERE period = '2025-11' AND trade_mode_code = 'ORDINARY' AND direction = 'import'",
    )
    assert share == pytest.approx(1400.0 / 2222.7 * 100)
    assert processing == pytest.approx(350.0 / 2222.7 * 100)  # the printed Processing Trade aggregate
    [(modes,)] = query("2025_11", "SELECT count(*) FROM bi.trade_mode WHERE period = '2025-11'")
    assert modes == 17  # 9 rows x 2 directions, less the exports of processing-trade equipment ('-')


def test_2025_commodities_in_usd_and_2026_imports_in_cny(query) -> None:  # type: ignore[no-untyped-def]
    assert query("2025_11", COMMODITY, "2025-11", "X-RAREEARTH", "export") == [
        (55_600_000, None, 4820.0, "Ton", 4820.0, "ton", False)
    ]
    assert query("2025_11", COMMODITY, "2025-11", "X-AQUATIC", "export") == [
        (1_501_700_000, None, 33.2, "10,000 Tons", 332_000.0, "ton", False)
    ]
    assert query("2025_11", COMMODITY, "2026-03", "M-MOTORVEH", "import") == [
        (None, 13_050_000_000, 4.1, "10,000 Cars", 41_000.0, "vehicle", False)
    ]
    assert query("2025_11", COMMODITY, "2026-03", "M-WOOD", "import") == [
        (None, 6_020_000_000, 401.0, "10,000 CBM", 4_010_000.0, "cubic_metre", False)
    ]
    # 2025-03 is only restated (its cumulative) by the 2026 page: no month value, no BI row.
    assert query("2025_11", "SELECT count(*) FROM bi.commodity_trade WHERE period = '2025-03'") == [(0,)]
    [(restated,)] = query(
        "2025_11", "SELECT count(*) FROM core.fact_trade_flows WHERE period = '2025-03' AND is_restatement"
    )
    assert restated > 0


def test_the_gate_compared_trade_modes_with_table_1(query) -> None:  # type: ignore[no-untyped-def]
    for name in ("2019", "2025_11"):
        rows = query(
            name,
            "SELECT rule, bool_and(success), count(*) FROM meta.validation_results"
            " WHERE rule IN ('trade_modes_sum_to_total', 'trade_mode_total_equals_table1') GROUP BY rule"
            " ORDER BY rule",
        )
        assert [(rule, ok) for rule, ok, _ in rows] == [
            ("trade_mode_total_equals_table1", True),
            ("trade_modes_sum_to_total", True),
        ], name


def test_a_run_whose_files_are_all_rejected_exits_non_zero_naming_them(runs) -> None:  # type: ignore[no-untyped-def]
    result, log = runs["all_rejected"].result, runs["all_rejected"].log
    assert result.exit_code == 1, result.output
    assert "error: every new file was quarantined (2, the reasons are logged above)" in result.output
    assert "row 'Umbrellas and walking sticks': unknown export commodity label" in log
    assert "error_t5_unknown_commodity.html" in log
    assert "row 'Barter Trade with Neighbours': unknown trade-mode label" in log
    assert "error_trade_mode_unknown_label.html" in log
    assert "Traceback" not in result.output
    assert not (runs["all_rejected"].data / "warehouse.duckdb").exists()
