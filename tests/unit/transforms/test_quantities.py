"""Pending quantity units of a shifted table (5) page, filled from the other edition of the same month."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flows.ingest.parsers import parse_preliminary_page
from flows.ingest.staging import preliminary_frame
from transforms.quantities import fill_pending_quantity_units

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
SHIFTED = "t5_major_exports_2025-04_usd_shifted.html"
OTHER_EDITION = "t5_major_exports_2025-04_cny.html"


def staged(*names: str) -> pl.LazyFrame:
    frames = []
    for name in names:
        table = parse_preliminary_page((PAGES / name).read_bytes(), name)
        frames.append(preliminary_frame(table, release_id=f"r-{table.currency}", sha256=name))
    return pl.concat(frames).lazy()


def _footwear_quantities(cells: pl.LazyFrame) -> list[tuple[object, ...]]:
    return (
        cells.filter(
            (pl.col("source_sha256") == SHIFTED)
            & (pl.col("label") == "Footwear")
            & (pl.col("measure") == "quantity")
        )
        .sort("column_number")
        .select(
            "figure_period",
            "figure_as_published",
            "quantity_unit",
            "quantity_base_unit",
            "quantity_in_base_unit",
            "quantity_unit_pending",
        )
        .collect()
        .rows()
    )


def test_units_come_from_the_other_edition_when_it_prints_the_same_quantities() -> None:
    filled, outcome = fill_pending_quantity_units(staged(SHIFTED, OTHER_EDITION))

    assert outcome.select("source_sha256", "currency", "filled_from").rows() == [
        (SHIFTED, "USD", OTHER_EDITION)
    ]
    assert _footwear_quantities(filled) == [
        ("2025-04", 8.1, "10,000 Pairs", "pair", 81_000.0, False),
        ("2025-04", 30.4, "10,000 Pairs", "pair", 304_000.0, False),
        ("2024-04", 31.0, "10,000 Pairs", "pair", 310_000.0, False),
    ]
    # Only the pending page changes.
    before = staged(SHIFTED, OTHER_EDITION).filter(pl.col("source_sha256") == OTHER_EDITION).collect()
    after = filled.filter(pl.col("source_sha256") == OTHER_EDITION).collect()
    assert after.equals(before)


def test_without_the_other_edition_the_rows_stay_pending() -> None:
    filled, outcome = fill_pending_quantity_units(staged(SHIFTED))

    assert outcome.select("source_sha256", "filled_from").rows() == [(SHIFTED, None)]
    assert {row[-1] for row in _footwear_quantities(filled)} == {True}


def test_an_other_edition_with_different_quantities_does_not_confirm_the_realignment() -> None:
    other = staged(OTHER_EDITION).with_columns(
        figure_as_published=pl.when((pl.col("label") == "Footwear") & (pl.col("measure") == "quantity"))
        .then(pl.col("figure_as_published") + 1)
        .otherwise(pl.col("figure_as_published"))
    )
    filled, outcome = fill_pending_quantity_units(pl.concat([staged(SHIFTED), other]))

    assert outcome["filled_from"].to_list() == [None]
    assert {row[-1] for row in _footwear_quantities(filled)} == {True}


def test_nothing_pending_leaves_the_cells_as_they_are() -> None:
    cells = staged(OTHER_EDITION)
    filled, outcome = fill_pending_quantity_units(cells)

    assert outcome.is_empty()
    assert filled.collect().equals(cells.collect())


def test_rows_never_filled_stay_out_of_the_facts_and_filled_ones_come_in() -> None:
    """Never a unit-less (or shifted) quantity published: a still-pending row gives no fact row."""
    from transforms.facts import build_fact_trade_flows
    from warehouse import reference
    from warehouse.tables import STG_ONLINE_QUERY

    def commodity_codes(cells: pl.LazyFrame) -> list[str]:
        flows = build_fact_trade_flows(
            cells,
            STG_ONLINE_QUERY.empty_frame().lazy(),
            reference.load_commodities().lazy(),
            reference.load_partners().lazy(),
        ).collect()
        return sorted(flows.filter(pl.col("period") == "2025-04")["commodity_code"].unique().to_list())

    alone, _ = fill_pending_quantity_units(staged(SHIFTED))
    assert "X-FOOTWEAR" not in commodity_codes(alone)
    assert "X-AGRI" in commodity_codes(alone)  # a value-only row was never shifted out of its unit
    both, _ = fill_pending_quantity_units(staged(SHIFTED, OTHER_EDITION))
    assert "X-FOOTWEAR" in commodity_codes(both)
