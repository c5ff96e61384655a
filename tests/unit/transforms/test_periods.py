"""Period keys as polars expressions, and the period dimension."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.periods import (
    Period,
    build_dim_period,
    period_reference_month,
    previous_period_key,
    with_period_columns,
    year_earlier_key,
)
from warehouse.tables import DIM_PERIOD

KEYS = ["2025-01..02", "2025-03", "2025-04", "2025-12", "2019-01", "2019-02"]


def test_period_columns_match_the_period_class() -> None:
    result = with_period_columns(pl.LazyFrame({"period": KEYS})).collect()

    expected_rows = [
        (
            p.key,
            p.start,
            p.year,
            p.first_month,
            p.last_month,
            p.months_covered,
            p.is_combined,
            "jan_feb_combined" if p.is_combined else "month",
        )
        for p in map(Period.parse, KEYS)
    ]
    assert result.rows() == expected_rows


def test_jan_feb_is_one_period_starting_in_january() -> None:
    result = with_period_columns(pl.LazyFrame({"period": ["2025-01..02"]})).collect()

    assert result.row(0, named=True) == {
        "period": "2025-01..02",
        "period_start": date(2025, 1, 1),
        "year": 2025,
        "first_month": 1,
        "last_month": 2,
        "months_covered": 2,
        "is_combined": True,
        "period_kind": "jan_feb_combined",
    }


@pytest.mark.parametrize(
    ("key", "combined", "expected"),
    [
        ("2025-03", True, "2025-01..02"),
        ("2025-01..02", True, None),
        ("2025-04", True, "2025-03"),
        ("2025-12", True, "2025-11"),
        ("2025-01", True, None),
        ("2025-03", False, "2025-02"),
        ("2025-02", False, "2025-01"),
    ],
)
def test_previous_period_key(key: str, combined: bool, expected: str | None) -> None:
    frame = pl.DataFrame({"period": [key]})

    result = frame.select(previous_period_key("period", combined_jan_feb=combined)).item()

    assert result == expected


def test_year_earlier_key_and_reference_month() -> None:
    frame = pl.DataFrame({"period": ["2025-11", "2025-01..02"]})

    result = frame.select(year_earlier=year_earlier_key(), month=period_reference_month())

    expected = pl.DataFrame({"year_earlier": ["2024-11", "2024-01..02"], "month": ["2025-11", "2025-02"]})
    assert_frame_equal(result, expected)


def test_build_dim_period_one_row_per_period_and_passes_its_contract() -> None:
    periods = pl.LazyFrame({"period": ["2025-03", "2025-01..02", "2025-03"]})

    result = DIM_PERIOD.conform(build_dim_period(periods).collect())

    expected = pl.DataFrame(
        {
            "period": ["2025-01..02", "2025-03"],
            "period_start": [date(2025, 1, 1), date(2025, 3, 1)],
            "year": [2025, 2025],
            "first_month": [1, 3],
            "last_month": [2, 3],
            "months_covered": [2, 1],
            "is_combined": [True, False],
            "period_kind": ["jan_feb_combined", "month"],
        }
    )
    assert_frame_equal(result, expected)


def test_a_malformed_key_fails_rather_than_giving_a_wrong_period() -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError, match=r"column 'period'"):
        with_period_columns(pl.LazyFrame({"period": ["2025-Mar"]})).collect()
