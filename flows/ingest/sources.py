"""Where files come from: GACC's English site, a landing folder, or the bundled demo releases.

Every source yields `FetchedFile`s; the ingest step does not care which source it reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin

import httpx
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from config.settings import Settings
from flows.ingest.archive import utc_now
from flows.ingest.model import ParseError
from flows.ingest.parsers import parse_index_page
from warehouse.codes import TradeDirection

log = logging.getLogger(__name__)

# Tables this project stages: every table of the preliminary release but the bulletins (7)/(8).
WANTED_TABLES = frozenset(
    {"totals", "trade_mode_month", "trade_mode_ytd", "by_partner", "major_exports", "major_imports"}
)


@dataclass(frozen=True)
class FetchedFile:
    content: bytes
    source_uri: str
    original_name: str
    retrieved_at: datetime
    # The flow an online-query export was requested as (`--direction`), for names that do not say it.
    direction: TradeDirection | None = None


class SourceError(RuntimeError):
    """A source could not deliver what it must (an index page that is not one, a server that stays down)."""


class Source(Protocol):
    name: str

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile]:
        """Files to ingest; URIs in `skip_uris` are already archived and parsed, so need no fetch."""
        ...


# --- landing folder and demo ------------------------------------------------------------------------
class LandingSource:
    """Files an operator or a sync job dropped into a folder; recognised later by their content."""

    name = "landing"

    def __init__(
        self, path: Path, uri_prefix: str | None = None, direction: TradeDirection | None = None
    ) -> None:
        self.path = path
        self.uri_prefix = uri_prefix
        self.direction = direction

    def _uri(self, file: Path) -> str:
        if self.uri_prefix is None:
            return str(file.resolve())
        return self.uri_prefix + file.relative_to(self.path).as_posix()

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile]:
        if not self.path.is_dir():
            raise SourceError(f"landing folder {self.path} does not exist or is not a folder")
        for file in sorted(p for p in self.path.rglob("*") if p.is_file()):
            relative = file.relative_to(self.path)
            # Partial uploads and editor files are not releases.
            if any(part.startswith(".") for part in relative.parts) or file.suffix in {".tmp", ".part"}:
                continue
            # Always read: a dropped file may replace an older one of the same name (a new vintage);
            # the archive recognises unchanged bytes by their hash.
            yield FetchedFile(
                file.read_bytes(), self._uri(file), relative.as_posix(), utc_now(), self.direction
            )


def demo_releases_dir() -> Path:
    """The demo releases shipped inside the installed package."""
    return Path(str(resources.files("flows.ingest.demo") / "releases"))


class DemoSource(LandingSource):
    """The bundled demo releases: GACC-format pages for 2023-01..2025-12 and an online-query export."""

    name = "demo"

    def __init__(self) -> None:
        super().__init__(demo_releases_dir(), uri_prefix="demo:")


# --- GACC's English site ------------------------------------------------------------------------------
def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TimeoutException | httpx.TransportError)


class HttpFetcher:
    """httpx with a timeout, retries with exponential backoff on 5xx and timeouts, and a polite delay."""

    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.sleep = sleep
        self.client = client or httpx.Client(
            timeout=settings.http_timeout_seconds,
            headers={"User-Agent": settings.user_agent},
            follow_redirects=True,
        )
        self._last_request = 0.0
        self.requests_made = 0

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "retrying %s after attempt %d: %s",
            state.args[1] if len(state.args) > 1 else "?",
            state.attempt_number,
            exc,
        )

    def get(self, url: str) -> bytes:
        fetch = retry(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(self.settings.http_retries + 1),
            wait=wait_exponential(multiplier=self.settings.http_backoff_seconds, max=60),
            sleep=self.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )(self._get_once)
        try:
            return fetch(url)
        except httpx.HTTPError as exc:
            raise SourceError(
                f"GET {url} failed after {self.settings.http_retries + 1} attempts: {exc!r}"
            ) from exc

    def _get_once(self, url: str) -> bytes:
        wait = self.settings.http_polite_delay_seconds - (time.monotonic() - self._last_request)
        if self._last_request and wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()
        self.requests_made += 1
        response = self.client.get(url)
        response.raise_for_status()
        return response.content

    def close(self) -> None:
        self.client.close()


class GaccSource:
    """Crawls the yearly index pages, then every wanted table page not yet archived."""

    name = "gacc"

    def __init__(self, settings: Settings, years: Iterable[int], fetcher: HttpFetcher | None = None) -> None:
        self.settings = settings
        self.years = sorted(set(years))
        self.fetcher = fetcher or HttpFetcher(settings)

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile]:
        try:
            for year in self.years:
                index_url = self.settings.index_url(year)
                content = self.fetcher.get(index_url)
                # The index changes every month, so it is fetched every time and archived per vintage.
                yield FetchedFile(content, index_url, f"index_{year}.html", utc_now())
                try:
                    entries = parse_index_page(content, index_url, year=year)
                except ParseError as exc:
                    raise SourceError(
                        f"index page for {year} at {index_url} is not an index page: {exc}"
                    ) from exc
                wanted = [e for e in entries if e.table_id in WANTED_TABLES]
                log.info("index %s: %d pages listed, %d wanted", index_url, len(entries), len(wanted))
                for entry in wanted:
                    url = urljoin(index_url, entry.url)
                    if url in skip_uris:
                        continue
                    page = self.fetcher.get(url)
                    yield FetchedFile(page, url, url.rsplit("/", 1)[-1], utc_now())
        finally:
            self.fetcher.close()
