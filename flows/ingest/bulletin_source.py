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
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin

from config.settings import Settings
from flows.ingest.archive import utc_now
from flows.ingest.model import ParseError
from flows.ingest.parsers.bulletin_index import bulletin_year_pages, index_page_year, parse_bulletin_index
from flows.ingest.sources import FetchedFile, FetchError, HttpFetcher, RefusedFile, SourceError

log = logging.getLogger(__name__)


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
