"""core.fact_trade_flows built one period at a time gives exactly the rows of a build of the whole history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from flows.partitions import build_period_flows, period_fingerprint, preliminary_files_by_period
from tests.unit.transforms.test_facts import COMMODITIES, PARTNERS, M, major_page, online_query, stg
from transforms.facts import build_fact_trade_flows
from warehouse.tables import FACT_TRADE_FLOWS


def _restated(page: list[dict[str, Any]], period: str, scale: float) -> list[dict[str, Any]]:
    """The prior-year January-to-month column of `page`, restating `period` (as the parser stages it)."""
    return [
        {**cell, "column_number": cell["column_number"] + 10, "figure_period": period, "is_restatement": True,
         "figure_as_published": (cell["figure_as_published"] or 0) * scale,
         "amount_whole_units": None if cell["amount_whole_units"] is None else round(cell["amount_whole_units"] * scale)}
        for cell in page
        if cell["span"] == "ytd" and cell["measure"] in ("quantity", "value")
    ]  # fmt: skip


def _history() -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Three years of tables (5)/(6) in both currencies, restatements, revisions and online-query exports."""
    pages: list[list[dict[str, Any]]] = []
    soya = {"Soya beans": ("10000T", (810.0, 3500.0, 9800.0, 42000.0, 4.1, -6.2))}
    for year in (2023, 2024, 2025):
        for currency, scale in (("USD", 1.0), ("CNY", 7.1)):
            jan_feb = major_page("major_imports", f"{year}-01..02", currency, date(year, 3, 7),
                                 {"Soya beans": ("10000T", (1000.0 + year, 5000.0 * scale, 1.0, 2.0))})  # fmt: skip
            march = major_page("major_imports", f"{year}-03", currency, date(year, 4, 13), soya)
            pages += [jan_feb, march]
            if year > 2023:  # the prior-year column restates last year's periods
                pages += [
                    _restated(jan_feb, f"{year - 1}-01..02", 1.01),
                    _restated(march, f"{year - 1}-03", 0.99),
                ]
    # A revised March 2024 page, a month later: a later vintage of the same figures.
    pages.append(major_page("major_imports", "2024-03", "USD", date(2024, 5, 10),
                            {"Soya beans": ("10000T", (811.0, 3501.0, 9801.0, 42001.0, 4.1, -6.2))}))  # fmt: skip
    record = {"partner_code_gacc": "502", "hs_code": "12019011", "commodity_name": "大豆",
              "quantity_1": 1.0, "quantity_1_unit": "千克"}  # fmt: skip
    exports = []
    for n, period in enumerate(("2024-01", "2024-02", "2024-03", "2025-03")):
        for release, retrieved in (("online_query:aaaa", 20), ("online_query:0000", 25)):
            exports.append({**record, "period": period, "release_id": release, "source_sha256": release,
                            "amount_whole_units": 100 * M + n + retrieved,
                            "retrieved_at": datetime(2025, 6, retrieved, tzinfo=UTC)})  # fmt: skip
    retrieved_at = {r["release_id"]: r["retrieved_at"] for r in exports}
    records = online_query(
        [{k: v for k, v in r.items() if k != "retrieved_at"} for r in exports]
    ).with_columns(
        retrieved_at=pl.col("release_id").replace_strict(retrieved_at, return_dtype=pl.Datetime("us", "UTC"))
    )
    return stg(*pages), records


def test_a_period_built_alone_has_exactly_its_rows_of_the_whole_build() -> None:
    preliminary, records = _history()
    whole = FACT_TRADE_FLOWS.conform(
        build_fact_trade_flows(preliminary, records, COMMODITIES, PARTNERS).collect()
    )
    files = preliminary_files_by_period(preliminary)
    periods = sorted(set(files) | set(records.select("period").unique().collect()["period"].to_list()))

    parts = []
    for period in periods:
        cells = preliminary.filter(pl.col("source_sha256").is_in(sorted(files.get(period, set()))))
        detail = records.filter(pl.col("period") == period)
        parts.append(build_period_flows(period, cells, detail, COMMODITIES, PARTNERS))
    by_period = pl.concat(parts)

    # Restatements, revisions, both currencies and two overlapping exports: every kind of vintage is there.
    assert whole["is_restatement"].any() and whole["product"].n_unique() == 2
    assert whole.filter(pl.col("period") == "2024-03")["release_id"].n_unique() == 5
    assert set(whole["period"].to_list()) == set(periods)
    key = ["period", "direction", "commodity_code", "partner_code", "release_id"]
    assert_frame_equal(by_period.sort(key), whole.sort(key))


def test_a_period_s_pages_include_the_later_pages_restating_it_and_their_other_editions() -> None:
    preliminary, _ = _history()
    files = preliminary_files_by_period(preliminary)
    assert files["2024-03"] == {
        "major_imports-2024-03-USD-2024-04-13",
        "major_imports-2024-03-CNY-2024-04-13",
        "major_imports-2024-03-USD-2024-05-10",
        # The 2025-03 pages print 2024-03 in their prior-year column.
        "major_imports-2025-03-USD-2025-04-13",
        "major_imports-2025-03-CNY-2025-04-13",
    }


def test_a_period_s_fingerprint_changes_with_any_of_its_inputs_and_nothing_else() -> None:
    base = period_fingerprint("2025-03", ["b", "a"], "reference", "1.0")
    assert base == period_fingerprint("2025-03", ["a", "b"], "reference", "1.0")  # order-free
    changed = [
        period_fingerprint("2025-04", ["a", "b"], "reference", "1.0"),
        period_fingerprint("2025-03", ["a", "b", "c"], "reference", "1.0"),
        period_fingerprint("2025-03", ["a", "b"], "reference2", "1.0"),
        period_fingerprint("2025-03", ["a", "b"], "reference", "1.1"),
    ]
    assert base not in changed and len(set(changed)) == len(changed)
