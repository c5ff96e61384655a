"""The Monthly Bulletin on GACC's English site: its index (`statics/report/monthly.html` and the yearly
pages) and the Bulletin table pages it links.

No saved copy of the Bulletin index is at hand, so its reader is tolerant: a Bulletin page is any link
whose text names a Bulletin table and its month (`(5) Imports and Exports by Customs Regime, 10.2019`),
or whose text is a month standing in a row titled with a Bulletin table (the preliminary index's Title x
Month layout). Tables this project does not read are passed over; the HTTP side (limits, retries, same
host only) is the preliminary crawl's `HttpFetcher`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from config.settings import Settings
from flows.ingest.archive import utc_now
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
from flows.ingest.sources import FetchedFile, FetchError, HttpFetcher, RefusedFile, SourceError
from warehouse.codes import TableId

log = logging.getLogger(__name__)

# A yearly page's address, wherever the page names it (a link, or the year selector's script).
YEARLY_PAGE: Final = re.compile(r"""["'(=]\s*(?P<url>[^"'()\s]*?monthly(?P<year>\d{4})\.html)""", re.I)
# `(in USD)` at the end of a row title of the Title x Month layout.
ROW_CURRENCY: Final = re.compile(r"\(\s*(?:[^()]*,\s*)?in\s+(?P<currency>cny|rmb|usd|us\$)\s*\)\s*$", re.I)
YEAR: Final = re.compile(r"\d{4}")


def parse_bulletin_index(content: bytes, source: str, year: int) -> list[BulletinIndexEntry]:
    """Every link to a Bulletin table this project reads, in page order, each address once.

    `year` is the year of the page (the caller knows which year's page it fetched); a link whose text
    carries its own period (`..., 10.2019`) keeps that period. A page with no Bulletin link at all is
    not an index page: an error, so that a captcha wall or a moved page is never read as "nothing new".
    """
    tree = LexborHTMLParser(decode_html(content, source))
    entries: list[BulletinIndexEntry] = []
    seen: set[str] = set()
    bulletin_links = 0
    for link in tree.css("a"):
        url = (link.attributes.get("href") or "").strip()
        found = _entry(link, year, url)
        if found is None:
            continue
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
    tree = LexborHTMLParser(decode_html(content, source))
    option = tree.css_first("select option[selected]") or tree.css_first("select option")
    if option is None:
        return None
    text = (option.attributes.get("value") or node_text(option)).strip()
    return int(text) if YEAR.fullmatch(text) else None


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
    month = month_number(text)
    row_title = _row_title(link)
    if month is None or row_title is None:
        return None
    currency = ROW_CURRENCY.search(row_title)
    description = ROW_CURRENCY.sub("", row_title)
    table_id = identify_bulletin_table(description)
    if table_id is None and not re.match(r"^\(\d+\)", row_title):
        return None  # a month link in a row that is no numbered Bulletin table: page chrome
    return _Found(table_id, row_title, currency["currency"] if currency else None, year, month, url)


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


class BulletinSource:
    """Crawls the Bulletin index (the current year's page, then each older year's), then every Bulletin
    table page not yet archived. Same host only, each URL at most once per crawl; a page that fails is
    refused in one line and the crawl goes on; an index page that fails stops it."""

    name = "gacc_bulletin"

    def __init__(self, settings: Settings, years: Iterable[int], fetcher: HttpFetcher | None = None) -> None:
        self.settings = settings
        self.years = sorted(set(years))
        self.fetcher = fetcher or HttpFetcher(settings)

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile | RefusedFile]:
        requested: set[str] = set()
        try:
            main_url = self.settings.bulletin_index_url()
            main = self._index(main_url)
            yield FetchedFile(main, main_url, "bulletin_index.html", utc_now())
            current_year = index_page_year(main, main_url)
            yearly = bulletin_year_pages(main, main_url)
            for year in self.years:
                if year == current_year:
                    url, content = main_url, main
                else:
                    # A yearly page the index names is taken by its path on the configured site: GACC
                    # writes its own host into the addresses, which a mirror or a test server is not.
                    path = yearly.get(year)
                    url = (
                        str(self.settings.gacc_base_url).rstrip("/") + path
                        if path
                        else self.settings.bulletin_index_url(year)
                    )
                    content = self._index(url)
                    yield FetchedFile(content, url, f"bulletin_index_{year}.html", utc_now())
                try:
                    entries = parse_bulletin_index(content, url, year)
                except ParseError as exc:
                    raise SourceError(
                        f"Bulletin index for {year} at {url} is not an index page: {exc}"
                    ) from None
                log.info("Bulletin index %s: %d Bulletin pages listed", url, len(entries))
                for entry in entries:
                    page_url = urljoin(url, entry.url)
                    if page_url in skip_uris or page_url in requested:
                        continue
                    requested.add(page_url)
                    if not self.fetcher.same_origin(page_url):
                        yield RefusedFile(page_url, f"{page_url}: on another host than {url}, not fetched")
                        continue
                    try:
                        page = self.fetcher.get(page_url)
                    except FetchError as exc:
                        yield RefusedFile(page_url, str(exc))
                        continue
                    yield FetchedFile(page, page_url, page_url.rsplit("/", 1)[-1], utc_now())
        finally:
            self.fetcher.close()

    def _index(self, url: str) -> bytes:
        """An index page, or a SourceError: without it nothing is known to fetch."""
        try:
            return self.fetcher.get(url)
        except FetchError as exc:
            raise SourceError(f"Bulletin index {url}: {exc}") from None
