"""Trade-mode facts: tables (2)/(3) staging cells in, FACT_TRADE_MODE out (DIM_TRADE_MODE from reference)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.trade_mode import build_dim_trade_mode, build_fact_trade_mode
from warehouse import reference
from warehouse.tables import DIM_TRADE_MODE, FACT_TRADE_MODE, STG_PRELIMINARY

B = 100_000_000  # 100 Million, the unit of tables (2)/(3)
TRADE_MODES = reference.load_trade_modes().lazy()


def trade_mode_page(table_id: str, period: str, currency: str, published_on: date,
                    rows: dict[str, tuple[float | None, ...]]) -> list[dict[str, Any]]:  # fmt: skip
    """Table (2) or (3): per trade-mode code, (total, export, import, total y/y, export y/y, import y/y)."""
    page = {
        "release_id": f"preliminary:{period}:{published_on.isoformat()}",
        "product": "preliminary",
        "source_sha256": f"{table_id}-{period}-{currency}-{published_on}",
        "parser_version": "1.1.0",
        "table_id": table_id,
        "printed_number": 2 if table_id == "trade_mode_month" else 3,
        "title": f"{table_id} {period} (in {currency})",
        "currency": currency,
        "unit_label": f"{currency} 100 Million",
        "scale": B,
        "period": period,
        "months_covered": 2 if ".." in period else 1,
        "published_on": published_on,
        "figure_period": period,
        "is_restatement": False,
        "is_aggregate": False,
        "quantity_unit_pending": False,
    }
    span = "month" if table_id == "trade_mode_month" else "ytd"
    layout = [("value", d) for d in ("total", "export", "import")] + [
        ("yoy_pct", d) for d in ("total", "export", "import")
    ]
    cells = []
    for row, (code, figures) in enumerate(rows.items(), start=1):
        for column, ((measure, direction), figure) in enumerate(zip(layout, figures, strict=True), start=2):
            cells.append(
                {
                    **page,
                    "row_number": row,
                    "label": code.title(),
                    "label_as_published": code.title(),
                    "indent_level": 0,
                    "parent_label": None,
                    "quantity_unit": None,
                    "column_number": column,
                    "measure": measure,
                    "span": span,
                    "direction": direction,
                    "figure_as_published": figure,
                    "amount_whole_units": round(figure * B)
                    if measure == "value" and figure is not None
                    else None,
                    "commodity_code": None,
                    "trade_mode_code": code,
                    "quantity_base_unit": None,
                    "quantity_in_base_unit": None,
                }
            )
    return cells


def stg(*pages: list[dict[str, Any]]) -> pl.LazyFrame:
    rows = [cell for page in pages for cell in page]
    return STG_PRELIMINARY.conform(pl.DataFrame(rows, schema=STG_PRELIMINARY.polars_schema())).lazy()


def fact(*pages: list[dict[str, Any]]) -> pl.DataFrame:
    return FACT_TRADE_MODE.conform(build_fact_trade_mode(stg(*pages), TRADE_MODES).collect())


NOV = date(2025, 12, 8)
MONTH_USD = trade_mode_page("trade_mode_month", "2025-11", "USD", NOV, {
    "TOTAL": (3000.0, 1800.0, 1200.0, 1.0, 2.0, -1.0),
    "ORDINARY": (1900.0, 1150.0, 750.0, 3.0, 4.0, 1.0),
    "PROC_ASSEMBLY": (100.0, 60.0, 40.0, -2.0, -3.0, -1.0),
    "PROC_IMPORTED": (500.0, 300.0, 200.0, 0.5, 0.6, 0.4),
    "PROC_EQUIPMENT": (1.0, None, 1.0, 9.0, None, 9.0),
})  # fmt: skip
YTD_USD = trade_mode_page("trade_mode_ytd", "2025-11", "USD", NOV, {
    "TOTAL": (33000.0, 19800.0, 13200.0, 3.0, 5.0, 0.5),
    "ORDINARY": (21000.0, 12600.0, 8400.0, 4.0, 6.0, 1.5),
    "PROC_ASSEMBLY": (1100.0, 660.0, 440.0, -1.0, -2.0, 0.0),
    "PROC_IMPORTED": (5500.0, 3300.0, 2200.0, 0.1, 0.2, 0.3),
    "PROC_EQUIPMENT": (11.0, None, 11.0, 8.0, None, 8.0),
})  # fmt: skip


def test_the_month_comes_from_table_2_and_the_cumulative_from_table_3_per_direction() -> None:
    result = fact(MONTH_USD, YTD_USD).filter(pl.col("trade_mode_code") == "ORDINARY")

    assert result.select(
        "period", "direction", "value_usd", "value_ytd_usd", "yoy_pct", "yoy_ytd_pct", "value_cny"
    ).rows() == [
        ("2025-11", "export", 1150 * B, 12600 * B, 4.0, 6.0, None),
        ("2025-11", "import", 750 * B, 8400 * B, 1.0, 1.5, None),
    ]
    assert result["is_latest_vintage"].all()


def test_a_regime_printed_dash_in_a_direction_gives_no_row_and_the_total_column_none() -> None:
    result = fact(MONTH_USD, YTD_USD)

    assert result.filter(pl.col("trade_mode_code") == "PROC_EQUIPMENT")["direction"].to_list() == ["import"]
    assert set(result["direction"]) == {"export", "import"}


def test_shares_of_the_total_and_the_processing_trade_share_from_its_two_regimes() -> None:
    result = fact(MONTH_USD, YTD_USD).filter(pl.col("direction") == "export")

    ordinary = result.filter(pl.col("trade_mode_code") == "ORDINARY").row(0, named=True)
    assert ordinary["share_of_total_pct"] == pytest.approx(1150 / 1800 * 100)
    # (60 + 300) / 1800: the same on every row of the period and direction.
    assert result["processing_trade_share_pct"].unique().to_list() == [pytest.approx(360 / 1800 * 100)]


def test_a_printed_processing_aggregate_is_taken_as_is() -> None:
    page = trade_mode_page("trade_mode_month", "2025-11", "CNY", NOV, {
        "TOTAL": (20000.0, 12000.0, 8000.0, 1.0, 1.0, 1.0),
        "PROCESSING": (4000.0, 2400.0, 1600.0, 1.0, 1.0, 1.0),
        "PROC_IMPORTED": (3000.0, 1900.0, 1100.0, 1.0, 1.0, 1.0),
    })  # fmt: skip

    result = fact(page).filter(pl.col("direction") == "import")

    # In CNY: the release has no USD pages, and a share has no currency.
    assert result["processing_trade_share_pct"].unique().to_list() == [pytest.approx(20.0)]


def test_editions_and_tables_published_on_different_days_give_one_row_under_the_later_release() -> None:
    later = date(2025, 12, 9)
    cny = trade_mode_page("trade_mode_month", "2025-11", "CNY", later, {
        "ORDINARY": (13500.0, 8170.0, 5330.0, 3.1, 4.1, 1.1),
    })  # fmt: skip
    result = fact(MONTH_USD, YTD_USD, cny).filter(
        (pl.col("trade_mode_code") == "ORDINARY") & (pl.col("direction") == "export")
    )

    assert result.select(
        "release_id", "value_usd", "value_cny", "value_ytd_usd", "is_latest_vintage"
    ).rows() == [
        ("preliminary:2025-11:2025-12-09", 1150 * B, 8170 * B, 12600 * B, True),
    ]


def test_jan_feb_value_is_the_cumulative_and_yoy_is_derived_where_not_published() -> None:
    """Jan-Feb: table (3) alone gives the period value and its y/y. A month whose page prints no y/y
    derives it from the same month a year earlier."""
    jan_feb = trade_mode_page("trade_mode_ytd", "2025-01..02", "USD", date(2025, 3, 7), {
        "ORDINARY": (4000.0, 2500.0, 1500.0, 2.0, 3.0, 0.5),
    })  # fmt: skip
    earlier = trade_mode_page("trade_mode_month", "2024-11", "USD", date(2024, 12, 7), {
        "ORDINARY": (1800.0, 1000.0, 800.0, 1.0, 1.0, 1.0),
    })  # fmt: skip
    no_yoy = trade_mode_page("trade_mode_month", "2025-11", "USD", NOV, {
        "ORDINARY": (1900.0, 1150.0, 750.0, None, None, None),
    })  # fmt: skip

    result = fact(jan_feb, earlier, no_yoy).filter(pl.col("direction") == "export")

    assert result.select("period", "value_usd", "yoy_pct").rows() == [
        ("2024-11", 1000 * B, 1.0),
        ("2025-01..02", 2500 * B, 3.0),
        ("2025-11", 1150 * B, pytest.approx(15.0)),
    ]


def test_output_passes_its_contract() -> None:
    result = build_fact_trade_mode(stg(MONTH_USD, YTD_USD), TRADE_MODES).collect()

    assert result.columns == FACT_TRADE_MODE.column_names
    assert_frame_equal(FACT_TRADE_MODE.conform(result), result)


def test_dim_trade_mode_is_the_reference_with_english_labels() -> None:
    result = DIM_TRADE_MODE.conform(build_dim_trade_mode(TRADE_MODES).collect())

    assert result.filter(pl.col("trade_mode_code") == "PROC_IMPORTED").rows() == [
        ("PROC_IMPORTED", "Processing trade with imported materials", "进料加工贸易", True, False)
    ]
    assert result["trade_mode_code"].is_unique().all()
