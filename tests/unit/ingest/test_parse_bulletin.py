"""parse_bulletin_page on hand-written Bulletin pages (tests/fixtures/bulletin/README.md) and the real sample."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.periods import Period
from flows.ingest.model import BulletinTable, ParseError, TableRow
from flows.ingest.parsers import sniff
from flows.ingest.parsers.bulletin import (
    bulletin_totals,
    confirm_assumed_unit,
    derive_january,
    parse_bulletin_page,
)
from flows.ingest.parsers.bulletin_index import bulletin_year_pages, index_page_year, parse_bulletin_index

PAGES = Path(__file__).parents[2] / "fixtures" / "bulletin"
REAL_SAMPLE = "real_bulletin_t5_customs_regime_2019-10_usd.html"
USD_COLUMNS = [(2, "export", "month"), (3, "export", "ytd"), (4, "import", "month"), (5, "import", "ytd")]


def _parse(name: str) -> BulletinTable:
    return parse_bulletin_page((PAGES / name).read_bytes(), name)


def _row(table: BulletinTable, label: str) -> TableRow:
    (row,) = (row for row in table.rows if row.label == label)
    return row


def _cells(row: TableRow) -> list[tuple[int, str, str, str, float | None, int | None]]:
    return [
        (c.column, c.measure, c.direction, c.span, c.figure_as_published, c.amount_whole_units)
        for c in row.cells
    ]


def _expected(
    values: tuple[float | None, ...],
    yoys: tuple[float | None, ...],
    scale: int,
    layout: list[tuple[int, str, str]],
) -> list[tuple[int, str, str, str, float | None, int | None]]:
    """The cells of a row: value cells in the header's columns, y/y cells numbered after them."""
    width = len(layout)
    value_cells = [
        (column, "value", direction, span, figure, None if figure is None else int(figure) * scale)
        for (column, direction, span), figure in zip(layout, values, strict=True)
    ]
    yoy_cells = [
        (column + width, "yoy_pct", direction, span, figure, None)
        for (column, direction, span), figure in zip(layout, yoys, strict=True)
    ]
    return value_cells + yoy_cells


# --- the template --------------------------------------------------------------------------------------
def test_customs_regime_page_in_the_real_template() -> None:
    table = _parse("customs_regime_2019-10_usd.html")
    assert (table.table_id, table.printed_number, table.period) == (
        "bulletin_trade_mode",
        5,
        Period.month(2019, 10),
    )
    assert table.title == "(5) Imports and Exports by Customs Regime, 10.2019"
    assert (table.currency, table.unit_label, table.scale, table.unit_assumed) == (
        "USD",
        "US$1,000",
        1_000,
        False,
    )
    assert (table.published_on, table.warnings, table.is_derived) == (None, (), False)
    expected = {
        ("TOTAL", "TOTAL"): (
            (200_000_000, 2_000_000_000, 160_000_000, 1_600_000_000),
            (1.5, 2.0, -3.0, -4.5),
        ),
        ("Ordinary Trade", "ORDINARY"): (
            (110_000_000, 1_150_000_000, 95_000_000, 980_000_000),
            (4.1, 3.3, -2.4, -4.0),
        ),
        ("Processing and Assembling", "PROC_ASSEMBLY"): (
            (6_000_000, 60_000_000, 7_000_000, 70_000_000),
            (-8.0, -10.5, -3.5, -1.5),
        ),
        ("Processing with Imported Materials", "PROC_IMPORTED"): (
            (60_000_000, 550_000_000, 30_000_000, 280_000_000),
            (-9.0, -7.0, -17.0, -14.0),
        ),
        ("Equipment for Processing trade", "PROC_EQUIPMENT"): (
            (None, None, 20_000, 300_000),
            (None, None, -48.0, -67.0),
        ),
        ("Other", "OTHER"): ((24_000_000, 240_000_000, 27_980_000, 269_700_000), (8.0, 8.5, -16.0, -21.0)),
    }
    assert [(row.label, row.trade_mode_code) for row in table.rows] == list(expected)
    for row in table.rows:
        values, yoys = expected[(row.label, row.trade_mode_code)]
        assert _cells(row) == _expected(values, yoys, 1_000, USD_COLUMNS), row.label
        assert (row.indent_level, row.parent_label, row.partner_code) == (0, None, None)
    assert _row(table, "Other").label_as_published == "Other\xa0\xa0"


def test_december_page_prints_12_dot_space_and_1to12_and_repeats_labels_on_the_yoy_rows() -> None:
    table = _parse("customs_regime_2019-12_usd_1to12.html")
    assert (table.period, table.published_on) == (Period.month(2019, 12), date(2020, 1, 20))
    assert [row.label for row in table.rows] == ["TOTAL", "Ordinary Trade", "Other"]  # notes are not rows
    assert _cells(_row(table, "TOTAL")) == _expected(
        (230_000_000, 2_500_000_000, 180_000_000, 2_080_000_000), (7.6, 0.5, 16.3, -2.7), 1_000, USD_COLUMNS
    )
    assert _cells(_row(table, "Other")) == _expected(
        (100_000_000, 1_050_000_000, 70_000_000, 830_000_000), (5.5, -4.9, 18.0, -5.2), 1_000, USD_COLUMNS
    )


def test_cny_page_with_a_total_flow_and_no_title_row_in_the_table() -> None:
    table = _parse("customs_regime_2019-10_cny.html")
    assert (table.currency, table.unit_label, table.scale) == ("CNY", "CNY 10,000", 10_000)
    assert table.title == "(5) Imports and Exports by Customs Regime, 10.2019 (in CNY)"
    layout = [
        (2, "total", "month"),
        (3, "total", "ytd"),
        (4, "export", "month"),
        (5, "export", "ytd"),
        (6, "import", "month"),
        (7, "import", "ytd"),
    ]
    assert _cells(_row(table, "TOTAL")) == _expected(
        (26_000_000, 260_000_000, 14_500_000, 142_000_000, 11_500_000, 118_000_000),
        (0.3, 2.4, 4.4, 5.5, -4.5, -1.4),
        10_000,
        layout,
    )
    assert _cells(_row(table, "Ordinary Trade")) == _expected(
        (15_500_000, 155_000_000, 8_000_000, 80_000_000, 7_500_000, 75_000_000),
        (2.0, 4.0, 9.0, 8.0, -4.0, 0.5),
        10_000,
        layout,
    )
    assert _cells(_row(table, "Other")) == _expected(
        (10_500_000, 105_000_000, 6_500_000, 62_000_000, 4_000_000, 43_000_000),
        (-2.1, 0.1, -1.0, 2.5, -5.0, -3.6),
        10_000,
        layout,
    )


def test_by_country_page_maps_partners_through_the_aliases_with_their_hierarchy() -> None:
    table = _parse("by_country_2019-10_usd.html")
    assert (table.table_id, table.printed_number, table.currency) == ("bulletin_by_partner", 6, "USD")
    assert [(r.label, r.partner_code, r.indent_level, r.parent_label) for r in table.rows] == [
        ("Total", "WLD", 0, None),
        ("ASEAN", "ASEAN", 1, None),
        ("Viet Nam", "VNM", 2, "ASEAN"),
        ("European Union", "EU", 1, None),
        ("Germany", "DEU", 2, "European Union"),
        ("Netherlands", "NLD", 2, "European Union"),
        ("Hong Kong, China", "HKG", 1, None),
        ("Japan", "JPN", 1, None),
        ("United States (US)", "USA", 1, None),
        ("Africa", "AFRICA", 1, None),
    ]
    assert all(row.trade_mode_code is None for row in table.rows)
    assert _cells(_row(table, "Total")) == _expected(
        (200_000_000, 2_000_000_000, 160_000_000, 1_600_000_000), (1.5, 2.0, -3.0, -4.5), 1_000, USD_COLUMNS
    )
    assert _cells(_row(table, "Germany")) == _expected(
        (7_000_000, 65_000_000, 8_000_000, 88_000_000), (-1.0, 2.0, -5.0, -3.0), 1_000, USD_COLUMNS
    )
    assert _cells(_row(table, "Netherlands")) == _expected(
        (6_500_000, 62_000_000, 1_000_000, 10_000_000), (3.0, 6.0, -2.0, 0.0), 1_000, USD_COLUMNS
    )
    assert _row(table, "Germany").label_as_published == "\xa0\xa0\xa0\xa0of which: Germany"


@pytest.mark.parametrize(
    "page",
    [
        "customs_regime_2019-10_usd.html",
        "customs_regime_2019-12_usd_1to12.html",
        "customs_regime_2019-02_usd_no_unit_row.html",
        "customs_regime_2019-10_cny.html",
        "by_country_2019-10_usd.html",
    ],
)
def test_bulletin_pages_are_recognised_by_their_content(page: str) -> None:
    assert sniff((PAGES / page).read_bytes(), page) == "bulletin"


# --- a page without a Unit row -------------------------------------------------------------------------
NO_UNIT = "customs_regime_2019-02_usd_no_unit_row.html"
# China's February 2019 totals in another vintage (say the preliminary table (1)), in whole dollars:
# within rounding of the page's TOTAL read as US$1,000.
AGREEING = {("export", "month"): 135_010_000_000, ("import", "ytd"): 317_990_000_000}


def test_page_without_unit_row_is_flagged_and_not_read_until_confirmed() -> None:
    table = _parse(NO_UNIT)
    assert (table.unit_assumed, table.unit_confirmed_by, table.currency, table.scale) == (
        True,
        None,
        "USD",
        1_000,
    )
    assert table.warnings == (
        "no Unit row: read as the Bulletin's US$1,000, to be confirmed against another vintage of 2019-02",
    )
    assert bulletin_totals(table) == {
        ("export", "month"): 135_000_000_000,
        ("export", "ytd"): 352_000_000_000,
        ("import", "month"): 131_000_000_000,
        ("import", "ytd"): 318_000_000_000,
    }


def test_page_without_unit_row_is_read_as_usd_1000_when_its_total_agrees_with_another_vintage() -> None:
    confirmed = confirm_assumed_unit(
        _parse(NO_UNIT), NO_UNIT, AGREEING, "the preliminary table (1) of 2019-02"
    )
    assert confirmed.unit_confirmed_by == "the preliminary table (1) of 2019-02"
    assert confirmed.warnings == (
        "no Unit row: read as US$1,000, its TOTAL agreeing with the preliminary table (1) of 2019-02 within "
        "0.1% (export month, import ytd)",
    )


@pytest.mark.parametrize(
    ("other", "currency", "match"),
    [
        pytest.param(
            {("export", "month"): 135_010_000, ("import", "ytd"): 317_990_000},
            "USD",
            r"file customs_regime_2019-02_usd_no_unit_row\.html, table 'bulletin_trade_mode', row 'TOTAL': no Unit"
            r" row, and read as US\$1,000 its TOTAL export month \(135,000,000,000 dollars\) disagrees with "
            r"the preliminary table \(1\) of 2019-02 \(135,010,000\): the unit is not US\$1,000, rejected",
            id="a_thousand_times_off",
        ),
        pytest.param(
            {("total", "month"): 266_000_000_000},
            "USD",
            r"file customs_regime_2019-02_usd_no_unit_row\.html, table 'bulletin_trade_mode': no Unit row, and "
            r"the preliminary table \(1\) of 2019-02 has none of its TOTAL's figures",
            id="nothing_to_compare",
        ),
        pytest.param(
            AGREEING,
            "CNY",
            r"customs_regime_2019-02_usd_no_unit_row\.html: no Unit row, and the preliminary",
            id="cny",
        ),
    ],
)
def test_page_without_unit_row_is_rejected_naming_the_file_when_its_total_does_not_agree(
    other: dict[tuple[str, str], int], currency: str, match: str
) -> None:
    with pytest.raises(ParseError, match=match):
        confirm_assumed_unit(
            _parse(NO_UNIT),
            NO_UNIT,
            other,  # type: ignore[arg-type]
            "the preliminary table (1) of 2019-02",
            other_currency=currency,  # type: ignore[arg-type]
        )


def test_page_with_a_unit_row_needs_no_confirmation() -> None:
    table = _parse("customs_regime_2019-10_usd.html")
    assert confirm_assumed_unit(table, "x", {}, "nothing") is table


# --- February ------------------------------------------------------------------------------------------
def test_february_page_is_february_alone_and_january_february() -> None:
    table = _parse(NO_UNIT)
    assert table.period == Period.month(2019, 2)
    assert _cells(_row(table, "Ordinary Trade")) == _expected(
        (75_000_000, 200_000_000, 80_000_000, 200_000_000), (-18.0, -2.0, -3.0, -1.0), 1_000, USD_COLUMNS
    )


def test_january_is_derived_from_the_february_page_and_flagged() -> None:
    february = confirm_assumed_unit(_parse(NO_UNIT), NO_UNIT, AGREEING, "the preliminary table (1)")
    january = derive_january(february, NO_UNIT)
    assert (january.period, january.is_derived, january.table_id) == (
        Period.month(2019, 1),
        True,
        "bulletin_trade_mode",
    )
    assert (
        january.warnings[-1] == "January 2019 derived from the February page: 1 to 2 minus 2; not published"
    )
    by_row = {row.label: _cells(row) for row in january.rows}
    assert by_row == {
        "TOTAL": [
            (2, "value", "export", "month", None, 217_000_000_000),
            (4, "value", "import", "month", None, 187_000_000_000),
        ],
        "Ordinary Trade": [
            (2, "value", "export", "month", None, 125_000_000_000),
            (4, "value", "import", "month", None, 120_000_000_000),
        ],
        "Processing with Imported Materials": [
            (2, "value", "export", "month", None, 60_000_000_000),
            (4, "value", "import", "month", None, 40_000_000_000),
        ],
        "Other": [
            (2, "value", "export", "month", None, 32_000_000_000),
            (4, "value", "import", "month", None, 27_000_000_000),
        ],
    }


def test_january_is_derived_only_from_a_february_page() -> None:
    with pytest.raises(ValueError, match=r"x\.html: January is derived from a February page, not 2019-10"):
        derive_january(_parse("customs_regime_2019-10_usd.html"), "x.html")


# --- rejections ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("page", "match"),
    [
        pytest.param(
            "error_title_cny_unit_usd.html",
            r"file error_title_cny_unit_usd\.html, table 'bulletin_trade_mode': the title says CNY .* but the unit "
            r"row says 'US\$1,000' \(USD\): currency disagrees",
            id="title_unit_currency_clash",
        ),
        pytest.param(
            "error_no_unit_row_title_cny.html",
            r"file error_no_unit_row_title_cny\.html, table 'bulletin_trade_mode': no Unit row, and the title says "
            r"CNY: the Bulletin's US\$1,000 cannot be assumed",
            id="no_unit_row_in_a_cny_title",
        ),
        pytest.param(
            "error_unknown_regime.html",
            r"file error_unknown_regime\.html, table 'bulletin_trade_mode', row 'Barter Trade': unknown trade-mode "
            r"label 'Barter Trade': review it and add it to warehouse/reference/trade_mode_aliases\.csv",
            id="unknown_regime",
        ),
        pytest.param(
            "error_unknown_partner.html",
            r"file error_unknown_partner\.html, table 'bulletin_by_partner', row 'Atlantis': unknown partner label "
            r"'Atlantis'",
            id="unknown_partner",
        ),
        pytest.param(
            "error_missing_yoy_row.html",
            r"file error_missing_yoy_row\.html, table 'bulletin_trade_mode', row 'Ordinary Trade': no year-on-year "
            r"% row under this value row",
            id="missing_yoy_row",
        ),
        pytest.param(
            "error_header_month_9_title_10.html",
            r"file error_header_month_9_title_10\.html, table 'bulletin_trade_mode', column 'Exports 9': header "
            r"month 9 disagrees with the title's period 2019-10",
            id="header_month_vs_title",
        ),
        pytest.param(
            "error_unknown_table_by_enterprise_type.html",
            r"file error_unknown_table_by_enterprise_type\.html: unknown Bulletin table 'Imports and Exports by "
            r"Type of Enterprise'",
            id="unknown_table",
        ),
        pytest.param(
            "error_no_total_row.html",
            r"file error_no_total_row\.html, table 'bulletin_trade_mode': 0 TOTAL rows where one is China's total",
            id="no_total_row",
        ),
    ],
)
def test_rejected_pages_say_why_naming_file_table_and_row(page: str, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        _parse(page)


def test_truncated_page_is_rejected() -> None:
    content = (PAGES / "customs_regime_2019-10_usd.html").read_bytes()
    cut = content[: content.index(b"</table>")]
    with pytest.raises(
        ParseError, match=r"file cut\.html, table 'bulletin_trade_mode', row 'after Other': truncated"
    ):
        parse_bulletin_page(cut, "cut.html")


def test_preliminary_page_is_not_a_bulletin_page() -> None:
    name = "t1_totals_2025-11_usd.html"
    content = (PAGES.parent / "pages" / name).read_bytes()
    assert sniff(content, name) == "preliminary"
    with pytest.raises(
        ParseError, match=r"file t1_totals_2025-11_usd\.html: not a Monthly Bulletin table page"
    ):
        parse_bulletin_page(content, name)


# --- the real sample -----------------------------------------------------------------------------------
def test_real_sample_customs_regime_2019_10(gacc_samples: Path) -> None:
    content = (gacc_samples / REAL_SAMPLE).read_bytes()
    assert sniff(content, REAL_SAMPLE) == "bulletin"
    table = parse_bulletin_page(content, REAL_SAMPLE)
    assert (table.table_id, table.period, table.currency, table.scale) == (
        "bulletin_trade_mode",
        Period.month(2019, 10),
        "USD",
        1_000,
    )
    assert len(table.rows) == 18
    assert _cells(table.rows[0]) == _expected(
        (212_916_095, 2_037_923_161, 169_898_075, 1_697_419_226), (-0.9, -0.2, -6.5, -5.1), 1_000, USD_COLUMNS
    )
    assert table.rows[0].trade_mode_code == "TOTAL"
    aid = _row(table, "Aid or Donation Between Governments or by International Organizations")
    assert aid.trade_mode_code == "AID_DONATION_INTL"
    assert _cells(aid) == _expected(
        (48_725, 607_273, None, 1_184), (-19.3, -1.2, None, -61.3), 1_000, USD_COLUMNS
    )
    assert _row(table, "Customs Warehousing Trade").trade_mode_code == "BONDED_SITES"
    # The regimes add up to the TOTAL within their rounding to US$1,000 (the page is 2,000 dollars off
    # in October's exports): a check of the sum needs that tolerance.
    regimes = [row for row in table.rows if row.trade_mode_code != "TOTAL"]
    gaps = {}
    for direction, span in [("export", "month"), ("export", "ytd"), ("import", "month"), ("import", "ytd")]:
        summed = sum(
            c.amount_whole_units or 0
            for row in regimes
            for c in row.cells
            if (c.measure, c.direction, c.span) == ("value", direction, span)
        )
        gaps[(direction, span)] = bulletin_totals(table)[(direction, span)] - summed
    assert gaps[("export", "month")] == 2_000
    assert all(abs(gap) <= len(regimes) * 500 for gap in gaps.values())


# --- the index -----------------------------------------------------------------------------------------
def test_index_in_the_title_by_month_layout_lists_the_bulletin_tables_read_here() -> None:
    content = (PAGES / "index_monthly_2020.html").read_bytes()
    entries = parse_bulletin_index(content, "monthly.html", year=2020)
    assert [(e.table_id, e.currency, e.year, e.month, e.url) for e in entries] == [
        ("bulletin_trade_mode", "USD", 2020, 2, "/Statics/b5000002-0000-4000-8000-000000000002.html"),
        ("bulletin_trade_mode", "USD", 2020, 3, "/Statics/b5000003-0000-4000-8000-000000000003.html"),
        (
            "bulletin_by_partner",
            "USD",
            2020,
            2,
            "http://english.customs.gov.cn/Statics/b6000002-0000-4000-8000-000000000002.html",
        ),
    ]
    assert entries[0].title == "(5) Imports and Exports by Customs Regime (in USD)"
    assert index_page_year(content, "monthly.html") == 2020
    assert bulletin_year_pages(content, "monthly.html") == {2019: "/statics/report/monthly2019.html"}


def test_index_of_titled_links_keeps_each_links_period() -> None:
    content = (PAGES / "index_monthly_2019.html").read_bytes()
    assert sniff(content, "monthly2019.html") == "index"
    entries = parse_bulletin_index(content, "monthly2019.html")  # the year from the selected option
    assert [(e.table_id, e.currency, e.year, e.month, e.url.rsplit("/", 1)[-1]) for e in entries] == [
        ("bulletin_trade_mode", None, 2019, 10, "a5000010-0000-4000-8000-000000000010.html"),
        ("bulletin_trade_mode", None, 2019, 12, "a5000012-0000-4000-8000-000000000012.html"),
        ("bulletin_by_partner", None, 2019, 10, "a6000010-0000-4000-8000-000000000010.html"),
        ("bulletin_trade_mode", None, 2019, 2, "a5000002-0000-4000-8000-000000000002.html"),
    ]
    assert index_page_year(content, "monthly2019.html") == 2019


@pytest.mark.parametrize(
    ("content", "match"),
    [
        pytest.param(
            b"<html><body><a href='/x'>Home</a><a href='/y'>Jan.</a></body></html>",
            r"file moved\.html: not the Monthly Bulletin index: no link names a Bulletin table and a month",
            id="no_bulletin_link",
        ),
        pytest.param(
            b"<html><body>Please enter the verification code</body></html>",
            r"file moved\.html: an error or captcha page \(it says 'verification code'\), not the Bulletin index",
            id="captcha",
        ),
        pytest.param(
            b"<html><body><table><tr><td>(5) Imports and Exports by Customs Regime</td>"
            b"<td><a href='/p.html'>Oct.</a></td></tr></table></body></html>",
            r"file moved\.html: no year for the link '\(5\) Imports and Exports by Customs Regime' 10",
            id="month_link_without_a_year",
        ),
    ],
)
def test_not_an_index_page_is_an_error(content: bytes, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse_bulletin_index(content, "moved.html")
