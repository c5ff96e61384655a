"""The Monthly Bulletin crawl against a real HTTP server on 127.0.0.1, and Bulletin pages through ingest.

The server serves the Bulletin index (`statics/report/monthly.html`, the current year, naming the
2019 page in its year selector's script), the 2019 page, and Bulletin pages of tests/fixtures/bulletin;
one listed page is missing (404), one is a captcha wall, one link points at GACC's real host.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from expectations.rules import no_missing_periods
from flows.ingest.bulletin_source import BulletinSource
from flows.ingest.pipeline import ingest
from flows.ingest.sources import FetchedFile, LandingSource, RefusedFile
from flows.ingest.staging import scan_staging
from warehouse.tables import STG_PRELIMINARY

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bulletin"
CAPTCHA_PAGE = b"<html><body><div>Please enter the verification code to continue</div></body></html>"
PAGES = {
    "/statics/report/monthly.html": "index_monthly_2020.html",
    "/statics/report/monthly2019.html": "index_monthly_2019.html",
    "/Statics/a5000010-0000-4000-8000-000000000010.html": "customs_regime_2019-10_usd.html",
    "/Statics/a5000012-0000-4000-8000-000000000012.html": "customs_regime_2019-12_usd_1to12.html",
    "/Statics/a6000010-0000-4000-8000-000000000010.html": "by_country_2019-10_usd.html",
    "/Statics/a5000002-0000-4000-8000-000000000002.html": "customs_regime_2019-02_usd_no_unit_row.html",
}
MISSING = "/Statics/b5000002-0000-4000-8000-000000000002.html"
CAPTCHA = "/Statics/b5000003-0000-4000-8000-000000000003.html"
NOT_LISTED = "/Statics/a1000010-0000-4000-8000-000000000010.html"  # (1) Summary: not a table read here


class BulletinSite:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests[path] += 1
                site.user_agents.add(self.headers.get("User-Agent", ""))
                if path == CAPTCHA:
                    return self._send(200, CAPTCHA_PAGE)
                if path not in PAGES:
                    return self._send(404, b"<html><body>404 Not Found</body></html>")
                return self._send(200, (FIXTURES / PAGES[path]).read_bytes())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BulletinSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def site() -> Iterator[BulletinSite]:
    with BulletinSite() as server:
        yield server


def _settings(tmp_path: Path, base_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        gacc_base_url=base_url,  # type: ignore[arg-type]
        http_timeout_seconds=5.0,
        http_retries=0,
        http_backoff_seconds=0.0,
        http_polite_delay_seconds=0.0,
    )


def test_crawl_reads_the_index_and_its_yearly_page_and_fetches_each_bulletin_page_once(
    tmp_path: Path, site: BulletinSite
) -> None:
    settings = _settings(tmp_path, site.base_url)

    got = list(BulletinSource(settings, [2019, 2020]).files(skip_uris=set()))

    fetched = [f.source_uri.removeprefix(site.base_url) for f in got if isinstance(f, FetchedFile)]
    assert fetched == [
        "/statics/report/monthly.html",
        "/statics/report/monthly2019.html",  # named by the current page's year selector
        "/Statics/a5000010-0000-4000-8000-000000000010.html",
        "/Statics/a5000012-0000-4000-8000-000000000012.html",
        "/Statics/a6000010-0000-4000-8000-000000000010.html",
        "/Statics/a5000002-0000-4000-8000-000000000002.html",
        CAPTCHA,  # fetched: the parser, not the crawl, tells a captcha from a page
    ]
    refused = {f.source_uri: f.reason for f in got if isinstance(f, RefusedFile)}
    assert refused == {
        site.base_url + MISSING: f"404 Not Found for {site.base_url + MISSING}",
        "http://english.customs.gov.cn/Statics/b6000002-0000-4000-8000-000000000002.html": (
            "http://english.customs.gov.cn/Statics/b6000002-0000-4000-8000-000000000002.html: on another host "
            f"than {site.base_url}/statics/report/monthly.html, not fetched"
        ),
    }
    assert site.requests[NOT_LISTED] == 0  # a Bulletin table this project does not read
    assert max(site.requests.values()) == 1
    assert site.user_agents == {settings.user_agent}


def test_bulletin_pages_are_staged_as_their_own_product_and_a_page_without_unit_row_waits_for_a_vintage(
    tmp_path: Path, site: BulletinSite
) -> None:
    settings = _settings(tmp_path, site.base_url)

    report = ingest(BulletinSource(settings, [2019, 2020]), settings)

    assert report.source_errors == []
    assert len(report.staged) == 3
    assert report.index_pages == 2
    quarantined = dict(report.quarantined)
    no_unit = site.base_url + "/Statics/a5000002-0000-4000-8000-000000000002.html"
    assert quarantined[no_unit] == (
        f"file {no_unit}, table 'bulletin_trade_mode': no Unit row, and no other vintage of 2019-02 is staged "
        "yet to confirm US$1,000: waiting, checked again on every ingest"
    )
    waiting = pl.read_parquet(settings.manifest_path).filter(pl.col("source_uri") == no_unit)
    assert waiting.select("status", "quarantine_reason").rows() == [("quarantined", "unconfirmed")]
    assert "captcha" in quarantined[site.base_url + CAPTCHA]
    assert len(report.refused) == 2

    manifest = pl.read_parquet(settings.manifest_path).filter(pl.col("status") == "staged")
    assert sorted(manifest.select("product", "table_id", "period", "currency").rows()) == [
        ("bulletin", "bulletin_by_partner", "2019-10", "USD"),
        ("bulletin", "bulletin_trade_mode", "2019-10", "USD"),
        ("bulletin", "bulletin_trade_mode", "2019-12", "USD"),
    ]
    cells = scan_staging(STG_PRELIMINARY, settings.staging_dir).collect()
    assert set(cells["product"]) == {"bulletin"}
    total = cells.filter(
        (pl.col("table_id") == "bulletin_trade_mode")
        & (pl.col("period") == "2019-12")
        & (pl.col("trade_mode_code") == "TOTAL")
        & (pl.col("measure") == "value")
    )
    assert sorted(total.select("direction", "span", "amount_whole_units").rows()) == [
        ("export", "month", 230_000_000_000),
        ("export", "ytd", 2_500_000_000_000),
        ("import", "month", 180_000_000_000),
        ("import", "ytd", 2_080_000_000_000),
    ]
    assert total["release_id"].unique().to_list() == ["bulletin:2019-12:2020-01-20"]
    # November is not staged: the Bulletin's months are not the preliminary release's periods, so the
    # preliminary completeness rule leaves them alone (the Bulletin's own check is the gate's work).
    assert no_missing_periods(cells).height == 0

    again = ingest(BulletinSource(settings, [2019, 2020]), settings)
    assert again.staged == []
    assert site.requests["/Statics/a5000010-0000-4000-8000-000000000010.html"] == 1  # staged: not asked again


def test_page_without_unit_row_is_staged_once_the_preliminary_totals_of_the_month_agree(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    (landing / "1-preliminary").mkdir(parents=True)
    (landing / "2-bulletin").mkdir()
    shutil.copy(FIXTURES / "preliminary_t1_totals_2019-01-02_usd.html", landing / "1-preliminary")
    shutil.copy(FIXTURES / "customs_regime_2019-02_usd_no_unit_row.html", landing / "2-bulletin")
    settings = Settings(data_dir=tmp_path / "data")

    report = ingest(LandingSource(landing), settings)

    assert report.quarantined == []
    assert len(report.staged) == 2
    cells = scan_staging(STG_PRELIMINARY, settings.staging_dir).collect()
    bulletin = cells.filter((pl.col("product") == "bulletin") & (pl.col("measure") == "value"))
    assert set(bulletin.select("period", "unit_label", "scale").rows()) == {("2019-02", "US$1,000", 1_000)}
    total = bulletin.filter(pl.col("trade_mode_code") == "TOTAL").sort("direction", "span")
    assert total.select("direction", "span", "amount_whole_units").rows() == [
        ("export", "month", 135_000_000_000),
        ("export", "ytd", 352_000_000_000),
        ("import", "month", 131_000_000_000),
        ("import", "ytd", 318_000_000_000),
    ]
