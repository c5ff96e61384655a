"""The Data Docs of the demo's gate run in headless Chromium with the network off: styled, tables filled.

A small script added to a copy of each page (next to it, so relative paths hold) records what only a
browser knows: the computed style of bootstrap's classes and Font Awesome's icons, and which libraries
loaded. bootstrap-table fills the index's table from JavaScript: rows in the dumped DOM mean jQuery and
bootstrap-table ran. A control copy still pointing at the CDNs shows the network really is off.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from expectations.docs import CDN_ASSETS, DocsRun, docs_history
from tests.integration.chromium import find_chromium, run_chromium

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WIDTH, HEIGHT = 1280, 1600
PROBE_SCRIPT = """<script>
(function () {
  const style = (selector, property) => {
    const node = document.querySelector(selector);
    return node ? getComputedStyle(node).getPropertyValue(property) : null;
  };
  const icon = document.createElement("i");
  icon.className = "fas fa-check-circle";
  document.body.appendChild(icon);
  document.body.dataset.probe = JSON.stringify({
    jquery: typeof window.jQuery, bootstrapTable: typeof (window.jQuery && jQuery.fn.bootstrapTable),
    vega: typeof window.vega, vegaEmbed: typeof window.vegaEmbed,
    buttonBackground: style(".btn-secondary", "background-color"),
    cellBorder: style("table.table td", "border-top-color"),
    iconFont: getComputedStyle(icon).getPropertyValue("font-family"),
  });
})();
</script>
"""
BOOTSTRAP_SECONDARY = "rgb(108, 117, 125)"  # bootstrap 4's $secondary, .btn-secondary's background
BOOTSTRAP_TABLE_BORDER = "rgb(222, 226, 230)"  # bootstrap 4's .table cell rule ($table-border-color)


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


@pytest.fixture(scope="module")
def gate_run(
    chromium: str, published_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, DocsRun]:
    # A copy: the probes write pages beside the originals, and the published demo is shared read-only.
    root = tmp_path_factory.mktemp("data-docs") / "data_docs"
    shutil.copytree(published_demo / "data_docs", root)
    runs = docs_history(root)
    assert [r.kind for r in runs] == ["runs"], "the demo's one publishing run"
    return root, runs[0]


def _probe(chromium: str, page: Path, work: Path) -> tuple[LexborHTMLParser, dict[str, str | None]]:
    html = page.read_text(encoding="utf-8")
    assert html.count("</body>") == 1
    probe = page.with_name(f".probe-{work.name}.html")
    probe.write_text(html.replace("</body>", PROBE_SCRIPT + "</body>"), encoding="utf-8")
    try:
        run = run_chromium(chromium, probe, work, width=WIDTH, height=HEIGHT)
    finally:
        probe.unlink()
    dom = LexborHTMLParser(run.dom)
    body = dom.css_first("body")
    assert body is not None and body.attributes.get("data-probe"), "the probe script did not run"
    return dom, json.loads(body.attributes["data-probe"] or "{}")


def test_the_history_lists_the_run(gate_run: tuple[Path, DocsRun]) -> None:
    root, run = gate_run
    tree = LexborHTMLParser((root / "index.html").read_text(encoding="utf-8"))
    assert [a.attributes.get("href") for a in tree.css("#runs a")] == [run.index_path]
    assert (root / run.index_path).is_file()


def test_run_index_is_styled_and_its_table_filled_offline(
    chromium: str, gate_run: tuple[Path, DocsRun], tmp_path: Path
) -> None:
    root, run = gate_run
    index = root / run.index_path
    dom, probe = _probe(chromium, index, tmp_path / "index")
    assert probe["jquery"] == "function" and probe["bootstrapTable"] == "function"
    assert probe["vega"] == "object" and probe["vegaEmbed"] == "function"
    assert probe["buttonBackground"] == BOOTSTRAP_SECONDARY, probe
    assert probe["cellBorder"] == BOOTSTRAP_TABLE_BORDER, probe
    assert "Font Awesome 6 Free" in (probe["iconFont"] or "")
    # A row per suite validated, 10 to a page: bootstrap-table built them from the page's data.
    rows = dom.css("table.ge-index-page-validation-results-table tbody tr")
    assert run.suites > 10 and len(rows) == 10
    assert all(row.css_first("a.ge-index-page-table-expectation-suite-link") for row in rows)
    assert f"of {run.suites} rows" in " ".join(dom.css_first("body").text().split())


def test_a_validation_page_is_styled_offline(
    chromium: str, gate_run: tuple[Path, DocsRun], tmp_path: Path
) -> None:
    root, run = gate_run
    page = next((root / run.kind / run.run_id / "validations").rglob("*.html"))
    dom, probe = _probe(chromium, page, tmp_path / "validation")
    assert probe["jquery"] == "function" and probe["cellBorder"] == BOOTSTRAP_TABLE_BORDER, probe
    assert "Font Awesome 6 Free" in (probe["iconFont"] or "")
    assert dom.css("table.table tbody tr")


def test_with_the_cdn_addresses_the_page_stays_empty_offline(
    chromium: str, gate_run: tuple[Path, DocsRun], tmp_path: Path
) -> None:
    root, run = gate_run
    index = root / run.index_path
    html = index.read_text(encoding="utf-8")
    for url, local in CDN_ASSETS.items():
        html = html.replace(f'"../../assets/{local}"', f'"{url}"')
    assert "assets/" not in html.split("<body")[0]
    control = index.with_name(".control.html")
    control.write_text(html, encoding="utf-8")
    try:
        dom, probe = _probe(chromium, control, tmp_path / "control")
    finally:
        control.unlink()
    assert probe["jquery"] == "undefined" and probe["buttonBackground"] != BOOTSTRAP_SECONDARY, probe
    assert not dom.css("table.ge-index-page-validation-results-table tbody tr")
