"""The demo renderer and the real parser agree: parse(render(table)) == table for every demo table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.ingest.model import PreliminaryTable
from flows.ingest.parsers import parse_preliminary_page
from tools.demo import releases
from tools.demo.render import render_preliminary_page


def _without_reference_codes(table: PreliminaryTable) -> PreliminaryTable:
    """The parsed table less what the parser adds from the reference CSVs (commodity codes, base units).

    The demo's designed-layout tables carry none yet (they are re-rendered in GACC's layouts with the
    real commodity list in a later step); that the parser did add them is asserted separately.
    """
    rows = tuple(
        replace(
            row,
            commodity_code=None,
            quantity_base_unit=None,
            cells=tuple(replace(cell, quantity_in_base_unit=None) for cell in row.cells),
        )
        for row in table.rows
    )
    return replace(table, rows=rows)


def _round_trip(table: PreliminaryTable) -> PreliminaryTable:
    return _without_reference_codes(parse_preliminary_page(render_preliminary_page(table), "demo"))


def _tables() -> list[PreliminaryTable]:
    return releases.build_tables(releases.load_series())


@pytest.fixture(scope="module")
def demo_tables() -> list[PreliminaryTable]:
    return _tables()


def test_every_demo_table_round_trips_through_the_parser(demo_tables: list[PreliminaryTable]) -> None:
    mismatches = [f"{t.table_id} {t.currency} {t.period}" for t in demo_tables if _round_trip(t) != t]
    assert len(demo_tables) > 250
    assert mismatches == []


def test_a_commodity_without_quantity_round_trips(demo_tables: list[PreliminaryTable]) -> None:
    table = next(t for t in demo_tables if t.table_id == "major_exports" and not t.period.is_combined)
    first = table.rows[0]
    no_quantity = replace(
        first,
        quantity_unit=None,
        cells=tuple(
            replace(c, figure_as_published=None, amount_whole_units=None) if c.measure == "quantity" else c
            for c in first.cells
        ),
    )
    edited = replace(table, rows=(no_quantity, *table.rows[1:]))
    assert _round_trip(edited) == edited


def test_demo_commodities_get_reference_codes_and_base_units(demo_tables: list[PreliminaryTable]) -> None:
    table = next(t for t in demo_tables if t.table_id == "major_imports" and not t.period.is_combined)
    parsed = parse_preliminary_page(render_preliminary_page(table), "demo")
    soya = next(row for row in parsed.rows if row.label == "Soya beans")
    assert (soya.commodity_code, soya.quantity_unit, soya.quantity_base_unit) == (
        "M-SOYBEAN",
        "10000T",
        "ton",
    )
    quantity = next(c for c in soya.cells if c.measure == "quantity" and c.span == "month")
    assert quantity.figure_as_published is not None
    assert quantity.quantity_in_base_unit == pytest.approx(quantity.figure_as_published * 10_000)
