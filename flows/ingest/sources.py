"""Where files come from: GACC's English site, a landing folder, or the bundled demo releases.

GACC's site is read as its preliminary release (`GaccSource`) then its Monthly Bulletin
(`flows.ingest.bulletin_source.BulletinSource`), chained; the demo releases and a landing folder hold
pages of both, recognised by their content.

Every source yields `FetchedFile`s; the ingest step does not care which source it reads.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Final, Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from config.settings import Settings
from domain.periods import Period, in_periods
from flows.ingest.archive import utc_now
from flows.ingest.model import BulletinIndexEntry, IndexEntry, ParseError
from flows.ingest.parsers import parse_index_page
from flows.ingest.parsers.bulletin_index import parse_bulletin_index
from warehouse.codes import Currency, TradeDirection

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
    # What the index page listed a table page as (the link's edition and month column): 2018-2019 titles
    # may name no currency or no month. None for files not reached through an index.
    currency_hint: Currency | None = None
    period_hint: Period | None = None


@dataclass(frozen=True)
class RefusedFile:
    """A file a source would not read (too large, a symlink, a hostile response): never archived."""

    source_uri: str
    reason: str  # one line naming the file


class SourceError(RuntimeError):
    """A source could not deliver what it must (an index page that is not one, a server that stays down)."""


class FetchError(SourceError):
    """One request failed for good (a 4xx, retries used up, a response over a limit); one line."""


class Source(Protocol):
    name: str

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile | RefusedFile]:
        """Files to ingest; URIs in `skip_uris` are already archived and parsed, so need no fetch."""
        ...


# --- landing folder and demo ------------------------------------------------------------------------
# A month or a year as a word of a file's name, between underscores, as online-query exports are saved
# (`online_query_hs8_partner_201601_export_cny.csv`, `..._2024_imports_usd.csv`).
_NAMED_PERIOD: Final = re.compile(r"(?:^|_)(?P<year>(?:19|20)\d{2})(?P<month>0[1-9]|1[0-2])?(?=_|\.|$)")


def _named_in_periods(name: str, periods: Collection[str]) -> bool | None:
    """Whether the month or year a file's name states is in `periods`; None if it states none."""
    match = _NAMED_PERIOD.search(PurePosixPath(name).name)
    if match is None:
        return None
    year = int(match["year"])
    if match["month"]:
        return in_periods(Period.month(year, int(match["month"])), periods)
    return any(Period.parse(key).year == year for key in periods)


class LandingSource:
    """Files an operator or a sync job dropped into a folder; recognised later by their content.

    With `periods` (a backfill's range), a file whose name states a month or year outside them is not
    read; any other file is (its period is known only once it is parsed)."""

    name = "landing"

    def __init__(
        self,
        path: Path,
        uri_prefix: str | None = None,
        max_file_bytes: int | None = None,
        direction: TradeDirection | None = None,
        periods: Collection[str] | None = None,
    ) -> None:
        self.path = path
        self.uri_prefix = uri_prefix
        self.max_file_bytes = max_file_bytes
        self.direction = direction
        self.periods = None if periods is None else frozenset(periods)

    def _in_range(self, relative: Path, root: Path) -> bool:
        """Whether a file may hold figures of `periods` (always, without them)."""
        if self.periods is None:
            return True
        return _named_in_periods(relative.name, self.periods) is not False

    def _uri(self, root: Path, relative: Path) -> str:
        if self.uri_prefix is None:
            return str(root / relative)
        return self.uri_prefix + relative.as_posix()

    def _walk(self, root: Path) -> Iterator[Path]:
        """Every entry under `root`, symlinks included but never followed (they are refused later)."""
        for folder, dirs, names in os.walk(root, followlinks=False):
            base = Path(folder)
            dirs.sort()
            for name in sorted(dirs):
                if (base / name).is_symlink():
                    yield base / name  # os.walk lists a symlinked folder but does not enter it
            for name in sorted(names):
                yield base / name

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile | RefusedFile]:
        if not self.path.is_dir():
            raise SourceError(f"landing folder {self.path} does not exist or is not a folder")
        root = self.path.resolve()
        for file in sorted(self._walk(root)):
            relative = file.relative_to(root)
            # Partial uploads and editor files are not releases.
            if any(part.startswith(".") for part in relative.parts) or file.suffix in {".tmp", ".part"}:
                continue
            if not self._in_range(relative, root):
                continue
            uri = self._uri(root, relative)
            refused = self._refusal(file, root)
            content = None if refused else self._read_regular(file)
            if content is None:
                # Refused, or swapped for a link or a device between the check and the read.
                refused = refused or "changed into something other than a regular file, not read"
                yield RefusedFile(uri, f"{uri}: {refused}")
                continue
            # Always read: a dropped file may replace an older one of the same name (a new vintage);
            # the archive recognises unchanged bytes by their hash.
            yield FetchedFile(content, uri, relative.as_posix(), utc_now(), self.direction)

    def _read_regular(self, file: Path) -> bytes | None:
        """The bytes of `file` if it is still a regular file of a sane size when opened (no link followed)."""
        try:
            fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            if self.max_file_bytes is not None and info.st_size > self.max_file_bytes:
                return None
            return handle.read()

    def _refusal(self, file: Path, root: Path) -> str | None:
        """Why `file` is not read, or None: only regular files inside the folder, of a sane size."""
        info = file.lstat()
        if stat.S_ISLNK(info.st_mode):
            return "a symbolic link, not read (only regular files inside the landing folder are)"
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file, not read"
        if not file.resolve().is_relative_to(root):
            return "outside the landing folder, not read"
        if self.max_file_bytes is not None and info.st_size > self.max_file_bytes:
            return (
                f"{info.st_size:,} bytes, over the limit of {self.max_file_bytes:,} (CUSTOMS_MAX_FILE_BYTES),"
                " not read"
            )
        return None


def demo_releases_dir() -> Path:
    """The demo releases shipped inside the installed package."""
    return Path(str(resources.files("flows.ingest.demo") / "releases"))


class DemoSource(LandingSource):
    """The bundled demo releases: GACC-format preliminary pages for 2023-01..2025-12, the Monthly Bulletin
    of 2025 with its index, and an online-query export.

    With `periods`, only what GACC's site would give for them: the pages its index pages (`<year>/index.html`,
    `bulletin/monthly.html`) list under those months, the index pages that list one, and files no index
    lists whose name says nothing else (the online-query export, by the year in its name)."""

    name = "demo"

    def __init__(self, periods: Collection[str] | None = None) -> None:
        super().__init__(demo_releases_dir(), uri_prefix="demo:", periods=periods)
        self._listed: dict[Path, bool] | None = None  # page -> in `periods`; an index page -> lists one

    def _in_range(self, relative: Path, root: Path) -> bool:
        if self.periods is None:
            return True
        if self._listed is None:
            self._listed = self._listed_pages(root, self.periods)
        listed = self._listed.get(relative)
        return super()._in_range(relative, root) if listed is None else listed

    @staticmethod
    def _listed_pages(root: Path, periods: Collection[str]) -> dict[Path, bool]:
        listed: dict[Path, bool] = {}
        indexes: dict[Path, Callable[[bytes, str], Iterable[IndexEntry | BulletinIndexEntry]]] = {
            index: parse_index_page for index in root.glob("*/index.html")
        }
        indexes |= {index: parse_bulletin_index for index in root.glob("bulletin/monthly.html")}
        for index, parse in indexes.items():
            any_wanted = False
            for entry in parse(index.read_bytes(), str(index)):
                wanted = in_periods(Period.month(entry.year, entry.month), periods)
                listed[(index.parent / entry.url.strip()).relative_to(root)] = wanted
                any_wanted |= wanted
            listed[index.relative_to(root)] = any_wanted
        return listed


class ChainedSource:
    """Sources read one after the other as one: GACC's site is its preliminary release, then its Monthly
    Bulletin. A source that fails (its index page) does not keep the next from running; the failures are
    raised together, one line, once every source has had its turn."""

    def __init__(self, name: str, *sources: Source) -> None:
        self.name = name
        self.sources = sources

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile | RefusedFile]:
        errors: list[str] = []
        for source in self.sources:
            try:
                yield from source.files(skip_uris)
            except SourceError as exc:
                log.error("%s", exc)
                errors.append(str(exc))
        if errors:
            raise SourceError("; ".join(errors))


# --- GACC's English site ------------------------------------------------------------------------------
def _is_retryable(exc: BaseException) -> bool:
    """Server trouble is retried (5xx, 429, timeouts, dropped connections); a 4xx or a refusal is final."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TimeoutException | httpx.TransportError)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").casefold()


class HttpFetcher:
    """httpx with limits: retries with backoff on 5xx and timeouts only, a polite delay between requests,
    redirects followed only on the base URL's host, a cap on the (decompressed) body and an overall
    deadline per request, however slowly the bytes come."""

    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.sleep = sleep
        self.allowed_host = _host(str(settings.gacc_base_url))
        self.client = client or httpx.Client(
            timeout=settings.http_timeout_seconds,
            headers={"User-Agent": settings.user_agent},
            follow_redirects=False,  # followed here, after the host is checked
        )
        self._last_request = 0.0
        self.requests_made = 0

    def same_origin(self, url: str) -> bool:
        return _host(url) == self.allowed_host

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "retrying %s after attempt %d: %s",
            state.args[1] if len(state.args) > 1 else "?",
            state.attempt_number,
            _describe(exc) if exc else "?",
        )

    def get(self, url: str) -> bytes:
        """The body of `url`, or a FetchError with a one-line message naming it."""
        attempts = self.settings.http_retries + 1
        fetch = retry(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=self.settings.http_backoff_seconds, max=60),
            sleep=self.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )(self._get_once)
        try:
            return fetch(url)
        except httpx.HTTPStatusError as exc:
            tried = f" (after {attempts} attempts)" if _is_retryable(exc) and attempts > 1 else ""
            raise FetchError(f"{_describe(exc)} for {url}{tried}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {url} failed after {attempts} attempts: {_describe(exc)}") from None

    def _get_once(self, url: str) -> bytes:
        wait = self.settings.http_polite_delay_seconds - (time.monotonic() - self._last_request)
        if self._last_request and wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()
        deadline = time.monotonic() + self.settings.http_request_deadline_seconds
        current = url
        for _ in range(self.settings.http_max_redirects + 1):
            if not self.same_origin(current):
                raise FetchError(f"{url} leads to another host ({current}): not followed")
            self.requests_made += 1
            with self.client.stream("GET", current) as response:
                if response.is_redirect:
                    current = urljoin(current, response.headers.get("Location", ""))
                    continue
                response.raise_for_status()
                return self._body(response, url, deadline)
        raise FetchError(f"{url}: more than {self.settings.http_max_redirects} redirects, not followed")

    def _body(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        """The decompressed body, counted as it streams in: cut at the size cap or the deadline."""
        cap = self.settings.http_max_response_bytes
        too_large = f"{url}: response larger than {cap:,} bytes (CUSTOMS_HTTP_MAX_RESPONSE_BYTES), cut off"
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(too_large)
        chunks: list[bytes] = []
        size = 0
        # Chunks as they arrive (no re-chunking, which would wait for a whole chunk of a drip); one
        # network read decompresses to a bounded size, so the count stops a bomb early.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(too_large)
            if time.monotonic() > deadline:
                raise FetchError(
                    f"{url}: response not complete after {self.settings.http_request_deadline_seconds:g} s"
                    " (CUSTOMS_HTTP_REQUEST_DEADLINE_SECONDS), cut off"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.client.close()


def _describe(exc: BaseException) -> str:
    """One line for an HTTP failure: `404 Not Found`, or the exception's type and first line."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"{exc.response.status_code} {exc.response.reason_phrase}"
    first = next((line for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class GaccSource:
    """Crawls the yearly index pages, then every wanted table page not yet archived.

    Only pages on the base URL's host are fetched, each URL at most once per crawl; a page that fails
    (a 404, a response over a limit) is refused in one line and the crawl goes on. An index page that
    fails stops the crawl: without it nothing is known to fetch.
    """

    name = "gacc"

    def __init__(self, settings: Settings, years: Iterable[int], fetcher: HttpFetcher | None = None) -> None:
        self.settings = settings
        self.years = sorted(set(years))
        self.fetcher = fetcher or HttpFetcher(settings)

    def files(self, skip_uris: set[str]) -> Iterator[FetchedFile | RefusedFile]:
        requested: set[str] = set()
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
                    ) from None
                wanted = [e for e in entries if e.table_id in WANTED_TABLES]
                log.info("index %s: %d pages listed, %d wanted", index_url, len(entries), len(wanted))
                for entry in wanted:
                    url = urljoin(index_url, entry.url)
                    # Archived, quarantined or refused once in this crawl: never asked for again.
                    if url in skip_uris or url in requested:
                        continue
                    requested.add(url)
                    if not self.fetcher.same_origin(url):
                        yield RefusedFile(url, f"{url}: on another host than {index_url}, not fetched")
                        continue
                    try:
                        page = self.fetcher.get(url)
                    except FetchError as exc:
                        yield RefusedFile(url, str(exc))
                        continue
                    yield FetchedFile(
                        page,
                        url,
                        url.rsplit("/", 1)[-1],
                        utc_now(),
                        currency_hint=entry.currency,
                        period_hint=entry.period,
                    )
        finally:
            self.fetcher.close()
