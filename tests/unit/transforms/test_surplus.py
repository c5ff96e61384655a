"""The surplus fact: balances, rolling 12 months, y/y and share of the total, from the latest vintage."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from transforms.periods import period_months_covered, period_start
from transforms.surplus import build_fact_trade_surplus, build_fact_trade_surplus_history
from warehouse.tables import FACT_PARTNER_TRADE, FACT_TRADE_SURPLUS, FACT_TRADE_SURPLUS_HISTORY


def row(
    period: str, partner: str, direction: str, value: int | None, ytd: int | None, **other: Any
) -> dict[str, Any]:
    """One FACT_PARTNER_TRADE row (USD; CNY = 7 x USD unless given), the latest vintage unless said."""
    defaults: dict[str, Any] = {
        "release_id": f"preliminary:{period}:r1",
        "product": "preliminary",
        "published_on": None,
        "partner_label": None,
        "is_group": partner in ("WLD", "EU"),
        "value_cny": None if value is None else 7 * value,
        "value_ytd_cny": None if ytd is None else 7 * ytd,
        "value_derived_usd": None,
        "value_derived_cny": None,
        "revision_residual_usd": None,
        "revision_residual_cny": None,
        "yoy_pct_published_usd": None,
        "yoy_pct_published_cny": None,
        "yoy_ytd_pct_published_usd": None,
        "yoy_ytd_pct_published_cny": None,
        "mom_pct_published_usd": None,
        "implied_cny_per_usd": None,
        "is_latest_vintage": True,
        "vintage_source": "preliminary",
        "public_on": None,
        "vintage_precedence": None,
        "value_source": "published",
    }
    return {
        **defaults,
        "period": period,
        "partner_code": partner,
        "direction": direction,
        "value_usd": value,
        "value_ytd_usd": ytd,
        **other,
    }


def fact(*rows: dict[str, Any]) -> pl.LazyFrame:
    schema = FACT_PARTNER_TRADE.polars_schema()
    frame = pl.DataFrame(
        list(rows), schema={k: v for k, v in schema.items() if k not in ("period_start", "months_covered")}
    )
    frame = frame.with_columns(
        period_start=period_start("period"), months_covered=period_months_covered("period")
    )
    return FACT_PARTNER_TRADE.conform(frame).lazy()


def flows(
    period: str, partner: str, exports: tuple[int, int], imports: tuple[int, int], **other: Any
) -> list[dict[str, Any]]:
    """Export and import rows: (value, cumulative) each."""
    return [
        row(period, partner, "export", *exports, **other),
        row(period, partner, "import", *imports, **other),
    ]


def surplus(*row_lists: list[dict[str, Any]]) -> pl.DataFrame:
    result = build_fact_trade_surplus(fact(*(r for rows in row_lists for r in rows))).collect()
    return FACT_TRADE_SURPLUS.conform(result)


def test_balance_is_exports_minus_imports_in_each_currency_and_span() -> None:
    result = surplus(flows("2025-03", "WLD", exports=(50, 150), imports=(30, 100)))

    assert result.select(
        "exports_usd", "imports_usd", "balance_usd", "balance_cny", "balance_ytd_usd", "balance_ytd_cny"
    ).row(0) == (50, 30, 20, 140, 50, 350)


def test_rolling_12_months_across_a_year_boundary_including_jan_feb() -> None:
    """rolling(P) = balance_ytd(P) + balance_ytd(December before) - balance_ytd(P a year earlier).

    | period      | balance_ytd | rolling 12 months        |
    |-------------|-------------|--------------------------|
    | 2024-01..02 | 30          | null (no 2023 loaded)    |
    | 2024-03     | 45          | null                     |
    | 2024-12     | 200         | null                     |
    | 2025-01..02 | 40          | 40 + 200 - 30 = 210      |
    | 2025-03     | 60          | 60 + 200 - 45 = 215      |
    """
    result = surplus(
        flows("2024-01..02", "WLD", exports=(80, 80), imports=(50, 50)),
        flows("2024-03", "WLD", exports=(40, 120), imports=(25, 75)),
        flows("2024-12", "WLD", exports=(60, 700), imports=(40, 500)),
        flows("2025-01..02", "WLD", exports=(90, 90), imports=(50, 50)),
        flows("2025-03", "WLD", exports=(45, 135), imports=(25, 75)),
    ).select("period", "balance_ytd_usd", "balance_rolling_12m_usd", "balance_rolling_12m_cny")

    expected = pl.DataFrame(
        {
            "period": ["2024-01..02", "2024-03", "2024-12", "2025-01..02", "2025-03"],
            "balance_ytd_usd": [30, 45, 200, 40, 60],
            "balance_rolling_12m_usd": [None, None, None, 210, 215],
            "balance_rolling_12m_cny": [None, None, None, 7 * 210, 7 * 215],
        }
    )
    assert_frame_equal(result, expected)


def test_rolling_12_months_for_jan_feb_after_a_year_with_a_february_page() -> None:
    """The cumulative a year earlier is the one ending in February: '2019-02' when there was no Jan-Feb."""
    result = surplus(
        flows("2019-02", "WLD", exports=(10, 30), imports=(5, 20)),
        flows("2019-12", "WLD", exports=(10, 300), imports=(5, 200)),
        flows("2020-01..02", "WLD", exports=(25, 25), imports=(20, 20)),
    ).filter(pl.col("period") == "2020-01..02")

    assert result["balance_rolling_12m_usd"].to_list() == [5 + 100 - 10]


def test_share_of_total_balance() -> None:
    """100 x partner balance / World balance of the period; null where the World balance is 0 or missing."""
    result = surplus(
        flows("2025-03", "WLD", exports=(300, 900), imports=(200, 700)),
        flows("2025-03", "USA", exports=(50, 150), imports=(10, 30)),
        flows("2025-04", "WLD", exports=(100, 1000), imports=(100, 800)),
        flows("2025-04", "USA", exports=(50, 200), imports=(10, 40)),
        flows("2025-05", "USA", exports=(50, 250), imports=(10, 50)),
    ).select("period", "partner_code", "balance_usd", "share_of_total_balance_pct")

    expected = pl.DataFrame(
        {
            "period": ["2025-03", "2025-03", "2025-04", "2025-04", "2025-05"],
            "partner_code": ["USA", "WLD", "USA", "WLD", "USA"],
            "balance_usd": [40, 100, 40, 0, 40],
            "share_of_total_balance_pct": [40.0, 100.0, None, None, None],
        }
    )
    assert_frame_equal(result, expected)


def test_yoy_is_published_where_gacc_published_it_else_derived_else_null() -> None:
    """World months carry table (1)'s published y/y; table (4) partners a month y/y derived a year back.

    | period  | partner | exports | published y/y | a year earlier | exports_yoy_pct          |
    |---------|---------|---------|---------------|----------------|--------------------------|
    | 2025-11 | WLD     | 330     | 5.9           | 300            | 5.9 (not the derived 10) |
    | 2025-11 | USA     | 71      | -             | 100            | -29.0 (derived)          |
    | 2025-11 | DEU     | 20      | -             | -              | null                     |
    """
    result = surplus(
        flows("2024-11", "WLD", exports=(300, 3000), imports=(200, 2000)),
        flows("2024-11", "USA", exports=(100, 1000), imports=(40, 400)),
        flows("2025-11", "WLD", exports=(330, 3300), imports=(204, 2040), yoy_pct_published_usd=5.9),
        flows("2025-11", "USA", exports=(71, 800), imports=(40, 300)),
        flows("2025-11", "DEU", exports=(20, 200), imports=(30, 300)),
    ).filter(pl.col("period") == "2025-11")

    expected = pl.DataFrame(
        {
            "partner_code": ["DEU", "USA", "WLD"],
            "exports_yoy_pct": [None, (71 - 100) / 100 * 100, 5.9],
            "imports_yoy_pct": [None, 0.0, 5.9],  # the published figure given to both rows by `flows`
            "balance_yoy_change_usd": [None, 31 - 60, 126 - 100],
            # Which is which, for the BI views (issue 13); null where there is no y/y at all.
            "exports_yoy_source": [None, "derived", "published"],
            "imports_yoy_source": [None, "derived", "published"],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected)


def test_ytd_yoy_is_published_else_derived_from_the_cumulative_a_year_earlier() -> None:
    result = surplus(
        flows("2024-03", "USA", exports=(10, 400), imports=(5, 100)),
        flows("2025-03", "USA", exports=(12, 500), imports=(6, 90), yoy_ytd_pct_published_usd=24.9),
        flows("2024-04", "DEU", exports=(10, 400), imports=(5, 100)),
        flows("2025-04", "DEU", exports=(12, 500), imports=(6, 90)),
    ).filter(pl.col("period").str.starts_with("2025"))

    expected = pl.DataFrame(
        {
            "period": ["2025-03", "2025-04"],
            "exports_ytd_yoy_pct": [24.9, 25.0],
            "imports_ytd_yoy_pct": [24.9, -10.0],
            "exports_ytd_yoy_source": ["published", "derived"],
            "imports_ytd_yoy_source": ["published", "derived"],
        }
    )
    assert_frame_equal(result.select(expected.columns), expected)


def test_jan_feb_yoy_is_the_published_cumulative_yoy_carried_by_the_fact() -> None:
    """For Jan-Feb the fact's period y/y is the cumulative's published y/y, so it is used as published."""
    result = surplus(
        flows("2024-01..02", "DEU", exports=(100, 100), imports=(80, 80)),
        flows("2025-01..02", "DEU", exports=(110, 110), imports=(60, 60), yoy_pct_published_usd=9.8,
              yoy_ytd_pct_published_usd=9.8),
    ).filter(pl.col("period") == "2025-01..02")  # fmt: skip

    assert result.select("exports_yoy_pct", "exports_ytd_yoy_pct", "balance_yoy_change_usd").row(0) == (
        9.8,
        9.8,
        30,
    )


def test_only_the_latest_vintage_is_used_and_its_release_named() -> None:
    old = flows(
        "2025-03", "WLD", exports=(50, 150), imports=(30, 100), release_id="r-old", is_latest_vintage=False
    )
    new = flows("2025-03", "WLD", exports=(51, 151), imports=(30, 100), release_id="r-new")

    result = surplus(old, new)

    assert result.select("release_id", "exports_usd", "balance_usd").rows() == [("r-new", 51, 21)]


def test_surplus_output_passes_its_contract() -> None:
    result = build_fact_trade_surplus(
        fact(
            *flows("2025-01..02", "WLD", exports=(90, 90), imports=(50, 50)),
            *flows("2025-01..02", "EU", exports=(9, 9), imports=(5, 5)),
            row("2025-03", "DEU", "import", 5, 20),
            row("2025-03", "DEU", "total", 5, 20),
        )
    ).collect()

    assert result.columns == FACT_TRADE_SURPLUS.column_names
    assert_frame_equal(FACT_TRADE_SURPLUS.conform(result), result)
    # Imports only: no balance, the release of the imports row.
    deu = result.filter(pl.col("partner_code") == "DEU")
    assert deu.select("release_id", "exports_usd", "imports_usd", "balance_usd").row(0) == (
        "preliminary:2025-03:r1", None, 5, None
    )  # fmt: skip


def test_jan_feb_compares_with_the_january_february_cumulative_of_a_february_page() -> None:
    """2019 had January and February pages; '2020-01..02' compares with the '2019-02' cumulative."""
    result = surplus(
        flows("2019-01", "DEU", exports=(40, 40), imports=(30, 30)),
        flows("2019-02", "DEU", exports=(60, 100), imports=(50, 80)),
        flows("2020-01..02", "DEU", exports=(90, 90), imports=(100, 100)),
    ).filter(pl.col("period") == "2020-01..02")

    assert result.select("exports_yoy_pct", "imports_yoy_pct", "balance_yoy_change_usd").row(0) == (
        -10.0,
        25.0,
        -10 - 20,
    )


def _history(*row_lists: list[dict[str, Any]]) -> pl.DataFrame:
    facts = fact(*(r for rows in row_lists for r in rows))
    result = build_fact_trade_surplus_history(facts).collect()
    return FACT_TRADE_SURPLUS_HISTORY.conform(result)


def test_history_keeps_each_version_with_the_days_it_was_current() -> None:
    """A revision of February (public on 20 April) changes February and the rolling measures of March."""
    jan_feb = date(2025, 3, 7)
    march = date(2025, 4, 14)
    revised = date(2025, 4, 20)
    history = _history(
        flows("2025-01..02", "WLD", exports=(100, 100), imports=(60, 60), public_on=jan_feb, vintage_precedence=1,
              release_id="p-jf", is_latest_vintage=False),
        flows("2025-03", "WLD", exports=(50, 150), imports=(30, 90), public_on=march, vintage_precedence=2,
              release_id="p-m"),
        flows("2025-01..02", "WLD", exports=(97, 97), imports=(60, 60), public_on=revised, vintage_precedence=3,
              release_id="b-jf"),
    )  # fmt: skip

    assert history.select("period", "release_id", "exports_usd", "visible_from", "visible_until").rows() == [
        ("2025-01..02", "p-jf", 100, jan_feb, revised),
        ("2025-01..02", "b-jf", 97, revised, None),
        ("2025-03", "p-m", 50, march, None),
    ]
    # The latest version of every row is the fact as built from every vintage.
    latest = history.filter(pl.col("visible_until").is_null()).drop("visible_from", "visible_until")
    everything = surplus(
        flows("2025-01..02", "WLD", exports=(100, 100), imports=(60, 60), release_id="p-jf",
              is_latest_vintage=False),
        flows("2025-03", "WLD", exports=(50, 150), imports=(30, 90), release_id="p-m"),
        flows("2025-01..02", "WLD", exports=(97, 97), imports=(60, 60), release_id="b-jf"),
    )  # fmt: skip
    assert_frame_equal(latest.sort("period"), everything.sort("period"))


def test_history_is_empty_without_public_dates() -> None:
    history = _history(flows("2025-03", "WLD", exports=(50, 150), imports=(30, 90)))
    assert history.is_empty()
    assert history.columns == FACT_TRADE_SURPLUS_HISTORY.column_names
