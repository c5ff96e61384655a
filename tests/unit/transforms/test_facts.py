"""Fact builders: staging cells in, FACT_PARTNER_TRADE / FACT_TRADE_FLOWS out.

The pages are built cell by cell, as the parsers stage them: table (1) rows carry month value, m/m %,
y/y %, cumulative value and cumulative y/y %; table (4) rows month and cumulative values and the
cumulative y/y %; a Jan-Feb page only its 1-to-2 (span 'ytd') cells.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.facts import (
    _build_fact_trade_flows,
    _major_commodity_editions,
    _online_query_editions,
    _single_exports,
    build_fact_partner_trade,
    build_fact_trade_flows,
)
from warehouse.reference import UnknownCommodityError, UnknownPartnerError
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_FLOWS, STG_ONLINE_QUERY, STG_PRELIMINARY

M = 1_000_000  # USD 1 Million, the unit of table (4)'s USD edition
B = 100_000_000  # 100 Million, the unit of the headline tables


# --- builders ----------------------------------------------------------------------------------------
def _cell(page: dict[str, Any], row: int, label: str, column: int, measure: str, span: str, direction: str,
          figure: float | None, amount: int | None, quantity_unit: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        **page,
        "row_number": row,
        "label": label,
        "label_as_published": label,
        "indent_level": 0 if label == "Total" else 1,
        "parent_label": None,
        "quantity_unit": quantity_unit,
        "column_number": column,
        "measure": measure,
        "span": span,
        "direction": direction,
        "figure_as_published": figure,
        "amount_whole_units": amount,
    }


def _page(table_id: str, period: str, currency: str, published_on: date, scale: int) -> dict[str, Any]:
    release_id = f"preliminary:{period}:{published_on.isoformat()}"
    return {
        "release_id": release_id,
        "product": "preliminary",
        "source_sha256": f"{table_id}-{period}-{currency}-{published_on}",
        "parser_version": "1.0.0",
        "table_id": table_id,
        "printed_number": None,
        "title": f"{table_id} {period} (in {currency})",
        "currency": currency,
        "unit_label": "unit",
        "scale": scale,
        "period": period,
        "months_covered": 2 if ".." in period else 1,
        "published_on": published_on,
        # Columns of the real layouts (issue 9): these builders make no restated or aggregate rows.
        "figure_period": period,
        "is_restatement": False,
        "is_aggregate": False,
        "quantity_unit_pending": False,
    }


def totals_page(period: str, currency: str, published_on: date,
                rows: dict[str, tuple[float | None, ...]]) -> list[dict[str, Any]]:  # fmt: skip
    """Table (1). A month row: (value, m/m %, y/y %, cumulative, cumulative y/y %), values in 100 million.
    A Jan-Feb row: (cumulative, cumulative y/y %)."""
    page = _page("totals", period, currency, published_on, B)
    labels = {"total": "Export & Import", "export": "Export", "import": "Import", "balance": "Balance"}
    cells = []
    for row, (direction, figures) in enumerate(rows.items(), start=1):
        if len(figures) == 2:
            layout = [("value", "ytd"), ("yoy_pct", "ytd")]
        else:
            layout = [
                ("value", "month"),
                ("mom_pct", "month"),
                ("yoy_pct", "month"),
                ("value", "ytd"),
                ("yoy_pct", "ytd"),
            ]
        for column, ((measure, span), figure) in enumerate(zip(layout, figures, strict=True), start=2):
            amount = round(figure * B) if measure == "value" and figure is not None else None
            cells.append(
                _cell(page, row, labels[direction], column, measure, span, direction, figure, amount)
            )
    return cells


def partner_page(period: str, currency: str, published_on: date,
                 rows: dict[str, dict[str, tuple[float | None, ...]]]) -> list[dict[str, Any]]:  # fmt: skip
    """Table (4), values in USD 1 Million or CNY 100 Million. Per label and direction: (month, cumulative,
    cumulative y/y %), or for Jan-Feb (cumulative, cumulative y/y %)."""
    scale = M if currency == "USD" else B
    page = _page("by_partner", period, currency, published_on, scale)
    cells = []
    for row, (label, by_direction) in enumerate(rows.items(), start=1):
        column = 2
        for direction, figures in by_direction.items():
            layout = [("value", "ytd"), ("yoy_pct", "ytd")] if len(figures) == 2 else [
                ("value", "month"), ("value", "ytd"), ("yoy_pct", "ytd")
            ]  # fmt: skip
            for (measure, span), figure in zip(layout, figures, strict=True):
                amount = round(figure * scale) if measure == "value" and figure is not None else None
                cells.append(_cell(page, row, label, column, measure, span, direction, figure, amount))
                column += 1
    return cells


def stg(*pages: list[dict[str, Any]]) -> pl.LazyFrame:
    rows = [cell for page in pages for cell in page]
    return STG_PRELIMINARY.conform(pl.DataFrame(rows, schema=STG_PRELIMINARY.polars_schema())).lazy()


ALIASES = pl.LazyFrame(
    {
        "alias": ["Germany", "United States (US)", "European Union"],
        "partner_code": ["DEU", "USA", "EU"],
        "source": ["preliminary", "preliminary", "preliminary"],
        "note": [None, None, None],
        "alias_key": ["germany", "united states (us)", "european union"],
    },
    schema={
        "alias": pl.String,
        "partner_code": pl.String,
        "source": pl.String,
        "note": pl.String,
        "alias_key": pl.String,
    },
)
PARTNERS = pl.LazyFrame(
    {
        "partner_code": ["WLD", "DEU", "USA", "EU", "BRA"],
        "gacc_code": [None, "304", "502", None, "410"],
        "iso_alpha3": [None, "DEU", "USA", None, "BRA"],
        "partner_name": ["World", "Germany", "United States", "European Union", "Brazil"],
        "partner_name_zh": ["世界", "德国", "美国", "欧盟", "巴西"],
        "continent": [None, "Europe", "North America", None, "Latin America"],
        "is_group": [True, False, False, True, False],
    }
)

KEY = ["period", "partner_code", "direction"]


def partner_trade(*pages: list[dict[str, Any]]) -> pl.DataFrame:
    result = build_fact_partner_trade(stg(*pages), ALIASES, PARTNERS).collect()
    return FACT_PARTNER_TRADE.conform(result)


# --- FACT_PARTNER_TRADE ---------------------------------------------------------------------------------
def test_world_comes_from_table_1_and_the_table_4_total_row_is_left_out() -> None:
    """Table (1) gives WLD (without its balance row); table (4)'s 'Total' gives nothing."""
    day = date(2025, 12, 8)
    t1 = totals_page("2025-11", "USD", day, {
        "total": (5000.0, 1.0, 2.0, 57000.0, 3.0),
        "export": (3000.0, 1.5, 5.9, 34000.0, 5.4),
        "import": (2000.0, 0.5, 1.9, 23000.0, -0.6),
        "balance": (1000.0, None, None, 11000.0, None),
    })  # fmt: skip
    t4 = partner_page("2025-11", "USD", day, {
        "Total": {"export": (999999.0, 999999.0, 0.0)},
        "Germany": {"export": (8000.0, 90000.0, 1.2)},
    })  # fmt: skip

    result = partner_trade(t1, t4).select(*KEY, "partner_label", "is_group", "value_usd", "value_ytd_usd")

    expected = pl.DataFrame(
        {
            "period": ["2025-11"] * 4,
            "partner_code": ["DEU", "WLD", "WLD", "WLD"],
            "direction": ["export", "export", "import", "total"],
            "partner_label": ["Germany", None, None, None],
            "is_group": [False, True, True, True],
            "value_usd": [8000 * M, 3000 * B, 2000 * B, 5000 * B],
            "value_ytd_usd": [90000 * M, 34000 * B, 23000 * B, 57000 * B],
        },
        schema_overrides={"partner_label": pl.String},
    )
    assert_frame_equal(result, expected)


def test_table_1_percentages_month_yoy_is_the_period_yoy_and_ytd_yoy_kept_apart() -> None:
    day = date(2025, 12, 8)
    t1 = totals_page("2025-11", "USD", day, {"export": (3303.0, 8.0, 5.9, 34000.0, 5.4)})
    t4 = partner_page("2025-11", "USD", day, {"Germany": {"export": (8000.0, 90000.0, 1.2)}})

    result = partner_trade(t1, t4).select(
        "partner_code", "yoy_pct_published_usd", "yoy_ytd_pct_published_usd", "mom_pct_published_usd"
    )

    # Table (4)'s only y/y % belongs to the cumulative value: the month's y/y stays null (derived later).
    expected = pl.DataFrame(
        {
            "partner_code": ["DEU", "WLD"],
            "yoy_pct_published_usd": [None, 5.9],
            "yoy_ytd_pct_published_usd": [1.2, 5.4],
            "mom_pct_published_usd": [None, 8.0],
        }
    )
    assert_frame_equal(result, expected)


def test_jan_feb_is_one_period_whose_value_and_yoy_are_the_cumulative_ones() -> None:
    """Jan-Feb pages print only 1-to-2 columns: value = cumulative, y/y = cumulative y/y, residual 0.

    | page            | cells                    | value | value_ytd | yoy_pct_published | derived | residual |
    |-----------------|--------------------------|-------|-----------|-------------------|---------|----------|
    | (1) 2025-01..02 | export ytd 5000, y/y 2.3 | 5000  | 5000      | 2.3               | 5000    | 0        |
    | (4) 2025-01..02 | Germany ytd 150, y/y -4  | 150   | 150       | -4.0              | 150     | 0        |
    """
    day = date(2025, 3, 7)
    t1 = totals_page("2025-01..02", "USD", day, {"export": (5000.0, 2.3)})
    t4 = partner_page("2025-01..02", "USD", day, {"Germany": {"export": (150.0, -4.0)}})

    result = partner_trade(t1, t4).select(
        "period",
        "period_start",
        "months_covered",
        "partner_code",
        "value_usd",
        "value_ytd_usd",
        "yoy_pct_published_usd",
        "yoy_ytd_pct_published_usd",
        "value_derived_usd",
        "revision_residual_usd",
    )

    expected = pl.DataFrame(
        {
            "period": ["2025-01..02", "2025-01..02"],
            "period_start": [date(2025, 1, 1)] * 2,
            "months_covered": [2, 2],
            "partner_code": ["DEU", "WLD"],
            "value_usd": [150 * M, 5000 * B],
            "value_ytd_usd": [150 * M, 5000 * B],
            "yoy_pct_published_usd": [-4.0, 2.3],
            "yoy_ytd_pct_published_usd": [-4.0, 2.3],
            "value_derived_usd": [150 * M, 5000 * B],
            "revision_residual_usd": [0, 0],
        }
    )
    assert_frame_equal(result, expected)


def test_revision_residual_is_published_month_minus_the_cumulative_difference() -> None:
    """The March cumulative includes a revised Jan-Feb: 160 - 100 = 60 derived, 55 published.

    | period      | published | value | value_ytd | derived        | residual |
    |-------------|-----------|-------|-----------|----------------|----------|
    | 2025-01..02 | 03-07     | 100   | 100       | 100            | 0        |
    | 2025-03     | 04-14     | 55    | 160       | 160 - 100 = 60 | -5       |
    | 2025-04     | 05-09     | 70    | 230       | 230 - 160 = 70 | 0        |
    """
    pages = [
        partner_page("2025-01..02", "USD", date(2025, 3, 7), {"Germany": {"export": (100.0, 1.0)}}),
        partner_page("2025-03", "USD", date(2025, 4, 14), {"Germany": {"export": (55.0, 160.0, 1.0)}}),
        partner_page("2025-04", "USD", date(2025, 5, 9), {"Germany": {"export": (70.0, 230.0, 1.0)}}),
    ]

    result = partner_trade(*pages).select("period", "value_usd", "value_derived_usd", "revision_residual_usd")

    expected = pl.DataFrame(
        {
            "period": ["2025-01..02", "2025-03", "2025-04"],
            "value_usd": [100 * M, 55 * M, 70 * M],
            "value_derived_usd": [100 * M, 60 * M, 70 * M],
            "revision_residual_usd": [0, -5 * M, 0],
        }
    )
    assert_frame_equal(result, expected)


def test_derived_value_uses_the_previous_period_as_published_no_later_than_this_release() -> None:
    """A re-release of 2025-03 published after April's release is not used for April's derived value."""
    pages = [
        partner_page("2025-03", "USD", date(2025, 4, 14), {"Germany": {"export": (55.0, 160.0, 1.0)}}),
        partner_page("2025-04", "USD", date(2025, 5, 9), {"Germany": {"export": (70.0, 230.0, 1.0)}}),
        partner_page("2025-03", "USD", date(2025, 5, 20), {"Germany": {"export": (58.0, 163.0, 1.0)}}),
    ]

    result = partner_trade(*pages).filter(pl.col("period") == "2025-04")

    assert result["value_derived_usd"].to_list() == [70 * M]  # 230 - 160, not 230 - 163
    # Without the Jan-Feb period loaded, March has nothing to subtract: derived and residual are null.
    march = partner_trade(*pages).filter(pl.col("period") == "2025-03")
    assert march["value_derived_usd"].to_list() == [None, None]


def test_latest_vintage_among_two_releases_of_the_same_period() -> None:
    pages = [
        totals_page("2025-11", "USD", date(2025, 12, 8), {"export": (3303.0, 8.0, 5.9, 34000.0, 5.4)}),
        totals_page("2025-11", "USD", date(2025, 12, 20), {"export": (3302.7, 8.0, 5.9, 33999.7, 5.4)}),
    ]

    result = partner_trade(*pages).select("release_id", "published_on", "value_usd", "is_latest_vintage")

    expected = pl.DataFrame(
        {
            "release_id": ["preliminary:2025-11:2025-12-08", "preliminary:2025-11:2025-12-20"],
            "published_on": [date(2025, 12, 8), date(2025, 12, 20)],
            "value_usd": [330_300_000_000, 330_270_000_000],
            "is_latest_vintage": [False, True],
        }
    )
    assert_frame_equal(result, expected)


def test_cny_and_usd_editions_are_joined_as_published_with_the_implied_rate() -> None:
    """Each edition as printed, no conversion; the CNY edition a day later: the row is the later release."""
    usd = partner_page("2025-11", "USD", date(2025, 12, 8), {"Germany": {"export": (8000.0, 90000.0, 1.2)}})
    cny = partner_page("2025-11", "CNY", date(2025, 12, 9), {"Germany": {"export": (569.6, 6417.0, 0.9)}})

    result = partner_trade(usd, cny).select(
        "release_id",
        "published_on",
        "value_usd",
        "value_cny",
        "value_ytd_usd",
        "value_ytd_cny",
        "yoy_ytd_pct_published_usd",
        "yoy_ytd_pct_published_cny",
        "implied_cny_per_usd",
        "is_latest_vintage",
    )

    expected = pl.DataFrame(
        {
            "release_id": ["preliminary:2025-11:2025-12-09"],
            "published_on": [date(2025, 12, 9)],
            "value_usd": [8_000_000_000],
            "value_cny": [56_960_000_000],  # 569.6 x CNY 100 million: not 8,000 million x any rate
            "value_ytd_usd": [90_000_000_000],
            "value_ytd_cny": [641_700_000_000],
            "yoy_ytd_pct_published_usd": [1.2],
            "yoy_ytd_pct_published_cny": [0.9],
            "implied_cny_per_usd": [641_700_000_000 / 90_000_000_000],
            "is_latest_vintage": [True],
        }
    )
    assert_frame_equal(result, expected)


def test_a_revised_edition_takes_the_other_edition_as_last_published() -> None:
    """USD on 12-08, CNY on 12-09, a corrected USD page on 12-15: two vintages, both complete."""
    usd = partner_page("2025-11", "USD", date(2025, 12, 8), {"Germany": {"export": (8000.0, 90000.0, 1.2)}})
    cny = partner_page("2025-11", "CNY", date(2025, 12, 9), {"Germany": {"export": (569.6, 6417.0, 0.9)}})
    usd_fix = partner_page(
        "2025-11", "USD", date(2025, 12, 15), {"Germany": {"export": (8001.0, 90001.0, 1.2)}}
    )

    result = partner_trade(usd, cny, usd_fix).select(
        "published_on", "value_usd", "value_cny", "is_latest_vintage"
    )

    expected = pl.DataFrame(
        {
            "published_on": [date(2025, 12, 9), date(2025, 12, 15)],
            "value_usd": [8_000_000_000, 8_001_000_000],
            "value_cny": [56_960_000_000, 56_960_000_000],
            "is_latest_vintage": [False, True],
        }
    )
    assert_frame_equal(result, expected)


def test_an_edition_never_published_leaves_its_columns_null() -> None:
    usd = partner_page("2025-11", "USD", date(2025, 12, 8), {"Germany": {"export": (8000.0, 90000.0, 1.2)}})

    result = partner_trade(usd)

    assert result.select("value_usd", "value_cny", "implied_cny_per_usd").row(0) == (
        8_000_000_000,
        None,
        None,
    )


def test_unknown_partner_label_raises_naming_every_one() -> None:
    t4 = partner_page(
        "2025-11",
        "USD",
        date(2025, 12, 8),
        {"Germany": {"export": (1.0, 2.0, 3.0)}, "Atlantis": {"export": (1.0, 2.0, 3.0)},
         "Lilliput": {"export": (1.0, 2.0, 3.0)}},
    )  # fmt: skip

    with pytest.raises(
        UnknownPartnerError, match=r"table \(4\).*2 unknown partner label\(s\): 'Atlantis', 'Lilliput'"
    ):
        build_fact_partner_trade(stg(t4), ALIASES, PARTNERS)


def test_partner_trade_output_passes_its_contract() -> None:
    pages = [
        totals_page("2025-01..02", "USD", date(2025, 3, 7), {"total": (8000.0, 1.0), "export": (5000.0, 2.3),
                                                             "import": (3000.0, -1.0), "balance": (2000.0, None)}),
        totals_page("2025-01..02", "CNY", date(2025, 3, 7), {"export": (35900.0, 3.4)}),
        totals_page("2025-03", "USD", date(2025, 4, 14), {"export": (2500.0, 3.0, 12.4, 7500.0, 5.8)}),
        partner_page("2025-03", "CNY", date(2025, 4, 14), {"European Union": {"total": (4000.0, 12000.0, 2.0)}}),
    ]  # fmt: skip

    result = build_fact_partner_trade(stg(*pages), ALIASES, PARTNERS).collect()

    assert result.columns == FACT_PARTNER_TRADE.column_names
    assert_frame_equal(FACT_PARTNER_TRADE.conform(result), result)
    assert result.select([*KEY, "release_id"]).is_duplicated().sum() == 0


# --- FACT_TRADE_FLOWS -----------------------------------------------------------------------------------
COMMODITIES = pl.LazyFrame(
    {
        "label": ["Soya beans", "Steel products", "Steel products", "Mobile phones"],
        "commodity_code": ["GACC-I-SOYA", "GACC-E-STEEL", "GACC-I-STEEL", "GACC-E-PHONE"],
        "direction": ["import", "export", "import", "export"],
        "hs_heading": ["1201", "7208", "7208", "8517"],
        "note": [None, None, None, None],
    }
)


def major_page(table_id: str, period: str, currency: str, published_on: date,
               rows: dict[str, tuple[str | None, tuple[float | None, ...]]]) -> list[dict[str, Any]]:  # fmt: skip
    """Tables (5)/(6), values in millions. Per label: (unit, figures): figures are (month qty, month value,
    cumulative qty, cumulative value, qty y/y %, value y/y %), or for Jan-Feb the last four."""
    page = _page(table_id, period, currency, published_on, M)
    direction = "export" if table_id == "major_exports" else "import"
    cells = []
    for row, (label, (unit, figures)) in enumerate(rows.items(), start=1):
        layout = [("quantity", "month"), ("value", "month")] if len(figures) == 6 else []
        layout += [("quantity", "ytd"), ("value", "ytd"), ("yoy_pct", "ytd"), ("yoy_pct", "ytd")]
        for column, ((measure, span), figure) in enumerate(zip(layout, figures, strict=True), start=3):
            amount = round(figure * M) if measure == "value" and figure is not None else None
            cells.append(_cell(page, row, label, column, measure, span, direction, figure, amount, unit))
    return cells


def online_query(records: list[dict[str, Any]]) -> pl.LazyFrame:
    base = {
        "release_id": "online_query:2024-12:2025-01-20",
        "product": "online_query",
        "source_sha256": "oq",
        "parser_version": "1.0.0",
        "currency": "USD",
        "direction": "export",
        "partner_name_zh": None,
        "quantity_2": None,
        "quantity_2_unit": None,
    }
    rows = [{**base, **record} for record in records]
    return STG_ONLINE_QUERY.conform(pl.DataFrame(rows, schema=STG_ONLINE_QUERY.polars_schema())).lazy()


NO_ONLINE_QUERY = online_query([])
NO_CELLS = stg()


def test_major_commodity_tables_become_world_flows_in_both_currencies() -> None:
    """Quantities and values of the period and the cumulative; the value's y/y is the right-hand one."""
    day = date(2025, 12, 8)
    usd = major_page(
        "major_imports",
        "2025-11",
        "USD",
        day,
        {"Soya beans": ("10000T", (810.0, 3500.0, 9800.0, 42000.0, 4.1, -6.2))},
    )
    cny = major_page(
        "major_imports",
        "2025-11",
        "CNY",
        day,
        {"Soya beans": ("10000T", (810.0, 249.0, 9800.0, 2990.0, 4.1, -6.5))},
    )

    result = build_fact_trade_flows(stg(usd, cny), NO_ONLINE_QUERY, COMMODITIES, PARTNERS).collect()
    result = FACT_TRADE_FLOWS.conform(result).drop("release_id", "published_on", "period_start")

    expected = pl.DataFrame(
        {
            "product": ["preliminary"],
            "period": ["2025-11"],
            "months_covered": [1],
            "direction": ["import"],
            "commodity_code": ["GACC-I-SOYA"],
            "commodity_name": ["Soya beans"],
            "partner_code": ["WLD"],
            "is_aggregate": [False],
            "quantity_unit": ["10000T"],
            "quantity": [810.0],
            "quantity_ytd": [9800.0],
            # These cells carry no base unit (staged before the parser gave one).
            "quantity_base_unit": pl.Series([None], dtype=pl.String),
            "quantity_base": pl.Series([None], dtype=pl.Float64),
            "quantity_ytd_base": pl.Series([None], dtype=pl.Float64),
            "value_usd": [3500 * M],
            "value_cny": [249 * M],
            "value_ytd_usd": [42000 * M],
            "value_ytd_cny": [2990 * M],
            "yoy_ytd_pct_published_usd": [-6.2],
            "yoy_ytd_pct_published_cny": [-6.5],
            "is_restatement": [False],
            "is_latest_vintage": [True],
            "vintage_source": ["preliminary"],
            "public_on": [day],
            "vintage_precedence": [1],
        }
    )
    assert_frame_equal(result, expected)


def test_major_commodity_label_is_matched_by_direction_and_jan_feb_quantity_is_the_cumulative() -> None:
    """'Steel products' is both an export and an import code; a sub-item's 'of which:' is ignored."""
    day = date(2025, 3, 7)
    exports = major_page("major_exports", "2025-01..02", "USD", day, {
        "Steel products": ("10000T", (1800.0, 15000.0, 6.0, -1.0)),
        "of which: Mobile phones": ("10000 units", (9000.0, 20000.0, -2.0, 3.0)),
    })  # fmt: skip
    imports = major_page(
        "major_imports", "2025-01..02", "USD", day, {"Steel products": ("10000T", (100.0, 900.0, 1.0, 2.0))}
    )

    result = build_fact_trade_flows(stg(exports, imports), NO_ONLINE_QUERY, COMMODITIES, PARTNERS).collect()

    expected = pl.DataFrame(
        {
            "direction": ["export", "export", "import"],
            "commodity_code": ["GACC-E-PHONE", "GACC-E-STEEL", "GACC-I-STEEL"],
            "quantity": [9000.0, 1800.0, 100.0],
            "quantity_ytd": [9000.0, 1800.0, 100.0],
            "value_usd": [20000 * M, 15000 * M, 900 * M],
            "yoy_ytd_pct_published_usd": [3.0, -1.0, 2.0],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected)


def test_unknown_commodity_label_raises_naming_it() -> None:
    page = major_page(
        "major_exports",
        "2025-11",
        "USD",
        date(2025, 12, 8),
        {"Soya beans": ("10000T", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0))},
    )

    # 'Soya beans' is known as an import only.
    with pytest.raises(UnknownCommodityError, match=r"1 unknown export commodity label\(s\): 'Soya beans'"):
        build_fact_trade_flows(stg(page), NO_ONLINE_QUERY, COMMODITIES, PARTNERS)


def test_online_query_records_are_mapped_to_partner_and_hs8_codes() -> None:
    """GACC code 502 → USA, 410 → BRA; the value in the file's currency only; the month is the period."""
    records = online_query(
        [
            {"period": "2024-01", "partner_code_gacc": "502", "hs_code": "85171300", "commodity_name": "智能手机",
             "quantity_1": 1000.0, "quantity_1_unit": "台", "amount_whole_units": 250_000},
            {"period": "2024-02", "partner_code_gacc": "410", "hs_code": "85171300", "commodity_name": "智能手机",
             "quantity_1": None, "quantity_1_unit": None, "amount_whole_units": 9_000},
        ]
    )  # fmt: skip

    result = FACT_TRADE_FLOWS.conform(
        build_fact_trade_flows(NO_CELLS, records, COMMODITIES, PARTNERS).collect()
    )

    expected = pl.DataFrame(
        {
            "release_id": ["online_query:2024-12:2025-01-20"] * 2,
            "product": ["online_query"] * 2,
            "published_on": [None, None],
            "period": ["2024-01", "2024-02"],
            "period_start": [date(2024, 1, 1), date(2024, 2, 1)],
            "months_covered": [1, 1],
            "direction": ["export", "export"],
            "commodity_code": ["85171300", "85171300"],
            "commodity_name": ["智能手机", "智能手机"],
            "partner_code": ["USA", "BRA"],
            "is_aggregate": [False, False],
            "quantity_unit": ["台", None],
            "quantity": [1000.0, None],
            "quantity_ytd": [None, None],
            "quantity_base_unit": [None, None],
            "quantity_base": [None, None],
            "quantity_ytd_base": [None, None],
            "value_usd": [250_000, 9_000],
            "value_cny": [None, None],
            "value_ytd_usd": [None, None],
            "value_ytd_cny": [None, None],
            "yoy_ytd_pct_published_usd": [None, None],
            "yoy_ytd_pct_published_cny": [None, None],
            "is_restatement": [False, False],
            "is_latest_vintage": [True, True],
            # No publication date and, here, no retrieval time: when it became public is unknown.
            "vintage_source": ["online_query"] * 2,
            "public_on": [None, None],
            "vintage_precedence": [1, 1],
        },
        schema=FACT_TRADE_FLOWS.polars_schema(),
    )
    assert_frame_equal(result, expected)


def test_unknown_gacc_partner_code_raises_naming_it() -> None:
    records = online_query(
        [{"period": "2024-01", "partner_code_gacc": "999", "hs_code": "85171300", "commodity_name": "x",
          "quantity_1": None, "quantity_1_unit": None, "amount_whole_units": 1}]
    )  # fmt: skip

    with pytest.raises(
        UnknownPartnerError, match=r"online query export: 1 unknown partner GACC code\(s\): '999'"
    ):
        build_fact_trade_flows(NO_CELLS, records, COMMODITIES, PARTNERS)


def test_trade_flows_output_passes_its_contract_with_both_sources() -> None:
    page = major_page(
        "major_exports",
        "2025-11",
        "CNY",
        date(2025, 12, 8),
        {"Mobile phones": ("10000 units", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0))},
    )
    records = online_query(
        [{"period": "2024-01", "partner_code_gacc": "304", "hs_code": "12019010", "commodity_name": "大豆",
          "quantity_1": 5.0, "quantity_1_unit": "千克", "amount_whole_units": 7, "currency": "CNY", "direction": "import"}]
    )  # fmt: skip

    result = build_fact_trade_flows(stg(page), records, COMMODITIES, PARTNERS).collect()

    assert result.columns == FACT_TRADE_FLOWS.column_names
    assert_frame_equal(FACT_TRADE_FLOWS.conform(result), result)
    assert result["product"].to_list() == ["online_query", "preliminary"]  # sorted by period


def test_of_two_overlapping_online_query_exports_the_later_retrieved_is_the_latest_vintage() -> None:
    """Exports carry no publication date and their release ids are content hashes: retrieval orders them.

    | release_id (hash)   | retrieved_at     | value  | is_latest_vintage |
    | online_query:ffff.. | 2025-01-20 08:00 | 100    | false             |
    | online_query:0000.. | 2025-02-20 08:00 | 105    | true              |
    """
    record = {"period": "2024-01", "partner_code_gacc": "502", "hs_code": "12019011", "commodity_name": "大豆",
              "quantity_1": 1.0, "quantity_1_unit": "千克"}  # fmt: skip
    first = online_query([{**record, "release_id": "online_query:ffff", "amount_whole_units": 100}])
    revised = online_query([{**record, "release_id": "online_query:0000", "amount_whole_units": 105}])
    retrieved = {
        "online_query:ffff": datetime(2025, 1, 20, 8, tzinfo=UTC),
        "online_query:0000": datetime(2025, 2, 20, 8, tzinfo=UTC),
    }
    records = pl.concat([first, revised]).with_columns(
        retrieved_at=pl.col("release_id").replace_strict(retrieved, return_dtype=pl.Datetime("us", "UTC"))
    )

    result = build_fact_trade_flows(NO_CELLS, records, COMMODITIES, PARTNERS).collect()

    assert result.sort("release_id").select("release_id", "value_usd", "is_latest_vintage").rows() == [
        ("online_query:0000", 105, True),
        ("online_query:ffff", 100, False),
    ]


def test_restated_prior_year_cells_of_tables_5_6_are_a_later_vintage_of_last_years_cumulative() -> None:
    """The prior-year January-to-month column (staged as restatements of 2024-11) is not 2025-11's: it
    is a row of 2024-11 under the 2025-11 release, flagged. It gives 2024-11's cumulative only, not its
    month, so it is not the vintage the BI view shows for 2024-11 (nothing is counted twice)."""
    day = date(2025, 12, 8)
    current = major_page(
        "major_imports",
        "2025-11",
        "USD",
        day,
        {"Soya beans": ("10000T", (810.0, 3500.0, 9800.0, 42000.0, 4.1, -6.2))},
    )
    restated = [
        {**cell, "column_number": cell["column_number"] + 10, "figure_period": "2024-11", "is_restatement": True,
         "figure_as_published": 1.0, "amount_whole_units": 1 * M if cell["measure"] == "value" else None}
        for cell in current
        if cell["span"] == "ytd" and cell["measure"] in ("quantity", "value")
    ]  # fmt: skip
    result = build_fact_trade_flows(stg(restated + current), NO_ONLINE_QUERY, COMMODITIES, PARTNERS).collect()
    columns = ["period", "release_id", "quantity", "value_usd", "quantity_ytd", "value_ytd_usd"]
    assert result.select(*columns, "is_restatement", "is_latest_vintage").rows() == [
        ("2024-11", "preliminary:2025-11:2025-12-08", None, None, 1.0, 1 * M, True, False),
        ("2025-11", "preliminary:2025-11:2025-12-08", 810.0, 3500 * M, 9800.0, 42000 * M, False, True),
    ]


def test_a_restated_jan_feb_cumulative_is_the_latest_vintage_of_that_period() -> None:
    """A Jan-Feb period's value is its cumulative: the restatement printed a year later supersedes it."""
    first = major_page("major_imports", "2024-01..02", "USD", date(2024, 3, 7),
                       {"Soya beans": ("10000T", (1000.0, 5000.0, 1.0, 2.0))})  # fmt: skip
    a_year_later = major_page("major_imports", "2025-01..02", "USD", date(2025, 3, 7),
                              {"Soya beans": ("10000T", (1100.0, 5500.0, 3.0, 4.0))})  # fmt: skip
    restated = [
        {**cell, "column_number": cell["column_number"] + 10, "figure_period": "2024-01..02",
         "is_restatement": True, "figure_as_published": 1010.0 if cell["measure"] == "quantity" else 5050.0,
         "amount_whole_units": 5050 * M if cell["measure"] == "value" else None}
        for cell in a_year_later
        if cell["measure"] in ("quantity", "value")
    ]  # fmt: skip
    result = build_fact_trade_flows(
        stg(first, a_year_later, restated), NO_ONLINE_QUERY, COMMODITIES, PARTNERS
    ).collect()
    latest = result.filter(pl.col("is_latest_vintage"))
    assert latest.select("period", "release_id", "quantity", "value_usd", "is_restatement").rows() == [
        ("2024-01..02", "preliminary:2025-01..02:2025-03-07", 1010.0, 5050 * M, True),
        ("2025-01..02", "preliminary:2025-01..02:2025-03-07", 1100.0, 5500 * M, False),
    ]
    assert result.height == 3


@pytest.mark.parametrize("staged_order", [True, False])
def test_records_of_a_single_export_give_the_same_rows_as_the_general_pairing(staged_order: bool) -> None:
    """A month and direction that one export alone gives is taken record by record, without pairing
    editions: every row, number and order is the general way's, beside tables (5)/(6), an export in the
    other currency of the same month and two overlapping exports; whether each export's records come
    one after another (as staged) or interleaved."""
    day = date(2025, 12, 8)
    phones = {"Mobile phones": ("10000 units", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0))}
    cells = stg(
        major_page("major_exports", "2025-11", "USD", day, phones),
        major_page("major_exports", "2025-11", "CNY", date(2025, 12, 9), phones),
    )
    record = {"period": "2025-11", "hs_code": "85171300", "commodity_name": "智能手机", "quantity_1": 2.0,
              "quantity_1_unit": "台"}  # fmt: skip
    exports = [
        # 2025-11 exports, USD, one export: taken as they are, two partners, one quantity without a unit.
        online_query([{**record, "release_id": "online_query:aaaa", "partner_code_gacc": "502",
                       "amount_whole_units": 10},
                      {**record, "release_id": "online_query:aaaa", "partner_code_gacc": "304",
                       "quantity_1": None, "quantity_1_unit": None, "amount_whole_units": 11}]),
        # 2025-11 imports in both currencies: the editions are paired.
        online_query([{**record, "release_id": "online_query:bbbb", "direction": "import",
                       "partner_code_gacc": "410", "amount_whole_units": 12}]),
        online_query([{**record, "release_id": "online_query:cccc", "direction": "import", "currency": "CNY",
                       "partner_code_gacc": "410", "amount_whole_units": 85}]),
        # 2025-10 exports, two overlapping exports: the later retrieved is the latest vintage.
        online_query([{**record, "period": "2025-10", "release_id": "online_query:dddd",
                       "partner_code_gacc": "502", "amount_whole_units": 13}]),
        online_query([{**record, "period": "2025-10", "release_id": "online_query:eeee",
                       "partner_code_gacc": "502", "amount_whole_units": 14}]),
        # 2025-12 imports, CNY, one export.
        online_query([{**record, "period": "2025-12", "release_id": "online_query:ffff", "direction": "import",
                       "currency": "CNY", "partner_code_gacc": "304", "amount_whole_units": 90}]),
    ]  # fmt: skip
    retrieved = {
        f"online_query:{c * 4}": datetime(2026, 1, i, 8, tzinfo=UTC) for i, c in enumerate("abcdef", 1)
    }
    records = pl.concat(exports).with_columns(
        retrieved_at=pl.col("release_id").replace_strict(retrieved, return_dtype=pl.Datetime("us", "UTC"))
    )
    if not staged_order:
        records = records.sort("amount_whole_units")  # the 2025-11 imports' editions apart

    taken = _build_fact_trade_flows(cells, records, COMMODITIES, PARTNERS, single_editions=True).collect()
    paired = _build_fact_trade_flows(cells, records, COMMODITIES, PARTNERS, single_editions=False).collect()

    assert_frame_equal(taken, paired)
    editions = _online_query_editions(records, PARTNERS).collect()
    _, singles = _single_exports(editions, _major_commodity_editions(cells, COMMODITIES))
    assert sorted(single.records["release_id"][0] for single in singles) == [
        "online_query:aaaa",
        "online_query:ffff",
    ]
    assert taken.height == 7  # the two 2025-11 import editions are one row
