"""Parse GACC's yearly index of preliminary-release pages into one IndexEntry per linked month.

The index is a Title x Month table: a month with a page is a link, a month without one is plain text.
The combined January-February release stands in the `Feb.` column.
"""

from __future__ import annotations

import re
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

from flows.ingest.model import IndexEntry, ParseError
from flows.ingest.parsers.common import (
    INDEX_TITLE,
    TRADE_MODE_BY_PRINTED_NUMBER,
    decode_html,
    identify_table,
    month_number,
    node_text,
    normalise_whitespace,
    not_a_page_error,
    title_currency,
)
from warehouse.codes import TableId

# The two column headings that make a table the index (the page chrome has no other table like it).
INDEX_HEADINGS: Final = ("title", "month")
YEAR: Final = re.compile(r"\d{4}")


def parse_index_page(content: bytes, source: str, year: int | None = None) -> list[IndexEntry]:
    """Every linked month of the index, in page order; `year` overrides the page's year selector.

    The argument wins because the caller knows which year's address it fetched, while the selector is
    shared page template. Hrefs are returned as printed (stripped), not resolved.
    """
    tree = LexborHTMLParser(decode_html(content, source))
    table = find_index_table(tree)
    if table is None:
        raise not_a_page_error(tree, source, "a GACC preliminary-release index page")
    index_year = year if year is not None else _selected_year(tree, source)
    entries: list[IndexEntry] = []
    for row_number, tr in enumerate(table.css("tbody tr"), 1):
        cells = tr.css("td")
        if not cells:
            continue
        if len(cells) != 2:
            raise ParseError(
                source, f"{len(cells)} cells where Title and Month were expected", row=row_number
            )
        title = normalise_whitespace(node_text(cells[0]))
        entries.extend(_row_entries(title, cells[1], index_year, source))
    return entries


def find_index_table(tree: LexborHTMLParser) -> LexborNode | None:
    for table in tree.css("table"):
        headings = tuple(normalise_whitespace(node_text(th)).casefold() for th in table.css("thead th"))
        if headings == INDEX_HEADINGS:
            return table
    return None


def _selected_year(tree: LexborHTMLParser, source: str) -> int:
    """The year selector's selected option, else its first (the current year's page selects none)."""
    option = tree.css_first("select option[selected]") or tree.css_first("select option")
    if option is None:
        raise ParseError(source, "no year: the page has no year selector and no year was given")
    text = (option.attributes.get("value") or node_text(option)).strip()
    if not YEAR.fullmatch(text):
        raise ParseError(source, f"the year selector's option {text!r} is not a year")
    return int(text)


def _row_entries(title: str, months_cell: LexborNode, year: int, source: str) -> list[IndexEntry]:
    match = INDEX_TITLE.match(title)
    if match is None or not match["description"].strip():
        raise ParseError(source, "an index row without a title", row=title)
    printed_number = int(match["number"]) if match["number"] else None
    currency = title_currency(match["currency"]) if match["currency"] else None
    table_id = _table_id(match["description"], printed_number, title, source)
    entries: list[IndexEntry] = []
    for link in months_cell.css("a"):
        text = normalise_whitespace(node_text(link))
        month = month_number(text)
        if month is None:
            raise ParseError(source, f"link text {text!r} is not a month", row=title)
        url = (link.attributes.get("href") or "").strip()
        if not url:
            raise ParseError(source, f"the {text} link has no address", row=title)
        entries.append(IndexEntry(table_id, printed_number, title, currency, year, month, url))
    return entries


def _table_id(description: str, printed_number: int | None, title: str, source: str) -> TableId | None:
    """None for tables this project does not ingest ((7), (8): freight and inspection bulletins)."""
    kind = identify_table(description)
    if kind != "trade_mode":
        return kind
    if printed_number not in TRADE_MODE_BY_PRINTED_NUMBER:
        raise ParseError(
            source, "a trade-mode table that is neither (2) nor (3): month or January-to-month?", row=title
        )
    return TRADE_MODE_BY_PRINTED_NUMBER[printed_number]
