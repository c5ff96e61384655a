"""Data Docs: a static GX site per gate run, written next to the warehouse, readable offline."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from selectolax.lexbor import LexborHTMLParser

from expectations.docs import (
    ASSETS_SOURCE,
    CDN_ASSETS,
    build_data_docs,
    docs_history,
    external_resources,
    localise,
    run_docs_dir,
)
from expectations.gate import GateResult, validate_checks
from expectations.rules import rule_named
from expectations.suites import contract_check
from tests.unit.expectations import frames
from warehouse.tables import FACT_PARTNER_TRADE

SUITES = (
    "contract.core.fact_partner_trade",
    "rules.core.fact_partner_trade.implied_rate_plausible",
    "rules.core.fact_partner_trade.no_missing_periods",
)


def _gate(run_id: str, *, broken: bool, minutes_later: int = 0) -> GateResult:
    trade = frames.fact_partner_trade(frames.PERIODS[-3:])
    if broken:
        trade = trade.with_columns(
            implied_cny_per_usd=pl.when(pl.col("partner_code") == "JPN")
            .then(1.0)
            .otherwise(pl.col("implied_cny_per_usd"))
        )
    return validate_checks(
        [
            contract_check(FACT_PARTNER_TRADE, trade, frames.PARTNER_CODES),
            rule_named("implied_rate_plausible", FACT_PARTNER_TRADE).check(trade),
            rule_named("no_missing_periods", FACT_PARTNER_TRADE).check(trade),
        ],
        run_id=run_id,
        validated_at=frames.VALIDATED_AT + timedelta(minutes=minutes_later),
    )


@pytest.fixture(scope="module")
def broken_gate() -> GateResult:
    return _gate("20260113T080000Z-aaaa0001", broken=True)


def _local_loads(page: Path) -> list[str]:
    """Scripts, stylesheets and the logo the page loads (GX's own favicon link is one level short: a
    missing favicon costs nothing)."""
    tree = LexborHTMLParser(page.read_text(encoding="utf-8"))
    nodes = [*tree.css("script[src]"), *tree.css('link[rel="stylesheet"]'), *tree.css("img[src]")]
    return [value for node in nodes if (value := node.attributes.get("src") or node.attributes.get("href"))]


def test_data_docs_of_a_run_are_written_under_its_id(broken_gate: GateResult, tmp_path: Path) -> None:
    root = tmp_path / "data" / "data_docs"
    index = build_data_docs(broken_gate, root)
    site = root.resolve() / "runs" / broken_gate.run_id
    assert index == site / "index.html"
    html = index.read_text()
    for suite in SUITES:
        assert suite in html
    pages = list((site / "validations").rglob("*.html"))
    assert len(pages) == 3
    implied = next(p for p in pages if "implied_rate_plausible" in str(p)).read_text()
    assert "expect_implied_rate_to_be_plausible" in implied or "5 and 9 yuan per dollar" in implied


def test_pages_load_nothing_from_the_network_and_every_local_asset_exists(
    broken_gate: GateResult, tmp_path: Path
) -> None:
    root = tmp_path / "data_docs"
    build_data_docs(broken_gate, root)
    site = root / "runs" / broken_gate.run_id
    files = [*site.rglob("*.html"), *site.rglob("*.css"), root / "index.html"]
    assert len(files) >= 5
    for path in files:
        assert external_resources(path.read_text(encoding="utf-8")) == [], path
    page_loads = 0
    for page in site.rglob("*.html"):
        for value in _local_loads(page):
            assert (page.parent / value).resolve().is_file(), f"{page.relative_to(root)}: {value}"
            page_loads += 1
    # jQuery, bootstrap, bootstrap-table, vega, font-awesome, ... on every GX page.
    assert page_loads >= 4 * len(CDN_ASSETS)
    # Subresource integrity would make a page opened from a file refuse its scripts.
    assert not any("integrity=" in p.read_text() for p in site.rglob("*.html"))
    # The assets are copied once for every run, with their licences.
    assert (root / "assets" / "jquery-3.7.1" / "LICENSE.txt").is_file()
    assert sorted(p.name for p in (root / "assets").iterdir() if p.is_dir()) == sorted(
        p.name for p in ASSETS_SOURCE.iterdir() if p.is_dir()
    )


def test_every_cdn_address_has_its_vendored_file() -> None:
    for url, local in CDN_ASSETS.items():
        assert (ASSETS_SOURCE / local).is_file(), url
        assert (ASSETS_SOURCE / local.split("/")[0]).glob("LICENSE*"), url
    page = '<script src="https://code.jquery.com/jquery-3.7.1.min.js" integrity="sha384-x" crossorigin="anonymous"></script>'
    assert localise(page, to_docs_root="../../", to_site="../") == (
        '<script src="../../assets/jquery-3.7.1/jquery.min.js"></script>'
    )
    unknown = '<script src="https://example.org/other.js"></script>'
    assert localise(unknown, to_docs_root="", to_site="") == unknown
    assert external_resources(unknown) == ["https://example.org/other.js"]


def test_history_keeps_every_run_and_validate_runs_go_aside(broken_gate: GateResult, tmp_path: Path) -> None:
    root = tmp_path / "data_docs"
    build_data_docs(broken_gate, root)
    published = root / "runs" / broken_gate.run_id / "index.html"
    published_bytes = published.read_bytes()
    later = _gate("20260213T080000Z-bbbb0002", broken=False, minutes_later=60)
    build_data_docs(later, root)
    trial = _gate("validate-20260214T090000Z", broken=True, minutes_later=120)
    trial_index = build_data_docs(trial, root)

    assert trial_index == root.resolve() / "validate" / trial.run_id / "index.html"
    assert run_docs_dir(root, trial.run_id).parent.name == "validate"
    # The trial run wrote beside the published runs' docs, not over them.
    assert published.read_bytes() == published_bytes
    history = docs_history(root)
    assert [(r.run_id, r.kind, r.passed) for r in history] == [
        (trial.run_id, "validate", False),
        (later.run_id, "runs", True),
        (broken_gate.run_id, "runs", False),
    ]
    assert history[-1].critical_failures == len(broken_gate.critical_failures) > 0
    tree = LexborHTMLParser((root / "index.html").read_text(encoding="utf-8"))
    links = [a.attributes.get("href") for a in tree.css("#runs a")]
    assert links == [f"runs/{later.run_id}/index.html", f"runs/{broken_gate.run_id}/index.html"]
    assert [a.attributes.get("href") for a in tree.css("#validate a")] == [
        f"validate/{trial.run_id}/index.html"
    ]
    assert [td.text() for td in tree.css("#runs td.failed")] == ["FAILED"]
    for href in [*links, f"validate/{trial.run_id}/index.html"]:
        assert href is not None and (root / href).is_file()


def test_rebuilding_a_run_replaces_it_whole(broken_gate: GateResult, tmp_path: Path) -> None:
    root = tmp_path / "data_docs"
    build_data_docs(broken_gate, root)
    build_data_docs(broken_gate.validations, root, run_name=broken_gate.run_id)
    assert sorted(p.name for p in root.iterdir()) == ["assets", "index.html", "runs"]
    assert [p.name for p in (root / "runs").iterdir()] == [broken_gate.run_id]
    # Bare records: the outcome is the suites' own.
    (run,) = docs_history(root)
    assert (run.passed, run.critical_failures) == (False, None)
    assert run.failed_suites >= 1


def test_a_run_id_that_is_not_a_folder_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=re.escape("not a run id usable as a folder name: '../x'")):
        run_docs_dir(tmp_path, "../x")
