"""A 2018 crawl of GACC's site, through the real `customs ingest` and `customs repair` in a child process.

2018-2019 table pages may print no `(N)`, no month and no currency in their title: the edition and the
month are those of the index page's link, and a title that names them must agree with the link.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest

from config.settings import settings_for
from flows.ingest.staging import scan_staging
from tests.conftest import REPO_ROOT
from tests.reliability.conftest import ChildRun, run_customs
from warehouse.tables import STG_PRELIMINARY

pytestmark = pytest.mark.slow

PAGES = REPO_ROOT / "tests" / "fixtures" / "pages"
UNTITLED_2018 = "t2_trade_mode_2018-08_no_number_no_period_no_currency.html"
TRADE_MODE_PATH = "/Statics/2-cny-2018-08.html"
USD_TITLED_PATH = "/Statics/1-cny-2018-08.html"
SERVER_JOIN_TIMEOUT_SECONDS = 10

_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May.", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec.")


def _months_cell(links: dict[int, str]) -> str:
    """The index's month cell as GACC prints it: a link where a page exists, plain text elsewhere."""
    cells = [
        f'<a href="{links[number]}"> {name}</a>' if number in links else f"<span>{name}</span>"
        for number, name in enumerate(_MONTHS, start=1)
    ]
    return "".join(cells[:6]) + "</br>" + "".join(cells[6:])


def _index_2018() -> bytes:
    rows = [
        ("(1) China's Total Export &amp; Import Values (in CNY)", {8: USD_TITLED_PATH}),
        ("(2) China's Total Export &amp; Import Values by Trade Mode (in CNY)", {8: TRADE_MODE_PATH}),
        ("(7) Statistics Bulletin on Freight Supervision", {}),
    ]
    body = "".join(f"<tr><td>{title}</td><td>{_months_cell(links)}</td></tr>" for title, links in rows)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>Preliminary Release</title></head><body>'
        '<div class="nr-n-content-detail"><div class="m-report-title"><span>Year</span>'
        '<select id="preliminarysel"><option value="2019">2019</option>'
        '<option value="2018" selected="selected">2018</option></select></div>'
        f"<table><thead><tr><th>Title</th><th>Month</th></tr></thead><tbody>{body}</tbody></table>"
        "</div></body></html>"
    ).encode()


def _usd_titled_totals() -> bytes:
    """A totals page whose title and unit say USD, listed by the index as the CNY edition."""
    page = (PAGES / "totals_2018-08_rmb_unnumbered.html").read_bytes()
    return page.replace(b"(in RMB)", b"(in USD)").replace(b"RMB 100 Million", b"USD 100 Million")


class Site2018:
    def __init__(self) -> None:
        self.routes = {
            "/index?year=2018": _index_2018(),
            TRADE_MODE_PATH: (PAGES / UNTITLED_2018).read_bytes(),
            USD_TITLED_PATH: _usd_titled_totals(),
        }
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                body = routes.get(self.path)
                status = 200 if body is not None else 404
                body = body if body is not None else b"<html><body>404 Not Found</body></html>"
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Site2018:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=SERVER_JOIN_TIMEOUT_SECONDS)


@pytest.fixture
def site() -> Iterator[Site2018]:
    with Site2018() as server:
        yield server


def _customs(args: list[str], site: Site2018, tmp_path: Path, api_url: str) -> ChildRun:
    return run_customs(
        [*args, "--data-dir", str(tmp_path / "data")],
        tmp_path,
        api_url,
        {
            "CUSTOMS_GACC_INDEX_PATH": "/index?year={year}",
            "CUSTOMS_HTTP_POLITE_DELAY_SECONDS": "0",
            "CUSTOMS_GACC_BULLETIN": "false",  # this site has no Monthly Bulletin
            "CUSTOMS_HTTP_TIMEOUT_SECONDS": "20",
            "CUSTOMS_HTTP_RETRIES": "1",
            "CUSTOMS_HTTP_BACKOFF_SECONDS": "0.01",
        },
    )


def _pages(manifest: pl.DataFrame) -> pl.DataFrame:
    return manifest.filter(pl.col("status") != "index").sort("source_uri")


def test_a_2018_title_without_month_or_currency_is_read_with_the_index_links_edition_and_month(
    tmp_path: Path, prefect_api_url: str, site: Site2018
) -> None:
    run = _customs(
        ["ingest", "--source", "gacc", "--base-url", site.base_url, "--year", "2018"],
        site,
        tmp_path,
        prefect_api_url,
    )

    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    settings = settings_for(str(tmp_path / "data"))
    manifest = pl.read_parquet(settings.manifest_path)
    trade_mode_url = site.base_url + TRADE_MODE_PATH
    usd_url = site.base_url + USD_TITLED_PATH
    disagreement = f"file {usd_url}: the title says USD but the index page's link is the CNY edition"
    assert _pages(manifest).select(
        "source_uri", "status", "table_id", "currency", "period", "error"
    ).rows() == [
        (usd_url, "quarantined", None, "CNY", "2018-08", disagreement),
        (trade_mode_url, "staged", "trade_mode_month", "CNY", "2018-08", None),
    ]
    quarantined = run.lines_naming(usd_url)
    assert quarantined and all(line.endswith(disagreement) for line in quarantined), run.output

    cells = scan_staging(STG_PRELIMINARY, settings.staging_dir).collect()
    assert set(cells["source_sha256"]) == set(
        manifest.filter(pl.col("source_uri") == trade_mode_url)["source_sha256"]
    )
    assert set(cells.select("currency", "period", "table_id").rows()) == {
        ("CNY", "2018-08", "trade_mode_month")
    }
    printed = cells.filter(pl.col("measure") == "value").select(
        "label", "direction", "figure_as_published", "amount_whole_units"
    )
    # As the page prints them, in CNY 100 million.
    assert ("Total Value", "export", 14_100.2, 1_410_020_000_000) in printed.rows()
    assert ("Ordinary Trade", "import", 7_199.6, 719_960_000_000) in printed.rows()
    assert ("Exports of Foreign Contracted Project", "import", None, None) in printed.rows()

    # Rebuilt from the raw archive, the pages are read with the same hints: same outcome.
    repaired = _customs(["repair"], site, tmp_path, prefect_api_url)
    assert repaired.exit_code == 0, repaired.output
    rebuilt = pl.read_parquet(settings.manifest_path)
    columns = ("source_uri", "status", "table_id", "currency", "period", "error", "release_id")
    assert _pages(rebuilt).select(columns).rows() == _pages(manifest).select(columns).rows()
