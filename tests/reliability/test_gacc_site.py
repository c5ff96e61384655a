"""The GACC crawler against a hostile site on 127.0.0.1, through the real `customs ingest` in a child
process: same host only, response bytes capped after decompression, an overall deadline per request,
no retry of a 4xx, no URL fetched twice in one crawl, and one line per problem naming the URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from config.settings import Settings
from tests.reliability.conftest import CHILD_PEAK_RSS_CAP_BYTES, ChildRun, run_customs
from tests.reliability.hostile_server import CountingServer, HostileGacc, gzip_bomb

pytestmark = pytest.mark.slow

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
DEADLINE_SECONDS = 5


@pytest.fixture
def site() -> Iterator[HostileGacc]:
    with HostileGacc() as server:
        yield server


@pytest.fixture
def other_host() -> Iterator[CountingServer]:
    with CountingServer("127.0.0.2") as server:  # another loopback address: another host
        yield server


def _crawl(site: HostileGacc, tmp_path: Path, api_url: str, env: dict[str, str] | None = None) -> ChildRun:
    data = str(tmp_path / "data")
    return run_customs(
        ["ingest", "--source", "gacc", "--base-url", site.base_url, "--year", "2025", "--data-dir", data],
        tmp_path,
        api_url,
        {
            "CUSTOMS_GACC_INDEX_PATH": "/index?year={year}",
            "CUSTOMS_HTTP_POLITE_DELAY_SECONDS": "0",
            "CUSTOMS_GACC_BULLETIN": "false",  # this site has no Monthly Bulletin
            "CUSTOMS_HTTP_TIMEOUT_SECONDS": "20",  # per read: the drip's bytes each come well within it
            "CUSTOMS_HTTP_RETRIES": "2",
            "CUSTOMS_HTTP_BACKOFF_SECONDS": "0.01",
            **(env or {}),
        },
    )


def test_a_hostile_site_costs_one_line_per_page_and_the_good_pages_are_staged(
    tmp_path: Path, prefect_api_url: str, site: HostileGacc, other_host: CountingServer
) -> None:
    hrefs = site.hrefs
    hostile = {
        "redirect_other_host": hrefs[0],
        "endless": hrefs[1],
        "drip": hrefs[2],
        "not_found": hrefs[3],
        "bomb": hrefs[4],
        "captcha": hrefs[5],
        "redirect_same_host": hrefs[6],
    }
    for behaviour, href in hostile.items():
        site.behaviours["/" + href] = behaviour  # type: ignore[assignment]
    site.other_host_url = other_host.base_url
    # A link to another host, and the captcha page listed eleven times over.
    site.relink(hrefs[7], other_host.base_url + "/" + hrefs[7])
    for href in hrefs[8:18]:
        site.relink(href, hostile["captcha"])
    url = {behaviour: site.url("/" + href) for behaviour, href in hostile.items()}

    run = _crawl(
        site,
        tmp_path,
        prefect_api_url,
        {
            "CUSTOMS_HTTP_MAX_RESPONSE_BYTES": str(MAX_RESPONSE_BYTES),
            "CUSTOMS_HTTP_REQUEST_DEADLINE_SECONDS": str(DEADLINE_SECONDS),
        },
    )

    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    assert run.peak_rss_bytes < CHILD_PEAK_RSS_CAP_BYTES
    assert sum(other_host.hits.values()) == 0  # neither the link nor the redirect was followed
    for behaviour in ("redirect_other_host", "endless", "drip", "not_found", "bomb", "captcha"):
        assert site.hits["/" + hostile[behaviour]] == 1, behaviour  # never retried, never fetched twice
    too_large = (
        f"response larger than {MAX_RESPONSE_BYTES:,} bytes (CUSTOMS_HTTP_MAX_RESPONSE_BYTES), cut off"
    )
    refusals = {
        url["redirect_other_host"]: f"{url['redirect_other_host']} leads to another host "
        f"({other_host.base_url}/{hostile['redirect_other_host']}): not followed",
        url["endless"]: f"{url['endless']}: {too_large}",
        url["bomb"]: f"{url['bomb']}: {too_large}",
        url["drip"]: f"{url['drip']}: response not complete after {DEADLINE_SECONDS} s "
        "(CUSTOMS_HTTP_REQUEST_DEADLINE_SECONDS), cut off",
        url["not_found"]: f"404 Not Found for {url['not_found']}",
        f"{other_host.base_url}/{hrefs[7]}": f"{other_host.base_url}/{hrefs[7]}: on another host than "
        f"{site.url('/index?year=2025')}, not fetched",
    }
    lines = run.output.splitlines()
    for refused_url, why in refusals.items():
        assert f"refused {why}" in lines, why
        assert all(line.endswith(why) for line in run.lines_naming(refused_url)), why  # never wrapped
    assert "attempts" not in run.output

    manifest = pl.read_parquet(tmp_path / "data" / "archive" / "manifest.parquet")
    # Refused responses are not archived; the captcha is, once, and quarantined.
    assert not set(refusals) & set(manifest["source_uri"])
    assert manifest.filter(pl.col("status") == "quarantined")["source_uri"].to_list() == [url["captcha"]]
    served = [
        h for h in hrefs[:7] + hrefs[18:] if h not in set(hostile.values()) - {hostile["redirect_same_host"]}
    ]
    staged = manifest.filter(pl.col("status") == "staged")["source_uri"].to_list()
    assert sorted(staged) == sorted(site.url("/" + h) for h in served)
    assert url["redirect_same_host"] in staged  # a redirect on the same host is followed
    assert max(p.stat().st_size for p in (tmp_path / "data" / "archive" / "raw").rglob("*.*")) < 1024 * 1024


def test_a_gzip_bomb_index_page_is_cut_at_the_cap_in_bounded_memory(
    tmp_path: Path, prefect_api_url: str, site: HostileGacc
) -> None:
    site.index_bomb_mib = 2048  # 2 GiB of zeros in 2 MB of gzip
    gzip_bomb(site.index_bomb_mib)  # built before the crawl starts its clock

    run = _crawl(site, tmp_path, prefect_api_url)

    assert run.exit_code == 1, run.output
    assert "Traceback" not in run.output
    assert run.peak_rss_bytes < CHILD_PEAK_RSS_CAP_BYTES
    index_url = site.url("/index?year=2025")
    cap = Settings().http_max_response_bytes
    why = f"{index_url}: response larger than {cap:,} bytes (CUSTOMS_HTTP_MAX_RESPONSE_BYTES), cut off"
    assert f"source failed {why}" in run.output.splitlines()
    assert site.hits["/index"] == 1
    assert sum(site.hits.values()) == 1  # nothing else was fetched
