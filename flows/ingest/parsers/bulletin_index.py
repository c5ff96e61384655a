"""Parse the Monthly Bulletin's index (`statics/report/monthly.html` and its yearly pages).

No saved copy of the Bulletin index is at hand, so this reader is tolerant: a Bulletin page is any link
whose text names a Bulletin table and its month (`(5) Imports and Exports by Customs Regime, 10.2019`),
or whose text is a month standing in a row titled with a Bulletin table (the preliminary index's Title x
Month layout). Tables this project does not read are passed over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from flows.ingest.model import BulletinIndexEntry, ParseError
from flows.ingest.parsers.bulletin import bulletin_title, identify_bulletin_table
from flows.ingest.parsers.common import (
    decode_html,
    error_page_marker,
    month_number,
    node_text,
    normalise_whitespace,
    title_currency,
)
from warehouse.codes import TableId

# A yearly page's address, wherever the page names it (a link, or the year selector's script).
YEARLY_PAGE: Final = re.compile(r"""["'(=]\s*(?P<url>[^"'()\s]*?monthly(?P<year>\d{4})\.html)""", re.I)
# `(in USD)` at the end of a row title of the Title x Month layout.
ROW_CURRENCY: Final = re.compile(r"\(\s*(?:[^()]*,\s*)?in\s+(?P<currency>cny|rmb|usd|us\$)\s*\)\s*$", re.I)
YEAR: Final = re.compile(r"\d{4}")


def parse_bulletin_index(content: bytes, source: str, year: int | None = None) -> list[BulletinIndexEntry]:
    """Every link to a Bulletin table this project reads, in page order, each address once.

    `year` is the year of the page (the caller knows which year's page it fetched), else the page's
    year selector says it; a link whose text carries its own period (`..., 10.2019`) keeps that period.
    A page with no Bulletin link at all is not an index page: an error, so that a captcha wall or a
    moved page is never read as "nothing new".
    """
    tree = LexborHTMLParser(decode_html(content, source))
    page_year = year if year is not None else _selected_year(tree)
    entries: list[BulletinIndexEntry] = []
    seen: set[str] = set()
    bulletin_links = 0
    for link in tree.css("a"):
        url = (link.attributes.get("href") or "").strip()
        found = _entry(link, page_year, url)
        if found is None:
            continue
        if found.year == 0:
            raise ParseError(
                source, f"no year for the link {found.title!r} {found.month}: none given, no selector"
            )
        bulletin_links += 1
        if found.table_id is None or not url or url in seen:
            continue
        seen.add(url)
        entries.append(found.entry(found.table_id))
    if bulletin_links == 0:
        marker = error_page_marker(tree)
        if marker is not None:
            raise ParseError(source, f"an error or captcha page (it says {marker!r}), not the Bulletin index")
        raise ParseError(source, "not the Monthly Bulletin index: no link names a Bulletin table and a month")
    return entries


def bulletin_year_pages(content: bytes, source: str) -> dict[int, str]:
    """The yearly index pages an index page names (year selector script or links): year -> path."""
    text = decode_html(content, source)
    return {int(match["year"]): urlsplit(match["url"]).path for match in YEARLY_PAGE.finditer(text)}


def index_page_year(content: bytes, source: str) -> int | None:
    """The year an index page shows: its year selector's selected option, else the first (the current year)."""
    return _selected_year(LexborHTMLParser(decode_html(content, source))) or None


def is_bulletin_index(tree: LexborHTMLParser) -> bool:
    """A page with a link titled with a Bulletin table and month (the list layout of the index)."""
    return any(bulletin_title(node_text(link)) for link in tree.css("a"))


def _selected_year(tree: LexborHTMLParser) -> int:
    """The year selector's selected option, else its first; 0 where there is none."""
    option = tree.css_first("select option[selected]") or tree.css_first("select option")
    if option is None:
        return 0
    text = (option.attributes.get("value") or node_text(option)).strip()
    return int(text) if YEAR.fullmatch(text) else 0


@dataclass(frozen=True)
class _Found:
    table_id: TableId | None  # None: a Bulletin table this project does not read
    title: str
    currency: str | None
    year: int
    month: int
    url: str

    def entry(self, table_id: TableId) -> BulletinIndexEntry:
        currency = title_currency(self.currency) if self.currency else None
        return BulletinIndexEntry(table_id, self.title, currency, self.year, self.month, self.url)


def _entry(link: LexborNode, year: int, url: str) -> _Found | None:
    """What a link points to, if it is a Bulletin link at all (`table_id` None: a table not read here)."""
    text = normalise_whitespace(node_text(link))
    if titled := bulletin_title(text):
        month = int(titled["month"])
        if not 1 <= month <= 12:
            return None
        return _Found(
            identify_bulletin_table(titled["description"]),
            text,
            titled["currency"],
            int(titled["year"]),
            month,
            url,
        )
    month_column = month_number(text)
    row_title = _row_title(link)
    if month_column is None or row_title is None:
        return None
    currency = ROW_CURRENCY.search(row_title)
    description = ROW_CURRENCY.sub("", row_title)
    table_id = identify_bulletin_table(description)
    if table_id is None and not re.match(r"^\(\d+\)", row_title):
        return None  # a month link in a row that is no numbered Bulletin table: page chrome
    return _Found(table_id, row_title, currency["currency"] if currency else None, year, month_column, url)


def _row_title(link: LexborNode) -> str | None:
    """The first cell of the table row a link stands in, if the link is not in that cell itself."""
    node = link.parent
    cell: LexborNode | None = None
    while node is not None and node.tag != "tr":
        if node.tag in ("td", "th"):
            cell = node
        node = node.parent
    if node is None or cell is None:
        return None
    first = node.css_first("td, th")
    if first is None or first == cell:
        return None
    return normalise_whitespace(node_text(first)) or None
