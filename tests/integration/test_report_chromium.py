"""The HTML report in a real browser: headless Chromium lays it out, and the charts must have drawn.

One Chromium run dumps the DOM and takes a screenshot of a copy of the report with a small script
added (the report itself has none) that writes each chart's position into the DOM. The test then
counts the drawn elements of each chart and checks, in the screenshot, that each chart's area holds
ink and its series' colours.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
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

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WIDTH, HEIGHT = 1280, 2400
CHROMIUM_TIMEOUT_SECONDS = 180  # a cold start on a loaded CI machine; a hang must not stall the suite

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
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not on PATH (Debian: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: CI must run the browser check", pytrace=False)
        pytest.skip(reason)
    return path


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
    shot, dom, log = work / "shot.png", work / "dom.html", work / "chromium.log"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={work / 'profile'}",
        f"--screenshot={shot}",
        "--dump-dom",
        f"--window-size={WIDTH},{HEIGHT}",
        "--force-device-scale-factor=1",  # CSS pixels = screenshot pixels
        "--hide-scrollbars",
        page.as_uri(),
    ]
    # Output to files, not pipes: a helper Chromium leaves behind (crashpad) would hold a pipe open.
    # Its own session, so that every process it started can be ended by the group id on the way out.
    with dom.open("wb") as out, log.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        try:
            returncode = process.wait(timeout=CHROMIUM_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            with contextlib.suppress(ProcessLookupError):  # the whole group has already exited
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    errors = log.read_text(errors="replace")[-3000:]
    assert returncode is not None, f"Chromium did not finish in {CHROMIUM_TIMEOUT_SECONDS} s:\n{errors}"
    assert returncode == 0, f"Chromium exited with {returncode}:\n{errors}"
    assert shot.is_file(), f"no screenshot:\n{errors}"
    return Rendered(LexborHTMLParser(dom.read_text(encoding="utf-8")), Image.open(shot).convert("RGB"))


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
    # December 2025 in the demo: surpluses with most partners, deficits with Taiwan and Australia.
    "chart-surplus-by-partner": (SURPLUS_PARTNERS, (EXPORTS_COLOUR, NEGATIVE_COLOUR)),
    # Exports to the United States fell on a year earlier, most others rose.
    "chart-partner-yoy": (TOP_PARTNERS, (EXPORTS_COLOUR, NEGATIVE_COLOUR)),
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
