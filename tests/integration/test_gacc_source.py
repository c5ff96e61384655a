"""The GACC source against a real HTTP server on 127.0.0.1 serving GACC-format pages.

The server misbehaves as GACC's does: a 500 that recovers, a page slower than the client's timeout
once, and a captcha page served with status 200.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from flows.ingest.parsers import parse_index_page
from flows.ingest.parsers.bulletin_index import parse_bulletin_index
from flows.ingest.pipeline import ingest
from flows.ingest.sources import GaccSource, HttpFetcher, demo_releases_dir

BULLETIN_INDEX_PATH = "/statics/report/monthly.html"  # the setting's default path
CAPTCHA_PAGE = (
    b"<html><head><title>Verification</title></head><body><div>Please enter the verification code"
    b" to continue</div><img src='/captcha.jpg'/></body></html>"
)


class GaccLikeServer:
    """Serves one year's demo index page and its pages, with scripted failures per path, and the demo's
    Monthly Bulletin index and pages at GACC's paths."""

    def __init__(self, year: int) -> None:
        year_dir = demo_releases_dir() / str(year)
        self.index = (year_dir / "index.html").read_bytes()
        entries = parse_index_page(self.index, "index.html", year=year)
        self.pages: dict[str, bytes] = {}
        for entry in entries:
            self.pages["/" + entry.url.lstrip("./")] = (year_dir / entry.url).read_bytes()
        # The demo's Monthly Bulletin, where GACC has it: its index links pages by relative URL.
        bulletin_dir = demo_releases_dir() / "bulletin"
        self.bulletin_pages: dict[str, bytes] = {
            BULLETIN_INDEX_PATH: (bulletin_dir / "monthly.html").read_bytes()
        }
        for entry in parse_bulletin_index(self.bulletin_pages[BULLETIN_INDEX_PATH], "monthly.html"):
            self.bulletin_pages["/statics/report/" + entry.url] = (bulletin_dir / entry.url).read_bytes()
        self.requests: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        self.fail_once_500: set[str] = set()
        self.slow_once: set[str] = set()
        self.captcha: set[str] = set()
        self.slow_seconds = 1.0
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.requests[path] += 1
                server.user_agents.add(self.headers.get("User-Agent", ""))
                first = server.requests[path] == 1
                if path == "/index":
                    return self._send(200, server.index)
                if path in server.bulletin_pages:
                    return self._send(200, server.bulletin_pages[path])
                if path not in server.pages:
                    return self._send(404, b"<html><body>404 Not Found</body></html>")
                if path in server.fail_once_500 and first:
                    return self._send(500, b"<html><body>500 Internal Server Error</body></html>")
                if path in server.slow_once and first:
                    time.sleep(server.slow_seconds)
                if path in server.captcha:
                    return self._send(200, CAPTCHA_PAGE)
                return self._send(200, server.pages[path])

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may have timed out and gone away, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        return Handler

    def __enter__(self) -> GaccLikeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[GaccLikeServer]:
    with GaccLikeServer(2025) as srv:
        yield srv


def _settings(tmp_path: Path, base_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        gacc_base_url=base_url,  # type: ignore[arg-type]
        gacc_index_path="/index?year={year}",
        http_timeout_seconds=0.3,
        http_retries=3,
        http_backoff_seconds=0.01,
        http_polite_delay_seconds=0.0,
    )


@pytest.mark.slow
def test_crawl_recovers_from_500_and_timeout_and_quarantines_captcha(
    tmp_path: Path, server: GaccLikeServer
) -> None:
    paths = sorted(server.pages)
    server.fail_once_500.add(paths[0])
    server.slow_once.add(paths[1])
    server.captcha.add(paths[2])
    settings = _settings(tmp_path, server.base_url)

    report = ingest(GaccSource(settings, [2025]), settings)

    assert report.source_errors == []
    assert server.user_agents == {settings.user_agent}  # says who is asking, on every request
    assert "customs-warehouse" in settings.user_agent
    assert server.requests[paths[0]] == 2  # the 500, then the page
    assert server.requests[paths[1]] == 2  # the timeout, then the page
    assert report.index_pages == 1
    assert len(report.quarantined) == 1
    uri, error = report.quarantined[0]
    assert uri.endswith(paths[2])
    assert "captcha" in error.lower() or "verification" in error.lower()
    wanted = len(server.pages)
    assert len(report.staged) == wanted - 1

    manifest = pl.read_parquet(settings.manifest_path)
    assert manifest.filter(pl.col("status") == "quarantined")["source_uri"].to_list() == [uri]
    assert manifest.filter(pl.col("status") == "staged").height == wanted - 1


@pytest.mark.slow
def test_second_crawl_fetches_only_what_is_not_archived(tmp_path: Path, server: GaccLikeServer) -> None:
    settings = _settings(tmp_path, server.base_url)
    paths = sorted(server.pages)
    server.captcha.add(paths[0])
    ingest(GaccSource(settings, [2025]), settings)
    server.captcha.clear()
    server.requests.clear()

    report = ingest(GaccSource(settings, [2025]), settings)

    # The index is fetched again (it changes monthly); of the pages only the one that was a captcha.
    assert dict(server.requests) == {"/index": 1, paths[0]: 1}
    assert len(report.staged) == 1
    assert report.unchanged_files == 1  # the same index bytes


@pytest.mark.slow
def test_server_down_is_a_clear_source_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "http://127.0.0.1:9")  # discard port: nothing listens
    fetcher = HttpFetcher(settings, sleep=lambda _: None)
    report = ingest(GaccSource(settings, [2025], fetcher=fetcher), settings)
    assert len(report.source_errors) == 1
    assert "http://127.0.0.1:9/index?year=2025" in report.source_errors[0]
    assert fetcher.requests_made == settings.http_retries + 1


@pytest.mark.slow
def test_pages_are_fetched_with_a_polite_pause_between_requests(
    tmp_path: Path, server: GaccLikeServer
) -> None:
    settings = _settings(tmp_path, server.base_url).model_copy(update={"http_polite_delay_seconds": 5.0})
    pauses: list[float] = []
    fetcher = HttpFetcher(settings, sleep=pauses.append)  # records the pauses instead of waiting them out
    page = sorted(server.pages)[0]
    fetcher.get(server.base_url + page)
    fetcher.get(server.base_url + page)
    fetcher.close()
    assert len(pauses) == 1  # none before the first request, one before the second
    assert 0 < pauses[0] <= 5.0
