"""The HTML report in a real browser: headless Chromium lays it out, and the charts must have drawn.

One Chromium run, with the network off, dumps the DOM and takes a screenshot of a copy of the report with a small script
added (the report itself has none) that writes each chart's position into the DOM. The test then
counts the drawn elements of each chart and checks, in the screenshot, that each chart's area holds
ink and its series' colours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from PIL import Image
from selectolax.lexbor import LexborHTMLParser

from report.charts import EXPORTS_COLOUR, IMPORTS_COLOUR, NEGATIVE_COLOUR
from report.command import write_html_report
from report.data import HISTORY_PERIODS, SURPLUS_PARTNERS, TOP_PARTNERS
from tests.integration.chromium import find_chromium, run_chromium

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The whole December page: its last chart, in the revisions section (with the Bulletin's revisions
# listed above it), ends near 4,550 px.
WIDTH, HEIGHT = 1280, 5600

# Records where each chart's <svg> landed, in page pixels (= screenshot pixels at scale factor 1).
MEASURE_SCRIPT = """<script>
for (const figure of document.querySelectorAll("figure.chart")) {
  const svg = figure.querySelector("svg");
  if (!svg) continue;
  const r = svg.getBoundingClientRect();
  figure.dataset.rect = [r.left + scrollX, r.top + scrollY, r.width, r.height].map(Math.round).join(",");
}
</script>
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


@pytest.fixture(scope="module")
def report(chromium: str, published_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # `chromium` first: without a browser, fail or skip before anything else.
    yield write_html_report(
        published_demo / "warehouse.duckdb", "2025-12", tmp_path_factory.mktemp("report-chromium")
    )


@dataclass(frozen=True)
class Rendered:
    dom: LexborHTMLParser
    screenshot: Image.Image


@pytest.fixture(scope="module")
def rendered(chromium: str, report: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    work = tmp_path_factory.mktemp("chromium")
    page = work / "measured.html"
    html = report.read_text(encoding="utf-8")
    assert html.count("</body>") == 1
    page.write_text(html.replace("</body>", MEASURE_SCRIPT + "</body>"), encoding="utf-8")
    run = run_chromium(chromium, page, work, width=WIDTH, height=HEIGHT)
    return Rendered(LexborHTMLParser(run.dom), Image.open(run.screenshot).convert("RGB"))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _count_near(colours: list[tuple[int, tuple[int, int, int]]], target: str, tolerance: int = 12) -> int:
    r, g, b = _rgb(target)
    return sum(
        n
        for n, (cr, cg, cb) in colours
        if abs(cr - r) <= tolerance and abs(cg - g) <= tolerance and abs(cb - b) <= tolerance
    )


# chart id → (minimum <path> elements: its bars; the series colours its bars must show)
CHARTS = {
    "chart-monthly-trade": (2 * HISTORY_PERIODS, (EXPORTS_COLOUR, IMPORTS_COLOUR)),
    # December 2025 in the demo: surpluses with most countries, deficits with Taiwan and Australia.
    "chart-surplus-by-country": (SURPLUS_PARTNERS, (EXPORTS_COLOUR, NEGATIVE_COLOUR)),
    # The groups (ASEAN, EU, BRI, ...): China's surplus with each.
    "chart-surplus-by-group": (3, (EXPORTS_COLOUR,)),
    # Exports to the United States fell on a year earlier, most others rose.
    "chart-partner-yoy": (TOP_PARTNERS, (EXPORTS_COLOUR, NEGATIVE_COLOUR)),
    # China's exports and imports, first print and latest (lines and markers), and the revision (bars).
    "chart-first-print": (2 * HISTORY_PERIODS, (EXPORTS_COLOUR, IMPORTS_COLOUR)),
}


def test_the_page_is_the_report(rendered: Rendered) -> None:
    assert rendered.screenshot.size == (WIDTH, HEIGHT)
    h1 = rendered.dom.css_first("h1")
    assert h1 is not None and "December 2025" in h1.text()
    assert [f.attributes.get("id") for f in rendered.dom.css("figure.chart")] == list(CHARTS)


@pytest.mark.parametrize("chart_id", list(CHARTS))
def test_chart_is_an_svg_with_its_bars(rendered: Rendered, chart_id: str) -> None:
    figure = rendered.dom.css_first(f"figure#{chart_id}")
    assert figure is not None
    svgs = figure.css("svg")
    assert len(svgs) == 1
    min_paths, _ = CHARTS[chart_id]
    assert len(svgs[0].css("path")) >= min_paths


@pytest.mark.parametrize("chart_id", list(CHARTS))
def test_chart_drew_on_screen(rendered: Rendered, chart_id: str) -> None:
    figure = rendered.dom.css_first(f"figure#{chart_id}")
    assert figure is not None
    rect = figure.attributes.get("data-rect")
    assert rect, "the measuring script found no <svg> in the laid-out figure"
    left, top, width, height = (int(v) for v in rect.split(","))
    assert width >= 300 and height >= 150, f"chart laid out at {width}x{height} px"
    assert left >= 0 and top >= 0 and left + width <= WIDTH and top + height <= HEIGHT, (
        f"chart at {rect} is outside the {WIDTH}x{HEIGHT} screenshot"
    )
    area = rendered.screenshot.crop((left, top, left + width, top + height))
    counted = area.getcolors(maxcolors=width * height)
    assert counted is not None
    colours = cast(list[tuple[int, tuple[int, int, int]]], counted)  # an RGB image: (count, (r, g, b))
    ink = sum(n for n, (r, g, b) in colours if min(r, g, b) < 235)
    assert ink >= 0.03 * width * height, (
        f"only {ink} non-white pixels of {width * height}: the chart is blank"
    )
    _, series = CHARTS[chart_id]
    for colour in series:
        pixels = _count_near(colours, colour)
        assert pixels >= 200, f"{pixels} pixels of {colour}: its bars did not draw"
