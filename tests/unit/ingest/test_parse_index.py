"""parse_index_page on hand-written index pages (tests/fixtures/pages/README.md) and on the real sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.periods import Period
from flows.ingest.model import IndexEntry, ParseError
from flows.ingest.parsers import parse_index_page, sniff

PAGES = Path(__file__).parents[2] / "fixtures" / "pages"
INDEX_2025 = "index_2025_selected_year.html"


def _parse(name: str, year: int | None = None) -> list[IndexEntry]:
    return parse_index_page((PAGES / name).read_bytes(), name, year)


def test_linked_months_become_entries_in_page_order() -> None:
    assert [(entry.printed_number, entry.currency, entry.month) for entry in _parse(INDEX_2025)] == [
        (1, "CNY", 2),
        (1, "CNY", 3),
        (2, "USD", 2),
        (3, "USD", 3),
        (4, "USD", 12),
        (7, None, 3),
    ]


def test_plain_text_months_are_skipped() -> None:
    entries = _parse(INDEX_2025)
    assert not [entry for entry in entries if entry.printed_number in (5, 8)]
    assert not [entry for entry in entries if entry.month == 1]


def test_january_february_release_stands_in_february() -> None:
    (entry,) = _parse("index_2020_first_option_misnumbered.html")
    assert entry.month == 2
    assert entry.period == Period.jan_feb(2020)


def test_a_month_column_is_the_period_the_parser_is_given() -> None:
    assert {entry.url.rsplit("/", 1)[-1]: entry.period.key for entry in _parse(INDEX_2025)} == {
        "1-cny-2025-02.html": "2025-01..02",
        "1-cny-2025-03.html": "2025-03",
        "2-usd-2025-02.html": "2025-01..02",
        "3-usd-2025-03.html": "2025-03",
        "4-usd-2025-12.html": "2025-12",
        "7-2025-03.html": "2025-03",
    }


def test_entry_keeps_the_title_as_published() -> None:
    assert _parse(INDEX_2025)[0].title == "(1) China's Total Export & Import Values (in CNY)"


def test_year_from_the_selected_option() -> None:
    assert {entry.year for entry in _parse(INDEX_2025)} == {2025}


def test_year_from_the_first_option_when_none_is_selected() -> None:
    assert {entry.year for entry in _parse("index_2020_first_option_misnumbered.html")} == {2020}


def test_year_argument_overrides_the_page() -> None:
    assert {entry.year for entry in _parse(INDEX_2025, year=2024)} == {2024}


def test_year_argument_serves_a_page_without_year_selector() -> None:
    (entry,) = _parse("index_without_year_selector.html", year=2021)
    assert (entry.year, entry.month, entry.table_id) == (2021, 4, "major_imports")


def test_table_is_identified_by_description_not_by_number() -> None:
    (entry,) = _parse("index_2020_first_option_misnumbered.html")
    assert (entry.printed_number, entry.table_id) == (3, "by_partner")


def test_trade_mode_tables_are_told_apart_by_their_number() -> None:
    entries = _parse(INDEX_2025)
    assert [
        (entry.printed_number, entry.table_id) for entry in entries if entry.printed_number in (2, 3)
    ] == [
        (2, "trade_mode_month"),
        (3, "trade_mode_ytd"),
    ]


def test_table_ids_of_ingested_tables() -> None:
    entries = _parse(INDEX_2025)
    assert [entry.table_id for entry in entries if entry.printed_number in (1, 4)] == [
        "totals",
        "totals",
        "by_partner",
    ]


def test_tables_this_project_does_not_ingest_have_no_table_id() -> None:
    (freight,) = (entry for entry in _parse(INDEX_2025) if entry.printed_number == 7)
    assert (freight.table_id, freight.currency, freight.title) == (
        None,
        None,
        "(7) Statistics Bulletin on Freight Supervision",
    )


def test_hrefs_are_returned_as_printed_but_stripped() -> None:
    entries = _parse(INDEX_2025)
    assert [entry.url for entry in entries[:3]] == [
        "/Statics/1-cny-2025-02.html",
        "/Statics/1-cny-2025-03.html",
        "http://english.customs.gov.cn/Statics/2-usd-2025-02.html",
    ]


def test_relative_href_is_not_resolved() -> None:
    (entry,) = _parse("index_without_year_selector.html", year=2021)
    assert entry.url == "./2021-04/6-usd.html"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "index_without_year_selector.html",
            r"index_without_year_selector\.html: no year",
            id="page_without_year_selector_and_without_year_argument",
        ),
        pytest.param(
            "error_index_link_text_not_a_month.html",
            r"row \"\(1\) China's Total .*\(in USD\)\": link text 'Q1' is not a month",
            id="link_text_that_is_not_a_month",
        ),
        pytest.param(
            "error_index_trade_mode_unnumbered.html",
            r"error_index_trade_mode_unnumbered\.html, row .*neither \(2\) nor \(3\)",
            id="trade_mode_row_without_number",
        ),
        pytest.param(
            "error_captcha_zh.html",
            r"error_captcha_zh\.html: an error or captcha page \(it says '验证码'\)",
            id="page_without_an_index_table",
        ),
    ],
)
def test_an_index_page_that_cannot_be_read_with_certainty_is_rejected_naming_why(
    name: str, message: str
) -> None:
    """Each fixture page breaks one thing; the error names the file and, where there is one, the row."""
    with pytest.raises(ParseError, match=message):
        _parse(name)


def test_sniff_recognises_an_index_page() -> None:
    assert sniff((PAGES / INDEX_2025).read_bytes(), "table.html") == "index"


def test_sample_index_2026(gacc_samples: Path) -> None:
    path = gacc_samples / "preliminary_index_2026.html"
    entries = parse_index_page(path.read_bytes(), path.name)
    assert len(entries) == 24
    assert {entry.year for entry in entries} == {2026}
    assert sorted((entry.printed_number, entry.currency, entry.month) for entry in entries) == [
        (number, currency, month) for number in range(1, 7) for currency in ("CNY", "USD") for month in (2, 3)
    ]
    assert all(entry.table_id is not None and entry.url.startswith("http://") for entry in entries)
