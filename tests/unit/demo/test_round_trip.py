"""The demo renderer and the real parser agree: parse(render(table)) == table for every demo table.

The model the demo builds carries what the parser adds from the reference CSVs (commodity and
trade-mode codes, base units, quantities in base units), so the comparison is of whole tables.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.ingest.model import BulletinTable, PreliminaryTable
from flows.ingest.parsers import parse_bulletin_page, parse_preliminary_page, sniff
from tools.demo import bulletin, releases
from tools.demo.render import render_bulletin_page, render_preliminary_page


def _round_trip(table: PreliminaryTable) -> PreliminaryTable:
    return parse_preliminary_page(render_preliminary_page(table), "demo")


@pytest.fixture(scope="module")
def demo_tables() -> list[PreliminaryTable]:
    return releases.build_tables(releases.load_series())


def test_every_demo_table_round_trips_through_the_parser(demo_tables: list[PreliminaryTable]) -> None:
    mismatches = [f"{t.table_id} {t.currency} {t.period}" for t in demo_tables if _round_trip(t) != t]
    assert len(demo_tables) == 390  # 33 releases x 6 tables x 2 editions, less Jan-Feb's table (2)
    assert {t.table_id for t in demo_tables} == set(releases.RENDERED_TABLES)
    assert mismatches == []


def test_a_commodity_without_quantity_round_trips(demo_tables: list[PreliminaryTable]) -> None:
    table = next(t for t in demo_tables if t.table_id == "major_exports" and not t.period.is_combined)
    row = next(r for r in table.rows if r.quantity_unit is not None)
    no_quantity = replace(
        row,
        quantity_unit=None,
        quantity_base_unit=None,
        cells=tuple(
            replace(c, figure_as_published=None, amount_whole_units=None, quantity_in_base_unit=None)
            if c.measure == "quantity" or (c.measure == "yoy_pct" and c.column % 2 == 1)
            else c
            for c in row.cells
        ),
    )
    edited = replace(table, rows=tuple(no_quantity if r is row else r for r in table.rows))
    assert _round_trip(edited) == edited


def test_demo_commodities_carry_reference_codes_and_base_units(demo_tables: list[PreliminaryTable]) -> None:
    table = next(t for t in demo_tables if t.table_id == "major_imports" and t.period.key == "2025-05")
    parsed = _round_trip(table)
    soya = next(row for row in parsed.rows if row.label == "Soya beans")
    assert (soya.commodity_code, soya.quantity_unit, soya.quantity_base_unit, soya.indent_level) == (
        "M-SOYBEAN",
        "10,000 Tons",
        "ton",
        3,
    )
    quantity = next(c for c in soya.cells if c.measure == "quantity" and c.span == "month")
    assert quantity.figure_as_published is not None
    assert quantity.quantity_in_base_unit == pytest.approx(quantity.figure_as_published * 10_000)
    prior = [c for c in soya.cells if c.restates is not None]
    assert {(c.measure, c.span, c.restates) for c in prior} == {
        ("quantity", "ytd", table.period.year_earlier()),
        ("value", "ytd", table.period.year_earlier()),
    }
    agriculture = parsed.rows[0]
    assert (agriculture.label, agriculture.is_aggregate, agriculture.quantity_unit) == (
        "Agriculture products",
        True,
        None,
    )
    assert all(row.commodity_code is not None for row in parsed.rows)


def test_demo_trade_modes_carry_reference_codes(demo_tables: list[PreliminaryTable]) -> None:
    for table_id in ("trade_mode_month", "trade_mode_ytd"):
        table = next(t for t in demo_tables if t.table_id == table_id and t.period.key == "2024-08")
        parsed = _round_trip(table)
        assert [row.trade_mode_code for row in parsed.rows] == [code for code, _ in releases.TRADE_MODE_ROWS]
        members = {row.label: row.parent_label for row in parsed.rows if row.parent_label is not None}
        assert members == {
            "Processing and Assembling Trade": "Processing Trade",
            "Processing Trade with Imported Materials": "Processing Trade",
            "Bonded Warehousing and Entry-Exit Goods in Bonded Supervision Sites": "Bonded Logistics",
            "Customs Special Supervision Areas Logistics Goods": "Bonded Logistics",
        }


def test_every_demo_bulletin_table_round_trips_through_the_bulletin_parser() -> None:
    tables: list[BulletinTable] = bulletin.build_bulletin_tables(releases.load_series())
    assert len(tables) == 44  # February to December 2025 x 2 tables x 2 editions
    for table in tables:
        page = render_bulletin_page(table)
        assert sniff(page, "demo") == "bulletin", table.title
        assert parse_bulletin_page(page, "demo") == table, table.title
