"""The demo renderer and the real parser agree: parse(render(table)) == table for every demo table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.ingest.model import PreliminaryTable
from flows.ingest.parsers import parse_preliminary_page
from tools.demo import releases
from tools.demo.render import render_preliminary_page


def _tables() -> list[PreliminaryTable]:
    return releases.build_tables(releases.load_series())


@pytest.fixture(scope="module")
def demo_tables() -> list[PreliminaryTable]:
    return _tables()


def test_every_demo_table_round_trips_through_the_parser(demo_tables: list[PreliminaryTable]) -> None:
    mismatches = [
        f"{t.table_id} {t.currency} {t.period}"
        for t in demo_tables
        if parse_preliminary_page(render_preliminary_page(t), "demo") != t
    ]
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
    assert parse_preliminary_page(render_preliminary_page(edited), "demo") == edited
