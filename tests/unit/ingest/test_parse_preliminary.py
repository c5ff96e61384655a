"""parse_preliminary_page on hand-written pages (tests/fixtures/pages/README.md) and on the real sample."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from domain.periods import Period
from flows.ingest.model import ParseError, PreliminaryTable, TableRow
from flows.ingest.parsers import parse_preliminary_page, sniff

PAGES = Path(__file__).parents[2] / "fixtures" / "pages"


def _parse(name: str) -> PreliminaryTable:
    return parse_preliminary_page((PAGES / name).read_bytes(), name)


def _row(table: PreliminaryTable, label: str) -> TableRow:
    (row,) = (row for row in table.rows if row.label == label)
    return row


FULL_CHROME = "t4_by_partner_2026-03_cny_full_chrome.html"


# --- what the table is ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("page", "table_id", "printed_number"),
    [
        pytest.param(FULL_CHROME, "by_partner", 4, id="numbered"),
        pytest.param("t4_by_partner_2020-01-02_usd_numbered_3.html", "by_partner", 3, id="misnumbered_3"),
        pytest.param("totals_2018-08_rmb_unnumbered.html", "totals", None, id="2018_title_without_number"),
    ],
)
def test_table_is_identified_by_its_description_not_its_printed_number(
    page: str, table_id: str, printed_number: int | None
) -> None:
    table = _parse(page)
    assert (table.table_id, table.printed_number) == (table_id, printed_number)


def test_title_is_kept_as_published() -> None:
    assert _parse(FULL_CHROME).title == (
        "(4) China's Total Export & Import Values by Country/Region, Mar 2026 (in CNY)"
    )


@pytest.mark.parametrize(
    ("page", "table_id"),
    [
        pytest.param("t2_trade_mode_2019-08_cny_only_august.html", "trade_mode_month", id="only_month"),
        pytest.param(
            "t3_trade_mode_2019-08_cny_january_to_august.html", "trade_mode_ytd", id="january_to_month"
        ),
        pytest.param("t5_major_exports_2025-11_usd.html", "major_exports", id="major_exports"),
        pytest.param(
            "t6_major_imports_2026-03_cny_qty_unit_prior_year_misprinted.html",
            "major_imports",
            id="major_imports",
        ),
    ],
)
def test_trade_mode_and_major_commodity_tables_are_identified(page: str, table_id: str) -> None:
    assert _parse(page).table_id == table_id


# --- currency and unit ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("page", "currency", "unit_label", "scale"),
    [
        pytest.param(FULL_CHROME, "CNY", "CNY 100 Million", 100_000_000, id="cny_100_million"),
        pytest.param(
            "t4_by_partner_2020-01-02_usd_numbered_3.html",
            "USD",
            "USD 1 Million",
            1_000_000,
            id="usd_1_million",
        ),
        pytest.param(
            "totals_2018-08_rmb_unnumbered.html", "CNY", "RMB 100 Million", 100_000_000, id="rmb_means_cny"
        ),
    ],
)
def test_unit_row_gives_currency_and_scale(page: str, currency: str, unit_label: str, scale: int) -> None:
    table = _parse(page)
    assert (table.currency, table.unit_label, table.scale) == (currency, unit_label, scale)


# --- period and publication date ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("page", "period"),
    [
        pytest.param(FULL_CHROME, Period.month(2026, 3), id="abbreviated_month"),
        pytest.param("t2_trade_mode_2019-08_cny_only_august.html", Period.month(2019, 8), id="only_august"),
        pytest.param("t1_totals_2025-01-02_cny_jan_feb.html", Period.jan_feb(2025), id="january_february"),
        pytest.param("t4_by_partner_2020-01-02_usd_numbered_3.html", Period.jan_feb(2020), id="jan_feb"),
    ],
)
def test_period_is_read_from_the_title(page: str, period: Period) -> None:
    assert _parse(page).period == period


def test_jan_feb_release_cells_are_all_january_to_month() -> None:
    table = _parse("t1_totals_2025-01-02_cny_jan_feb.html")
    assert {cell.span for row in table.rows for cell in row.cells} == {"ytd"}


@pytest.mark.parametrize(
    ("page", "published_on"),
    [
        pytest.param(FULL_CHROME, date(2026, 4, 8), id="from_atcl_date"),
        pytest.param("t2_trade_mode_2019-08_cny_only_august.html", None, id="none_without_atcl_date"),
    ],
)
def test_publication_date(page: str, published_on: date | None) -> None:
    assert _parse(page).published_on == published_on


# --- rows: labels and hierarchy -------------------------------------------------------------------------
def test_rows_are_numbered_in_page_order_and_the_note_row_is_ignored() -> None:
    table = _parse(FULL_CHROME)
    assert [(row.row_number, row.label) for row in table.rows][:3] == [
        (1, "Total"),
        (2, "European Union"),
        (3, "Germany"),
    ]
    assert table.rows[-1].label == "Jointly build the countries along Belt and Road Routes"
    assert len(table.rows) == 13


def test_least_indented_rows_are_level_0() -> None:
    table = _parse(FULL_CHROME)
    level_0 = [row.label for row in table.rows if row.indent_level == 0]
    assert level_0 == [
        "Total",
        "Regional Comprehensive Economic Partnership",
        "Jointly build the countries along Belt and Road Routes",
    ]


@pytest.mark.parametrize(
    ("label", "indent_level", "parent_label"),
    [
        pytest.param("United States (US)", 1, None, id="indented_country_without_parent"),
        pytest.param("Germany", 2, "European Union", id="of_which_row_under_the_row_above"),
    ],
)
def test_indentation_gives_level_and_parent(label: str, indent_level: int, parent_label: str | None) -> None:
    row = _row(_parse(FULL_CHROME), label)
    assert (row.indent_level, row.parent_label) == (indent_level, parent_label)


def test_rows_indented_past_of_which_belong_to_the_same_group() -> None:
    table = _parse(FULL_CHROME)
    assert [(row.label, row.indent_level, row.parent_label) for row in table.rows[6:8]] == [
        ("Vietnam", 2, "ASEAN"),
        ("Malaysia", 2, "ASEAN"),
    ]
    assert _row(table, "Netherlands").parent_label == "European Union"


def test_group_ends_at_the_next_less_indented_row() -> None:
    table = _parse(FULL_CHROME)
    assert _row(table, "Hong Kong, China").parent_label is None


def test_label_as_published_keeps_non_breaking_spaces_and_of_which() -> None:
    row = _row(_parse(FULL_CHROME), "Germany")
    assert row.label_as_published == "\xa0" * 7 + "of which: Germany"


def test_trailing_non_breaking_space_is_not_part_of_the_label() -> None:
    (row,) = (row for row in _parse(FULL_CHROME).rows if row.label_as_published == "\xa0\xa0\xa0ASEAN\xa0")
    assert row.label == "ASEAN"


def test_label_wrapped_with_br_reads_as_one_line() -> None:
    assert _parse(FULL_CHROME).rows[11].label == "Regional Comprehensive Economic Partnership"


def test_label_wrapped_with_newline_reads_as_one_line() -> None:
    row = _parse(FULL_CHROME).rows[12]
    assert row.label == row.label_as_published == "Jointly build the countries along Belt and Road Routes"


# --- cells ----------------------------------------------------------------------------------------------
def test_by_partner_columns_read_from_both_header_rows() -> None:
    total = _parse(FULL_CHROME).rows[0]
    assert [(cell.column, cell.measure, cell.span, cell.direction) for cell in total.cells] == [
        (2, "value", "month", "total"),
        (3, "value", "ytd", "total"),
        (4, "value", "month", "export"),
        (5, "value", "ytd", "export"),
        (6, "value", "month", "import"),
        (7, "value", "ytd", "import"),
        (8, "yoy_pct", "ytd", "total"),
        (9, "yoy_pct", "ytd", "export"),
        (10, "yoy_pct", "ytd", "import"),
    ]


def test_figures_drop_thousands_commas_and_non_breaking_spaces() -> None:
    total = _parse(FULL_CHROME).rows[0]
    assert [cell.figure_as_published for cell in total.cells] == [
        40512.3, 116204.8, 22015.6, 67310.2, 18496.7, 48894.6, 14.2, 11.0, 18.9,
    ]  # fmt: skip


def test_values_are_scaled_to_whole_currency_units() -> None:
    total = _parse(FULL_CHROME).rows[0]
    assert [cell.amount_whole_units for cell in total.cells[:6]] == [
        4_051_230_000_000,
        11_620_480_000_000,
        2_201_560_000_000,
        6_731_020_000_000,
        1_849_670_000_000,
        4_889_460_000_000,
    ]


def test_usd_million_values_are_scaled_by_a_million() -> None:
    total = _parse("t4_by_partner_2020-01-02_usd_numbered_3.html").rows[0]
    assert total.cells[0].amount_whole_units == 581_532_700_000


def test_percentages_have_no_amount() -> None:
    total = _parse(FULL_CHROME).rows[0]
    assert [cell.amount_whole_units for cell in total.cells[6:]] == [None, None, None]


def test_negative_percentage() -> None:
    assert _row(_parse(FULL_CHROME), "Netherlands").cells[-1].figure_as_published == -2.3


def test_totals_rows_name_the_flow() -> None:
    table = _parse("t1_totals_2025-11_usd.html")
    assert [(row.label, {cell.direction for cell in row.cells}) for row in table.rows] == [
        ("Export & Import", {"total"}),
        ("Export", {"export"}),
        ("Import", {"import"}),
        ("Balance", {"balance"}),
    ]


def test_totals_header_gives_month_on_month_and_year_on_year() -> None:
    export = _parse("t1_totals_2025-11_usd.html").rows[1]
    assert [(cell.measure, cell.span, cell.figure_as_published) for cell in export.cells] == [
        ("value", "month", 3018.6),
        ("mom_pct", "month", -2.4),
        ("yoy_pct", "month", 5.7),
        ("value", "ytd", 34521.0),
        ("yoy_pct", "ytd", 5.4),
    ]


def test_balance_percentages_printed_as_dash_are_none() -> None:
    balance = _parse("t1_totals_2025-11_usd.html").rows[3]
    assert [cell.figure_as_published for cell in balance.cells] == [795.9, None, None, 12029.6, None]


def test_jan_feb_totals_have_value_and_year_on_year_to_february() -> None:
    export = _parse("t1_totals_2025-01-02_cny_jan_feb.html").rows[1]
    assert [(cell.measure, cell.span, cell.amount_whole_units) for cell in export.cells] == [
        ("value", "ytd", 3_821_040_000_000),
        ("yoy_pct", "ytd", None),
    ]


def test_quantity_unit_is_none_outside_major_tables() -> None:
    assert {row.quantity_unit for row in _parse(FULL_CHROME).rows} == {None}


# --- encodings ------------------------------------------------------------------------------------------
def test_page_declaring_gbk_is_decoded() -> None:
    table = _parse("t1_totals_2025-11_usd_gbk_declared.html")
    assert (table.table_id, table.rows[0].cells[0].figure_as_published) == ("totals", 5241.3)


def test_bytes_undecodable_in_their_declared_charset_are_rejected() -> None:
    content = b'<html><head><meta charset="utf-8"></head><body>\xff\xfe</body></html>'
    with pytest.raises(
        ParseError, match=r"page\.html: not UTF-8 and not decodable as its declared charset 'utf-8'"
    ):
        parse_preliminary_page(content, "page.html")


# --- rejected pages -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "error_gbk_bytes_no_charset_declared.html",
            r"error_gbk_bytes_no_charset_declared\.html: not UTF-8 .*no charset",
            id="gbk_bytes_without_declared_charset",
        ),
        pytest.param(
            "error_currency_cny_title_usd_unit.html",
            r"error_currency_cny_title_usd_unit\.html: the title says CNY .* unit row says 'USD 1 Million' "
            r"\(USD\): currency disagrees",
            id="title_currency_disagreeing_with_unit_row",
        ),
        pytest.param(
            "error_shell_no_data_rows.html",
            r"error_shell_no_data_rows\.html: no data rows",
            id="shell_page_without_data_rows",
        ),
        pytest.param(
            "error_no_gacc_table.html",
            r"error_no_gacc_table\.html: not a GACC statistics table page",
            id="page_without_a_statistics_table",
        ),
        pytest.param(
            "error_unknown_table_freight_supervision.html",
            r"unknown table 'Statistics Bulletin on Freight Supervision'",
            id="unknown_table",
        ),
        pytest.param(
            "error_unknown_unit.html",
            r"error_unknown_unit\.html: unknown unit 'EUR 1 Million'",
            id="unknown_unit",
        ),
        pytest.param(
            "error_bad_number_germany_export.html",
            r"row 'Germany', column 'Export 3': not a number: '7O3\.9'",
            id="number_that_does_not_parse_names_row_and_column",
        ),
        pytest.param(
            "error_header_month_4_title_march.html",
            r"column 'Export & Import 4': header month 4 disagrees with .* 2026-03",
            id="header_month_disagreeing_with_title_month",
        ),
        pytest.param(
            "error_jan_feb_title_with_month_column.html",
            r"title says 2025-01\.\.02 \(January-February\) but this column is the",
            id="january_february_title_with_a_month_column",
        ),
        pytest.param(
            "error_only_july_in_an_august_title.html",
            r"'Only July' in the title disagrees with the period 2019-08",
            id="only_month_disagreeing_with_title_month",
        ),
        pytest.param(
            "error_page_and_table_titles_disagree.html",
            r"the page title .*Apr 2026.* and the table title .*Mar 2026.* disagree",
            id="page_title_and_table_title_disagreeing",
        ),
        pytest.param(
            "error_publication_date_not_yyyy_mm_dd.html",
            r"publication date '08\.04\.2026' is not YYYY/MM/DD",
            id="publication_date_not_yyyy_mm_dd",
        ),
    ],
)
def test_a_page_that_cannot_be_read_with_certainty_is_rejected_naming_why(name: str, message: str) -> None:
    """Each fixture page breaks one thing; the error names the file and, where there is one, the cell."""
    with pytest.raises(ParseError, match=message):
        _parse(name)


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("error_404_not_found.html", "404 Not Found"),
        ("error_access_denied.html", "Access Denied"),
        ("error_captcha_zh.html", "验证码"),
        ("error_captcha_en.html", "verification code"),
    ],
)
def test_error_or_captcha_page_is_rejected_naming_what_it_says(name: str, marker: str) -> None:
    with pytest.raises(
        ParseError, match=rf"{re.escape(name)}: an error or captcha page \(it says '{marker}'\)"
    ):
        _parse(name)


@pytest.mark.parametrize(
    "name", sorted(path.name for path in PAGES.glob("error_*.html") if "index" not in path.name)
)
def test_every_rejection_names_the_file(name: str) -> None:
    with pytest.raises(ParseError, match=rf"^file {re.escape(name)}\b") as caught:
        _parse(name)
    assert caught.value.source == name
    assert str(caught.value).startswith(f"file {name}")


# --- sniff ----------------------------------------------------------------------------------------------
def test_sniff_recognises_a_table_page() -> None:
    assert sniff((PAGES / FULL_CHROME).read_bytes(), "download.bin") == "preliminary"


def test_sniff_takes_a_page_of_an_unknown_table_for_a_table_page() -> None:
    content = (PAGES / "error_unknown_table_freight_supervision.html").read_bytes()
    assert sniff(content, "page.html") == "preliminary"


def test_sniff_rejects_a_captcha_page() -> None:
    with pytest.raises(ParseError, match=r"captcha\.html: an error or captcha page"):
        sniff((PAGES / "error_captcha_en.html").read_bytes(), "captcha.html")


def test_sniff_rejects_unknown_content() -> None:
    with pytest.raises(
        ParseError, match=r"report\.pdf: not a GACC table page, index page or online-query CSV"
    ):
        sniff(b"%PDF-1.7\n%binary\n", "report.pdf")


# --- the real sample ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_t4(gacc_samples: Path) -> PreliminaryTable:
    path = gacc_samples / "preliminary_t4_by_country_2026-03_cny.html"
    return parse_preliminary_page(path.read_bytes(), path.name)


def test_sample_t4_is_table_4_of_march_2026_in_cny(sample_t4: PreliminaryTable) -> None:
    assert (sample_t4.table_id, sample_t4.period, sample_t4.currency, sample_t4.scale) == (
        "by_partner",
        Period.month(2026, 3),
        "CNY",
        100_000_000,
    )


def test_sample_t4_total_row(sample_t4: PreliminaryTable) -> None:
    total = sample_t4.rows[0]
    figures = {(cell.measure, cell.span, cell.direction): cell.figure_as_published for cell in total.cells}
    assert total.label == "Total"
    assert figures[("value", "month", "export")] == 22297.0
    assert figures[("value", "ytd", "export")] == 68466.7
    assert figures[("value", "month", "import")] == 18749.4
    assert figures[("value", "ytd", "import")] == 49913.3
    assert [figures[("yoy_pct", "ytd", direction)] for direction in ("total", "export", "import")] == [
        15.0,
        11.9,
        19.6,
    ]


def test_sample_t4_amounts_are_scaled(sample_t4: PreliminaryTable) -> None:
    export_month = next(
        cell
        for cell in sample_t4.rows[0].cells
        if (cell.measure, cell.span, cell.direction) == ("value", "month", "export")
    )
    assert export_month.amount_whole_units == 2_229_700_000_000


def test_sample_t4_hierarchy(sample_t4: PreliminaryTable) -> None:
    eu_members = [row.label for row in sample_t4.rows if row.parent_label == "European Union"]
    assert len(eu_members) == 4
    assert {row.indent_level for row in sample_t4.rows if row.parent_label == "European Union"} == {2}
    us = _row(sample_t4, "United States (US)")
    assert (us.indent_level, us.parent_label) == (1, None)
    assert _row(sample_t4, "Regional Comprehensive Economic Partnership").indent_level == 0


def test_page_cut_after_a_complete_row_is_rejected_as_truncated() -> None:
    content = (PAGES / "t4_by_partner_2026-03_cny_full_chrome.html").read_bytes()
    rows_end = [m.end() for m in re.finditer(rb"</tr>", content)]
    cut = content[: rows_end[len(rows_end) // 2]]  # whole rows only: the HTML parser would close the rest
    with pytest.raises(ParseError, match=r"truncated: the page ends before its table and page are closed"):
        parse_preliminary_page(cut, "cut.html")


def test_a_repeated_row_is_rejected_naming_it() -> None:
    from tools.demo import releases
    from tools.demo.render import render_preliminary_page

    table = releases.build_table(releases.load_series(), "by_partner", "USD", Period.month(2025, 12))
    content = render_preliminary_page(table).decode("utf-8")
    rows = re.findall(r"<tr>.*?</tr>", content, flags=re.DOTALL)
    japan = next(r for r in rows if "Japan</span>" in r)
    doubled = content.replace(japan, japan + japan, 1)
    with pytest.raises(ParseError, match=r"row 'Japan'.*repeats row \d+ \('Japan'\): a duplicated row"):
        parse_preliminary_page(doubled.encode(), "doubled.html")
