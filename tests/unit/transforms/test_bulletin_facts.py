"""Monthly Bulletin cells into FACT_PARTNER_TRADE and FACT_TRADE_MODE: their own vintages, the TOTAL as
World, the by-country table as partners, and a February page's three periods (a derived January).

Bulletin pages are built cell by cell as the parser stages them (tests/unit/transforms/test_facts.py
does the same for the preliminary tables): per row, the month and `1 to N` value of each flow in
US$1,000, then their y/y %.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from tests.unit.transforms.test_facts import partner_trade, totals_page
from tests.unit.transforms.test_trade_mode import TRADE_MODES, trade_mode_page
from transforms.bulletin import bulletin_period_cells
from transforms.trade_mode import build_fact_trade_mode
from warehouse.reference import UnknownPartnerError
from warehouse.tables import FACT_TRADE_MODE, STG_PRELIMINARY

K = 1_000  # US$1,000, the Bulletin's unit
B = 100_000_000

Figures = tuple[int | None, int | None, int | None, int | None]  # export N, 1 to N, import N, 1 to N


def bulletin_page(table_id: str, month: int, published_on: date, rows: dict[str, Figures],
                  yoys: dict[str, tuple[float | None, ...]] | None = None, year: int = 2025,
                  currency: str = "USD") -> list[dict[str, Any]]:  # fmt: skip
    """A Bulletin page: per label (a regime code for the customs-regime table, a partner label for the
    by-country table) the four values in US$1,000, then optional y/y % in the same order."""
    period = f"{year}-{month:02d}"
    page = {
        "release_id": f"bulletin:{period}:{published_on.isoformat()}",
        "product": "bulletin",
        "source_sha256": f"{table_id}-{period}-{currency}-{published_on}",
        "parser_version": "1.1.0",
        "table_id": table_id,
        "printed_number": 5,
        "title": f"(5) Imports and Exports by Customs Regime, {month}.{year}",
        "currency": currency,
        "unit_label": "US$1,000",
        "scale": K,
        "period": period,
        "months_covered": 1,
        "published_on": published_on,
        "figure_period": period,
        "is_restatement": False,
        "is_aggregate": False,
        "quantity_unit_pending": False,
        "commodity_code": None,
        "quantity_base_unit": None,
        "quantity_in_base_unit": None,
    }
    layout = [("export", "month"), ("export", "ytd"), ("import", "month"), ("import", "ytd")]
    cells = []
    for row, (label, figures) in enumerate(rows.items(), start=1):
        yoy = (yoys or {}).get(label, (None, None, None, None))
        regime = label if table_id == "bulletin_trade_mode" else None
        for offset, (measure, printed) in enumerate((("value", figures), ("yoy_pct", yoy))):
            for column, ((direction, span), figure) in enumerate(zip(layout, printed, strict=True), start=2):
                cells.append({
                    **page,
                    "row_number": row,
                    "label": label.title() if regime else label,
                    "label_as_published": label,
                    "indent_level": 0,
                    "parent_label": None,
                    "quantity_unit": None,
                    "column_number": column + 4 * offset,
                    "measure": measure,
                    "span": span,
                    "direction": direction,
                    "figure_as_published": None if figure is None else float(figure),
                    "amount_whole_units": figure * K if measure == "value" and figure is not None else None,
                    "trade_mode_code": regime,
                })  # fmt: skip
    return cells


def stg(*pages: list[dict[str, Any]]) -> pl.LazyFrame:
    rows = [cell for page in pages for cell in page]
    return STG_PRELIMINARY.conform(pl.DataFrame(rows, schema=STG_PRELIMINARY.polars_schema())).lazy()


PRELIMINARY_ON = date(2025, 12, 8)
BULLETIN_ON = date(2025, 12, 20)
T1 = totals_page("2025-11", "USD", PRELIMINARY_ON, {
    "export": (3018.6, -2.4, 5.7, 34521.0, 5.4),
    "import": (2222.7, -4.0, -5.1, 22491.4, -1.2),
})  # fmt: skip
REGIMES = bulletin_page("bulletin_trade_mode", 11, BULLETIN_ON, {
    "TOTAL": (301_829_100, 3_452_069_100, 222_270_000, 2_249_140_000),
    "ORDINARY": (250_000_000, 2_800_000_000, 190_000_000, 1_950_000_000),
    "OTHER": (51_829_100, 652_069_100, 32_270_000, 299_140_000),
}, {"TOTAL": (5.6, 5.4, -5.1, -1.2)})  # fmt: skip


# --- FACT_PARTNER_TRADE ---------------------------------------------------------------------------------
def test_the_bulletin_total_is_a_later_world_vintage_that_wins_over_the_preliminary_release() -> None:
    result = partner_trade(T1, REGIMES).filter(pl.col("direction") == "export")
    rows = result.sort("public_on").select(
        "product", "vintage_source", "public_on", "value_usd", "value_ytd_usd", "yoy_pct_published_usd",
        "is_latest_vintage", "value_source",
    )  # fmt: skip
    assert rows.rows() == [
        ("preliminary", "preliminary", PRELIMINARY_ON, 301_860_000_000, 3_452_100_000_000, 5.7, False, "published"),
        ("bulletin", "bulletin", BULLETIN_ON, 301_829_100_000, 3_452_069_100_000, 5.6, True, "published"),
    ]  # fmt: skip
    assert set(result["partner_code"]) == {"WLD"}


def test_the_bulletin_is_never_paired_with_the_preliminary_releases_other_edition() -> None:
    """A USD-only Bulletin keeps its CNY columns empty: they are the preliminary CNY edition's figures."""
    t1_cny = totals_page("2025-11", "CNY", PRELIMINARY_ON, {"export": (21000.0, -2.0, 5.0, 245000.0, 6.0)})
    bulletin = partner_trade(T1, t1_cny, REGIMES).filter(
        (pl.col("product") == "bulletin") & (pl.col("direction") == "export")
    )
    assert bulletin.select("value_usd", "value_cny", "implied_cny_per_usd").rows() == [
        (301_829_100_000, None, None)
    ]


def test_the_bulletin_by_country_table_gives_partners_and_its_total_is_left_to_the_regime_total() -> None:
    countries = bulletin_page("bulletin_by_partner", 11, BULLETIN_ON, {
        "Total": (301_829_100, 3_452_069_100, 222_270_000, 2_249_140_000),
        "Germany": (9_000_000, 95_000_000, 8_000_000, 85_000_000),
    })  # fmt: skip
    result = partner_trade(REGIMES, countries).sort("partner_code", "direction")
    assert result.select("partner_code", "direction", "partner_label", "value_usd").rows() == [
        ("DEU", "export", "Germany", 9_000_000 * K),
        ("DEU", "import", "Germany", 8_000_000 * K),
        ("WLD", "export", None, 301_829_100 * K),
        ("WLD", "import", None, 222_270_000 * K),
        ("WLD", "total", None, 524_099_100 * K),
    ]
    # Without a customs-regime page, the by-country table's Total is China's total.
    alone = partner_trade(countries).filter(pl.col("partner_code") == "WLD")
    assert sorted(alone["value_usd"].to_list()) == [222_270_000 * K, 301_829_100 * K, 524_099_100 * K]


def test_the_bulletin_total_trade_is_exports_plus_imports_derived_and_the_latest_total() -> None:
    """The Bulletin prints no total: without a derived one, the latest total would stay table (1)'s
    preliminary figure while the latest exports are the Bulletin's."""
    t1 = totals_page("2025-11", "USD", PRELIMINARY_ON, {
        "total": (5241.3, -3.0, 1.2, 57012.4, 2.8),
        "export": (3018.6, -2.4, 5.7, 34521.0, 5.4),
        "import": (2222.7, -4.0, -5.1, 22491.4, -1.2),
    })  # fmt: skip
    total = partner_trade(t1, REGIMES).filter(pl.col("direction") == "total").sort("public_on")
    assert total.select(
        "product", "value_usd", "value_ytd_usd", "yoy_pct_published_usd", "value_source", "is_latest_vintage"
    ).rows() == [
        ("preliminary", 524_130_000_000, 5_701_240_000_000, 1.2, "published", False),
        ("bulletin", 524_099_100_000, 5_701_209_100_000, None, "derived", True),
    ]  # fmt: skip


def test_a_bulletin_page_missing_a_flow_gives_no_total() -> None:
    exports_only = bulletin_page("bulletin_trade_mode", 11, BULLETIN_ON, {
        "TOTAL": (301_829_100, 3_452_069_100, None, None),
    })  # fmt: skip
    result = partner_trade(exports_only)
    assert result.select("direction", "value_usd").sort("direction").rows() == [
        ("export", 301_829_100 * K),
        ("import", None),
    ]


def test_an_unknown_bulletin_partner_label_is_rejected_as_for_table_4() -> None:
    countries = bulletin_page("bulletin_by_partner", 11, BULLETIN_ON, {
        "Total": (100, 1000, 50, 500),
        "Atlantis": (1, 10, 1, 10),
    })  # fmt: skip
    with pytest.raises(
        UnknownPartnerError,
        match=r"Monthly Bulletin table by country \(region\): 1 unknown partner label.*'Atlantis'",
    ):
        partner_trade(countries)


FEBRUARY = bulletin_page("bulletin_trade_mode", 2, date(2025, 3, 20), {
    "TOTAL": (150_000_000, 540_000_000, 130_000_000, 370_000_000),
    "ORDINARY": (90_000_000, 330_000_000, 80_000_000, 230_000_000),
    "OTHER": (60_000_000, 210_000_000, None, 140_000_000),
}, {"TOTAL": (3.0, 2.0, -1.0, 0.5)})  # fmt: skip


def test_a_february_page_gives_jan_feb_february_and_a_derived_january() -> None:
    result = partner_trade(FEBRUARY).sort("period", "direction")
    assert result.select(
        "period", "direction", "value_usd", "value_ytd_usd", "yoy_pct_published_usd", "value_source",
        "vintage_source", "is_latest_vintage",
    ).rows() == [
        ("2025-01", "export", 390_000_000 * K, 390_000_000 * K, None, "derived", "bulletin", True),
        ("2025-01", "import", 240_000_000 * K, 240_000_000 * K, None, "derived", "bulletin", True),
        ("2025-01", "total", 630_000_000 * K, 630_000_000 * K, None, "derived", "bulletin", True),
        ("2025-01..02", "export", 540_000_000 * K, 540_000_000 * K, 2.0, "published", "bulletin", True),
        ("2025-01..02", "import", 370_000_000 * K, 370_000_000 * K, 0.5, "published", "bulletin", True),
        ("2025-01..02", "total", 910_000_000 * K, 910_000_000 * K, None, "derived", "bulletin", True),
        ("2025-02", "export", 150_000_000 * K, 540_000_000 * K, 3.0, "published", "bulletin", True),
        ("2025-02", "import", 130_000_000 * K, 370_000_000 * K, -1.0, "published", "bulletin", True),
        ("2025-02", "total", 280_000_000 * K, 910_000_000 * K, None, "derived", "bulletin", True),
    ]  # fmt: skip
    assert result.select("period", "months_covered").unique().sort("period").rows() == [
        ("2025-01", 1), ("2025-01..02", 2), ("2025-02", 1),
    ]  # fmt: skip


def test_the_bulletins_jan_feb_is_a_vintage_of_the_preliminary_jan_feb_figure() -> None:
    """Filed under the preliminary release's key, YYYY-01..02, so the two vintages compare."""
    t1 = totals_page("2025-01..02", "USD", date(2025, 3, 7), {"export": (5410.0, 2.3)})
    result = partner_trade(t1, FEBRUARY).filter(
        (pl.col("period") == "2025-01..02") & (pl.col("direction") == "export")
    )
    assert result.sort("public_on").select("vintage_source", "value_usd", "is_latest_vintage").rows() == [
        ("preliminary", 541_000_000_000, False),
        ("bulletin", 540_000_000_000, True),
    ]


def test_january_is_derived_only_where_both_february_columns_are_printed() -> None:
    cells = bulletin_period_cells(stg(FEBRUARY)).filter(
        (pl.col("period") == "2025-01") & (pl.col("trade_mode_code") == "OTHER")
    )
    # OTHER imports print '-' for February: no January import is derived from them.
    assert cells.select("direction", "span", "amount_whole_units", "figure_as_published", "is_derived").sort(
        "span"
    ).collect().rows() == [
        ("export", "month", 150_000_000 * K, None, True),
        ("export", "ytd", 150_000_000 * K, None, True),
    ]


# --- FACT_TRADE_MODE ------------------------------------------------------------------------------------
def trade_mode(*pages: list[dict[str, Any]]) -> pl.DataFrame:
    return FACT_TRADE_MODE.conform(build_fact_trade_mode(stg(*pages), TRADE_MODES).collect())


def test_bulletin_regimes_are_trade_mode_vintages_the_total_is_the_total_row() -> None:
    t2 = trade_mode_page("trade_mode_month", "2025-11", "USD", PRELIMINARY_ON, {
        "TOTAL": (5241.3, 3018.6, 2222.7, 0.9, 5.7, -5.1),
        "ORDINARY": (4400.0, 2500.0, 1900.0, 1.0, 2.0, 3.0),
    })  # fmt: skip
    result = (
        trade_mode(t2, REGIMES).filter(pl.col("direction") == "export").sort("trade_mode_code", "public_on")
    )
    assert result.select(
        "trade_mode_code", "product", "value_usd", "value_ytd_usd", "yoy_pct_published_usd",
        "is_latest_vintage", "value_source",
    ).rows() == [
        ("ORDINARY", "preliminary", 2500 * B, None, 2.0, False, "published"),
        ("ORDINARY", "bulletin", 250_000_000 * K, 2_800_000_000 * K, None, True, "published"),
        ("OTHER", "bulletin", 51_829_100 * K, 652_069_100 * K, None, True, "published"),
        ("TOTAL", "preliminary", 301_860_000_000, None, 5.7, False, "published"),
        ("TOTAL", "bulletin", 301_829_100 * K, 3_452_069_100 * K, 5.6, True, "published"),
    ]  # fmt: skip
    # Shares are of the Bulletin's own TOTAL (same release), never the preliminary one's.
    bulletin = result.filter(pl.col("product") == "bulletin").sort("trade_mode_code")
    assert bulletin["share_of_total_pct"].to_list() == pytest.approx(
        [250_000_000 / 301_829_100 * 100, 51_829_100 / 301_829_100 * 100, 100.0]
    )


def test_a_february_regime_page_gives_three_trade_mode_periods_january_derived() -> None:
    result = trade_mode(FEBRUARY).filter(
        (pl.col("trade_mode_code") == "TOTAL") & (pl.col("direction") == "export")
    )
    assert result.sort("period").select(
        "period", "value_usd", "value_ytd_usd", "yoy_pct_published_usd", "value_source"
    ).rows() == [
        ("2025-01", 390_000_000 * K, 390_000_000 * K, None, "derived"),
        ("2025-01..02", 540_000_000 * K, 540_000_000 * K, 2.0, "published"),
        ("2025-02", 150_000_000 * K, 540_000_000 * K, 3.0, "published"),
    ]
