"""Tables (2)/(3), (5)/(6) in GACC's real layouts: hand-written pages (tests/fixtures/pages) and the samples."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.periods import Period
from flows.ingest.model import Cell, ParseError, PreliminaryTable, TableRow
from flows.ingest.parsers import fill_quantity_units, parse_preliminary_page, sniff
from flows.ingest.parsers.common import (
    identify_table,
    parse_title_period,
    split_page_title,
    title_description,
)
from warehouse.codes import Currency

PAGES = Path(__file__).parents[2] / "fixtures" / "pages"


def _parse(name: str, *, currency: Currency | None = None, period: Period | None = None) -> PreliminaryTable:
    return parse_preliminary_page((PAGES / name).read_bytes(), name, currency=currency, period=period)


def _row(table: PreliminaryTable, label: str) -> TableRow:
    (row,) = (row for row in table.rows if row.label == label)
    return row


def _printed(row: TableRow) -> list[tuple[int, str, str, str | None, float | None]]:
    return [
        (c.column, c.measure, c.span, c.restates.key if c.restates else None, c.figure_as_published)
        for c in row.cells
    ]


def _cell(row: TableRow, column: int) -> Cell:
    (cell,) = (c for c in row.cells if c.column == column)
    return cell


# --- table (5), 2025-2026 template --------------------------------------------------------------------


def test_ten_column_table_5_reads_every_printed_cell() -> None:
    table = _parse("t5_major_exports_2025-11_usd.html")
    assert (table.table_id, table.currency, table.period, table.published_on, table.scale) == (
        "major_exports",
        "USD",
        Period.month(2025, 11),
        date(2025, 12, 8),
        1_000_000,
    )
    assert table.warnings == ()
    assert _printed(_row(table, "Aquatic products")) == [
        (3, "quantity", "month", None, 33.2),
        (4, "value", "month", None, 1501.7),
        (5, "quantity", "ytd", None, 371.5),
        (6, "value", "ytd", None, 16800.2),
        (7, "quantity", "ytd", "2024-11", 365.0),
        (8, "value", "ytd", "2024-11", 17100.9),
        (9, "yoy_pct", "ytd", None, 1.8),
        (10, "yoy_pct", "ytd", None, -1.8),
    ]
    assert _cell(_row(table, "Aquatic products"), 8).amount_whole_units == 17_100_900_000


def test_aggregates_members_and_value_only_rows() -> None:
    table = _parse("t5_major_exports_2025-11_usd.html")
    assert [
        (r.label, r.indent_level, r.parent_label, r.is_aggregate, r.commodity_code) for r in table.rows
    ] == [
        ("Agriculture products", 0, None, True, "X-AGRI"),
        ("Aquatic products", 1, None, False, "X-AQUATIC"),
        ("Rare-earth ore, metals, compounds", 0, None, False, "X-RAREEARTH"),
        ("Garments and clothing accessories", 0, None, False, "X-GARMENT"),
        ("Mechanical and electrical products", 0, None, True, "X-MECHELEC"),
        ("Mobile phones", 1, None, False, "X-MOBILE"),
        ("Electronic integrated circuits", 2, None, False, "X-IC"),
        ("Motor vehicles（including chassis fitted with engines)", 1, None, False, "X-MOTORVEH"),
        ("Hi-tech products", 0, None, True, "X-HIGHTECH"),
    ]
    garments = _row(table, "Garments and clothing accessories")
    assert (garments.quantity_unit, garments.quantity_base_unit) == (None, None)
    assert [c.figure_as_published for c in garments.cells if c.measure == "quantity"] == [None] * 3


def test_quantities_are_kept_as_printed_and_given_in_base_units() -> None:
    table = _parse("t5_major_exports_2025-11_usd.html")
    units = {r.label: (r.quantity_unit, r.quantity_base_unit) for r in table.rows if r.quantity_unit}
    assert units == {
        "Aquatic products": ("10,000 Tons", "ton"),
        "Rare-earth ore, metals, compounds": ("Ton", "ton"),
        "Mobile phones": ("10,000 Sets", "set"),
        "Electronic integrated circuits": ("100 Million PCS", "piece"),
        "Motor vehicles（including chassis fitted with engines)": ("10,000 Autos", "vehicle"),
    }
    chips = _cell(_row(table, "Electronic integrated circuits"), 3)
    assert (chips.figure_as_published, chips.quantity_in_base_unit, chips.amount_whole_units) == (
        290.4,
        29_040_000_000.0,
        None,
    )


def test_qty_unit_header_and_a_misprinted_prior_year_are_read_with_a_warning() -> None:
    table = _parse("t6_major_imports_2026-03_cny_qty_unit_prior_year_misprinted.html")
    assert table.warnings == (
        "the prior-year header prints the year 2024 on a page of 2026-03: taken as 2025, the title's year minus one",
    )
    soya = _row(table, "Soya beans")
    assert (soya.indent_level, soya.commodity_code, soya.quantity_unit) == (3, "M-SOYBEAN", "10,000 Tons")
    assert _printed(soya)[4:6] == [
        (7, "quantity", "ytd", "2025-03", 1750.0),
        (8, "value", "ytd", "2025-03", 640.2),
    ]
    assert {c.direction for c in soya.cells} == {"import"}
    assert _row(table, "Meat(including meat offal)").commodity_code == "M-MEAT"
    assert _row(table, "Wood Logs and Lumber").quantity_base_unit == "cubic_metre"
    assert _row(table, "Aircraft of an unladen weight exceeding 2T").quantity_base_unit == "aircraft"


def test_jan_feb_release_has_eight_columns_and_no_month() -> None:
    table = _parse("t5_major_exports_2025-01-02_usd_jan_feb.html")
    assert table.period == Period.jan_feb(2025)
    assert _printed(_row(table, "Footwear")) == [
        (3, "quantity", "ytd", None, 14.8),
        (4, "value", "ytd", None, 6210.4),
        (5, "quantity", "ytd", "2024-01..02", 15.1),
        (6, "value", "ytd", "2024-01..02", 6500.0),
        (7, "yoy_pct", "ytd", None, -2.0),
        (8, "yoy_pct", "ytd", None, -4.5),
    ]


# --- table (5), 2019 template ------------------------------------------------------------------------------


def test_2019_template_month_names_value_unit_row_and_leading_star() -> None:
    table = _parse("t5_major_exports_2019-04_cny.html")
    assert (table.period, table.unit_label, table.scale) == (
        Period.month(2019, 4),
        "CNY 100 Million",
        100_000_000,
    )
    # "05/08/2019" is 8 May: the April release comes out in May, never on 5 August.
    assert table.published_on == date(2019, 5, 8)
    assert _printed(_row(table, "Ships")) == [
        (3, "quantity", "month", None, 510.0),
        (4, "value", "month", None, 120.4),
        (5, "quantity", "ytd", None, 2055.0),
        (6, "value", "ytd", None, 442.8),
        (7, "quantity", "ytd", "2018-04", 2100.0),
        (8, "value", "ytd", "2018-04", 560.1),
        (9, "yoy_pct", "ytd", None, -2.1),
        (10, "yoy_pct", "ytd", None, -20.9),
    ]
    agri = _row(table, "Agricultural Products")
    assert (agri.is_aggregate, agri.commodity_code, agri.label_as_published) == (
        True,
        "X-AGRI",
        "*Agricultural Products",
    )
    assert (_row(table, "Rare Earth").commodity_code, _row(table, "Ships").quantity_base_unit) == (
        "X-RAREEARTH",
        "ship",
    )


# --- the shifted table (5) ---------------------------------------------------------------------------------


def test_shifted_table_5_is_realigned_with_a_warning_and_units_pending() -> None:
    table = _parse("t5_major_exports_2025-04_usd_shifted.html")
    assert len(table.warnings) == 1 and "realigned one column right" in table.warnings[0]
    aquatic = _row(table, "Aquatic products")
    assert (aquatic.quantity_unit, aquatic.quantity_unit_pending) == (None, True)
    assert _printed(aquatic)[:2] == [
        (3, "quantity", "month", None, 31.5),
        (4, "value", "month", None, 1420.6),
    ]
    assert _printed(aquatic)[-1] == (10, "yoy_pct", "ytd", None, -3.5)
    agri = _row(table, "Agriculture products")
    assert (agri.quantity_unit_pending, _cell(agri, 4).figure_as_published) == (False, 7101.2)


def test_shifted_table_takes_its_units_from_the_other_edition() -> None:
    shifted = _parse("t5_major_exports_2025-04_usd_shifted.html")
    filled = fill_quantity_units(shifted, _parse("t5_major_exports_2025-04_cny.html"), "shifted")
    footwear = _row(filled, "Footwear")
    assert (footwear.quantity_unit, footwear.quantity_base_unit, footwear.quantity_unit_pending) == (
        "10,000 Pairs",
        "pair",
        False,
    )
    assert _cell(footwear, 3).quantity_in_base_unit == 81_000.0
    assert filled.warnings[-1] == "quantity units taken from the CNY edition of the same month"


def test_other_edition_with_different_quantities_does_not_confirm_the_realignment() -> None:
    shifted = _parse("t5_major_exports_2025-04_usd_shifted.html")
    other = _parse("t5_major_exports_2025-11_usd.html")
    with pytest.raises(ValueError, match="not the same table and period"):
        fill_quantity_units(shifted, other, "shifted")


def test_partly_shifted_table_is_rejected_naming_the_rows() -> None:
    with pytest.raises(
        ParseError,
        match=r"error_t5_shifted_rows_ambiguous.html, table 'major_exports': 1 of 2 rows end with an empty "
        r"cell .* ambiguous \(only these rows do\); rows \['Aquatic products'\]",
    ):
        _parse("error_t5_shifted_rows_ambiguous.html")


# --- reference labels and units ------------------------------------------------------------------------------


def test_unknown_commodity_label_names_file_and_row() -> None:
    with pytest.raises(
        ParseError,
        match=r"error_t5_unknown_commodity.html, table 'major_exports', row 'Umbrellas and walking sticks': "
        r"unknown export commodity label .*commodity_aliases\.csv",
    ):
        _parse("error_t5_unknown_commodity.html")


def test_unknown_quantity_unit_names_file_row_and_column() -> None:
    with pytest.raises(
        ParseError,
        match=r"error_t5_unknown_quantity_unit.html, table 'major_exports', row 'Footwear', column 'Quantity "
        r"Unit': unknown quantity unit '10,000 Dozen'",
    ):
        _parse("error_t5_unknown_quantity_unit.html")


def test_a_label_outside_its_validity_is_rejected() -> None:
    content = (PAGES / "t5_major_exports_2019-04_cny.html").read_bytes().replace(b"April 2019", b"April 2021")
    content = content.replace(b"Jan-April 2018", b"Jan-April 2020").replace(b"05/08/2019", b"05/08/2021")
    with pytest.raises(
        ParseError,
        match=r"row 'Rare Earth': export commodity label 'Rare Earth' is known only for 2018-01\.\.2019-12, not 2021-04",
    ):
        parse_preliminary_page(content, "moved.html")


# --- tables (2)/(3) ----------------------------------------------------------------------------------------------


def test_only_august_table_2_with_a_month_name_header() -> None:
    table = _parse("t2_trade_mode_2019-08_cny_only_august.html")
    assert (table.table_id, table.period, table.published_on) == (
        "trade_mode_month",
        Period.month(2019, 8),
        None,
    )
    assert [(r.label, r.trade_mode_code) for r in table.rows] == [
        ("Total Value", "TOTAL"),
        ("Ordinary Trade", "ORDINARY"),
        ("Processing and Assembling Trade with Imported Materials", "PROC_ASSEMBLY"),
        ("Exports of Foreign Contracted Project", "CONTRACT_PROJECT"),
        ("Other", "OTHER"),
    ]
    project = _row(table, "Exports of Foreign Contracted Project")
    assert [(c.measure, c.span, c.direction, c.figure_as_published) for c in project.cells] == [
        ("value", "month", "total", 66.0),
        ("value", "month", "export", 66.0),
        ("value", "month", "import", None),
        ("yoy_pct", "month", "total", -5.0),
        ("yoy_pct", "month", "export", -5.0),
        ("yoy_pct", "month", "import", None),
    ]


@pytest.mark.parametrize(
    ("name", "period"),
    [
        ("t3_trade_mode_2019-08_cny_january_to_august.html", Period.month(2019, 8)),
        ("t3_trade_mode_2019-05_usd_1_to_5.html", Period.month(2019, 5)),
    ],
)
def test_table_3_headers_jan_august_and_1_to_5(name: str, period: Period) -> None:
    table = _parse(name)
    assert (table.table_id, table.period) == ("trade_mode_ytd", period)
    assert {c.span for r in table.rows for c in r.cells} == {"ytd"}
    assert _row(table, "Total Value").cells[0].figure_as_published == 26010.5


def test_unknown_trade_mode_label_names_file_and_row() -> None:
    with pytest.raises(
        ParseError,
        match=r"row 'Barter Trade with Neighbours': unknown trade-mode label .*trade_mode_aliases\.csv",
    ):
        _parse("error_trade_mode_unknown_label.html")


# --- 2018-2019 variants --------------------------------------------------------------------------------------


def test_title_without_number_period_or_currency_takes_them_from_the_caller() -> None:
    name = "t2_trade_mode_2018-08_no_number_no_period_no_currency.html"
    table = _parse(name, currency="CNY", period=Period.month(2018, 8))
    assert (table.printed_number, table.currency, table.period, table.table_id) == (
        None,
        "CNY",
        Period.month(2018, 8),
        "trade_mode_month",
    )
    with pytest.raises(ParseError, match="names no period and none was given"):
        _parse(name, currency="CNY")
    with pytest.raises(ParseError, match="names no currency and none was given"):
        _parse(name, period=Period.month(2018, 8))
    with pytest.raises(ParseError, match=r"the edition is USD but the unit row says 'CNY 100 Million'"):
        _parse(name, currency="USD", period=Period.month(2018, 8))


def test_caller_disagreeing_with_the_title_is_rejected() -> None:
    with pytest.raises(ParseError, match="the title says CNY but the index page's link is the USD edition"):
        _parse("t2_trade_mode_2019-08_cny_only_august.html", currency="USD")
    with pytest.raises(ParseError, match="the title says 2019-08 but the index page says 2019-07"):
        _parse("t2_trade_mode_2019-08_cny_only_august.html", period=Period.month(2019, 7))


def test_table_published_as_an_image_is_rejected_as_such() -> None:
    content = (PAGES / "error_t4_2018-01_table_is_an_image.html").read_bytes()
    assert sniff(content, "image.html") == "preliminary"
    with pytest.raises(ParseError, match="the table is published as an image"):
        parse_preliminary_page(content, "image.html")


# --- the real samples (skipped, saying why, where ../shared/gacc-samples is absent) --------------------------


def _sample(folder: Path, name: str) -> PreliminaryTable:
    return parse_preliminary_page((folder / name).read_bytes(), name)


def test_real_2026_table_5(gacc_samples: Path) -> None:
    table = _sample(gacc_samples, "real_t5_major_exports_2026-05_usd.html")
    assert (table.table_id, table.currency, table.period, len(table.rows), table.warnings) == (
        "major_exports",
        "USD",
        Period.month(2026, 5),
        31,
        (),
    )
    aquatic = _row(table, "Aquatic products")
    assert (
        aquatic.quantity_unit,
        _cell(aquatic, 3).figure_as_published,
        _cell(aquatic, 8).figure_as_published,
    ) == (
        "10,000 Tons",
        39.1,
        8158.4,
    )
    assert _cell(aquatic, 8).restates == Period.month(2025, 5)
    assert _row(table, "Mechanical and electrical products").is_aggregate
    assert _cell(_row(table, "Hi-tech products"), 6).figure_as_published == 485304.0
    assert (
        _row(table, "Motor vehicles（including chassis fitted with engines)").quantity_unit == "10,000 Autos"
    )


def test_real_2026_table_6(gacc_samples: Path) -> None:
    table = _sample(gacc_samples, "real_t6_major_imports_2026-05_cny.html")
    assert (table.table_id, table.currency, len(table.rows)) == ("major_imports", "CNY", 34)
    assert len(table.warnings) == 1 and "prints the year 2024" in table.warnings[0]
    soya = _row(table, "Soya beans")
    assert (soya.commodity_code, soya.indent_level, _cell(soya, 4).figure_as_published) == (
        "M-SOYBEAN",
        3,
        377.5,
    )
    assert _cell(_row(table, "Wood Logs and Lumber"), 3).quantity_in_base_unit == 4_402_000.0


def test_real_2019_table_5(gacc_samples: Path) -> None:
    table = _sample(gacc_samples, "real_t5_major_exports_2019-05_cny.html")
    assert (table.period, table.published_on, len(table.rows)) == (
        Period.month(2019, 5),
        date(2019, 6, 10),
        32,
    )
    assert _row(table, "Electrical-Mechanical Products").is_aggregate
    rice = _row(table, "Rice")
    assert (rice.commodity_code, _cell(rice, 7).figure_as_published, _cell(rice, 7).restates) == (
        "X-RICE",
        60.3,
        Period.month(2018, 5),
    )


def test_real_2019_table_2(gacc_samples: Path) -> None:
    table = _sample(gacc_samples, "real_t2_trade_mode_2019-08_cny.html")
    assert (table.table_id, table.period, len(table.rows)) == ("trade_mode_month", Period.month(2019, 8), 18)
    assert len({r.trade_mode_code for r in table.rows}) == 18
    ordinary = _row(table, "Ordinary Trade")
    assert [c.figure_as_published for c in ordinary.cells] == [16242.7, 8699.5, 7543.2, 2.9, 5.8, -0.3]


@pytest.mark.parametrize(
    ("title", "kind", "period", "currency"),
    [
        (
            "China's Total Value of Imports and Exports by Major Country (Region), Jan. 2018",
            "by_partner",
            Period.month(2018, 1),
            None,
        ),
        ("China's Total Value of Imports and Exports by Major Country (Region)", "by_partner", None, None),
        (
            "(3) China's Total Export & Import Values by Trade Mode, January-August 2019 (in CNY)",
            "trade_mode",
            Period.month(2019, 8),
            "CNY",
        ),
        (
            "China's Total Export & Import Values by Trade Mode, August 2019 (Only August, in CNY)",
            "trade_mode",
            Period.month(2019, 8),
            "CNY",
        ),
        (
            "(1) China's Total Export & Import Values, Jan-Feb 2019 (in RMB)",
            "totals",
            Period.jan_feb(2019),
            "CNY",
        ),
    ],
)
def test_2018_2019_title_variants(title: str, kind: str, period: Period | None, currency: str | None) -> None:
    parts = split_page_title(title)
    assert parts is not None
    assert identify_table(title_description(title)) == kind
    assert (None if parts.period_text is None else parse_title_period(parts.period_text)) == period
    assert parts.currency == currency


def test_slashed_date_with_no_reading_in_the_release_month_is_rejected() -> None:
    content = (PAGES / "t5_major_exports_2019-04_cny.html").read_bytes().replace(b"05/08/2019", b"09/10/2019")
    with pytest.raises(
        ParseError, match=r"publication date '09/10/2019': no single reading .* falls in 2019-05"
    ):
        parse_preliminary_page(content, "late.html")


def test_january_to_month_title_over_month_columns_is_rejected() -> None:
    content = (PAGES / "t2_trade_mode_2019-08_cny_only_august.html").read_bytes()
    content = content.replace(b"August 2019 (Only August, in CNY)", b"January-August 2019 (in CNY)")
    with pytest.raises(
        ParseError, match=r"table 'trade_mode_month': the title's period 'January-August 2019'"
    ):
        parse_preliminary_page(content, "mixed.html")


def test_captcha_wall_with_a_picture_at_a_table_address_is_a_captcha_not_an_image_table() -> None:
    content = (PAGES / "error_t4_2018-01_table_is_an_image.html").read_bytes()
    content = content.replace(b"<p><img", b"<p>Please enter the verification code<img")
    with pytest.raises(ParseError, match=r"an error or captcha page \(it says 'verification code'\)"):
        parse_preliminary_page(content, "wall.html")


# --- every printed cell of every real-layout fixture ---------------------------------------------------------

_ = None  # GACC's dash: no figure
PRINTED: dict[str, list[tuple[str, str | None, tuple[float | None, ...]]]] = {
    "t5_major_exports_2025-11_usd.html": [
        ("Agriculture products", None, (_, 7012.4, _, 80456.3, _, 78900.1, _, 2.0)),
        ("Aquatic products", "10,000 Tons", (33.2, 1501.7, 371.5, 16800.2, 365.0, 17100.9, 1.8, -1.8)),
        (
            "Rare-earth ore, metals, compounds",
            "Ton",
            (4820.0, 55.6, 55123.0, 520.3, 52001.5, 470.0, 6.0, 10.7),
        ),
        ("Garments and clothing accessories", None, (_, 12345.6, _, 140321.0, _, 143210.9, _, -2.0)),
        ("Mechanical and electrical products", None, (_, 201234.5, _, 2210987.6, _, 2050123.4, _, 7.8)),
        ("Mobile phones", "10,000 Sets", (6010.3, 12004.8, 62345.1, 110456.2, 63999.0, 115000.3, -2.6, -4.0)),
        (
            "Electronic integrated circuits",
            "100 Million PCS",
            (290.4, 16543.2, 3012.7, 170321.9, 2801.3, 150003.1, 7.5, 13.5),
        ),
        (
            "Motor vehicles（including chassis fitted with engines)",
            "10,000 Autos",
            (70.1, 11020.5, 720.9, 112345.8, 601.2, 95432.1, 19.9, 17.7),
        ),
        ("Hi-tech products", None, (_, 80111.0, _, 900222.0, _, 850333.0, _, 5.9)),
    ],
    "t6_major_imports_2026-03_cny_qty_unit_prior_year_misprinted.html": [
        ("Agriculture products", None, (_, 1210.3, _, 3456.7, _, 3500.2, _, -1.2)),
        ("Meat(including meat offal)", "10,000 Tons", (51.0, 140.2, 150.3, 420.9, 160.1, 430.0, -6.1, -2.1)),
        ("Soya beans", "10,000 Tons", (612.5, 201.3, 1800.4, 610.8, 1750.0, 640.2, 2.9, -4.6)),
        ("Wood Logs and Lumber", "10,000 CBM", (401.0, 60.2, 1190.5, 180.7, 1300.1, 200.4, -8.4, -9.8)),
        (
            "Motor vehicles（including chassis fitted with engines)",
            "10,000 Cars",
            (4.1, 130.5, 11.0, 350.6, 12.2, 390.1, -9.8, -10.1),
        ),
        (
            "Aircraft of an unladen weight exceeding 2T",
            "Craft",
            (9.0, 40.1, 30.0, 120.3, 41.0, 170.9, -26.8, -29.6),
        ),
    ],
    "t5_major_exports_2025-01-02_usd_jan_feb.html": [
        ("Footwear", "10,000 Pairs", (14.8, 6210.4, 15.1, 6500.0, -2.0, -4.5)),
        ("Toys", None, (_, 4012.9, _, 4300.2, _, -6.7)),
    ],
    "t5_major_exports_2019-04_cny.html": [
        ("Rare Earth", "Ton", (4100.2, 2.9, 15600.3, 10.1, 16200.0, 10.6, -3.7, -4.7)),
        ("Ships", "ship", (510.0, 120.4, 2055.0, 442.8, 2100.0, 560.1, -2.1, -20.9)),
        ("Wireless Telephone HandSets and Parts", None, (_, 801.3, _, 2910.0, _, 3300.5, _, -11.8)),
        ("Agricultural Products", None, (_, 430.2, _, 1587.2, _, 1550.9, _, 2.3)),
    ],
    "t5_major_exports_2025-04_usd_shifted.html": [
        ("Agriculture products", None, (_, 7101.2, _, 28400.3, _, 27900.0, _, 1.8)),
        ("Aquatic products", None, (31.5, 1420.6, 120.2, 5600.1, 118.0, 5800.7, 1.9, -3.5)),
        ("Footwear", None, (8.1, 3600.2, 30.4, 13900.8, 31.0, 14500.1, -1.9, -4.1)),
    ],
    "t5_major_exports_2025-04_cny.html": [
        ("Agriculture products", None, (_, 510.9, _, 2040.6, _, 2010.3, _, 1.5)),
        ("Aquatic products", "10,000 Tons", (31.5, 102.2, 120.2, 402.5, 118.0, 418.0, 1.9, -3.7)),
        ("Footwear", "10,000 Pairs", (8.1, 259.1, 30.4, 999.2, 31.0, 1045.0, -1.9, -4.4)),
    ],
}
TRADE_MODE_ROWS = [
    ("Total Value", None, (26010.5, 14100.2, 11910.3, 1.2, 3.1, -1.0)),
    ("Ordinary Trade", None, (15500.0, 8300.4, 7199.6, 3.3, 6.0, 0.4)),
    (
        "Processing and Assembling Trade with Imported Materials",
        None,
        (950.1, 460.0, 490.1, -12.0, -12.5, -11.6),
    ),
    ("Exports of Foreign Contracted Project", None, (66.0, 66.0, _, -5.0, -5.0, _)),
    ("Other", None, (9494.4, 5273.8, 4220.6, 10.1, 12.0, 8.0)),
]
for _name in (
    "t2_trade_mode_2019-08_cny_only_august.html",
    "t3_trade_mode_2019-08_cny_january_to_august.html",
    "t3_trade_mode_2019-05_usd_1_to_5.html",
):
    PRINTED[_name] = TRADE_MODE_ROWS


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_fixture_parses_to_exactly_its_printed_cells(name: str) -> None:
    table = _parse(name)
    assert [
        (row.label, row.quantity_unit, tuple(cell.figure_as_published for cell in row.cells))
        for row in table.rows
    ] == PRINTED[name]


def test_rows_ending_empty_without_a_number_under_the_unit_header_are_rejected() -> None:
    """Every row ends with an empty cell, but nothing under the unit header is a number: no evidence."""
    content = (PAGES / "t5_major_exports_2025-04_usd_shifted.html").read_bytes()
    for quantity in (b"31.5", b"8.1"):
        content = content.replace(
            b"<td><span>" + quantity + b"&nbsp;</span></td>", b"<td><span>-</span></td>", 1
        )
    with pytest.raises(
        ParseError,
        match=r"3 of 3 rows end with an empty cell .* ambiguous \(no row has a number under the unit header\); "
        r"rows \['Agriculture products', 'Aquatic products', 'Footwear'\]: not realigned",
    ):
        parse_preliminary_page(content, "no-evidence.html")


def test_rows_ending_empty_with_a_unit_printed_under_the_unit_header_are_rejected() -> None:
    content = (PAGES / "t5_major_exports_2025-04_usd_shifted.html").read_bytes()
    content = content.replace(
        b"<td><span>-</span></td><td><span>7,101.2", b"<td><span>10,000 Tons</span></td><td><span>7,101.2"
    )
    with pytest.raises(
        ParseError,
        match=r"\(these rows print a unit, not a number, under the unit header\); rows \['Agriculture products'\]",
    ):
        parse_preliminary_page(content, "mixed.html")
