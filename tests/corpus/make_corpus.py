"""Derive the bad-input corpus from the bundled demo releases, deterministically.

Every case of `tests/corpus/cases.py` is a folder `tests/corpus/<case-name>/` of files to drop into a
landing folder. Each file is made here from a demo page or the demo online-query CSV by one small,
named edit (a figure x1000, a row dropped, bytes cut, a re-encoding...), so the corpus can be rebuilt
and reviewed as code rather than as opaque fixtures:

    .venv/bin/python -m tests.corpus.make_corpus           # (re)write every case folder
    .venv/bin/python -m tests.corpus.make_corpus --check   # exit 1 if a committed file differs

`tests/integration/test_bad_inputs.py` checks that the committed files equal what this script makes.
"""

from __future__ import annotations

import argparse
import functools
import html
import re
import shutil
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
REPO_ROOT = CORPUS_DIR.parents[1]
DEMO_RELEASES = REPO_ROOT / "flows" / "ingest" / "demo" / "releases"
DEMO_CSV = DEMO_RELEASES / "online_query" / "online_query_hs8_partner_2024_imports_usd.csv"

# The demo pages the cases start from, by their title (the file names are opaque UUIDs).
T1_USD_DEC = "(1) China's Total Export & Import Values, Dec 2025 (in USD)"
T1_USD_MAR = "(1) China's Total Export & Import Values, Mar 2025 (in USD)"
T4_USD_DEC = "(4) China's Total Export & Import Values by Country/Region, Dec 2025 (in USD)"
T4_CNY_DEC = "(4) China's Total Export & Import Values by Country/Region, Dec 2025 (in CNY)"
T4_USD_JAN_FEB = "(4) China's Total Export & Import Values by Country/Region, January-February 2025 (in USD)"
T4_CNY_JAN_FEB = "(4) China's Total Export & Import Values by Country/Region, January-February 2025 (in CNY)"

# A later publication date makes an edited page a new vintage of its period (a revised release), not a
# same-day re-post: `preliminary:2025-12:2026-01-20`.
REVISED_DEC_2025 = "2026/01/20"
REVISED_JAN_FEB_2025 = "2025/03/20"

# Table (4) figure columns (1-based, after the label): month and January-to-month of each flow, then the
# three January-to-month y/y %. The January-February page has only the cumulative columns.
T4_EI_MONTH, T4_EI_YTD, T4_EX_MONTH, T4_EX_YTD, T4_IM_MONTH, T4_IM_YTD = 1, 2, 3, 4, 5, 6
T4_EX_YOY = 8
T4_MONTH_VALUES = (T4_EI_MONTH, T4_EX_MONTH, T4_IM_MONTH)
T4_VALUES = (T4_EI_MONTH, T4_EI_YTD, T4_EX_MONTH, T4_EX_YTD, T4_IM_MONTH, T4_IM_YTD)
T4_JAN_FEB_VALUES = (1, 2, 3)
# Table (1) figure columns: month value, m/m %, y/y %, January-to-month value, its y/y %.
T1_MONTH_VALUE, T1_MONTH_YOY, T1_YTD_VALUE, T1_YTD_YOY = 1, 3, 4, 5

_TITLE_DIV = re.compile(r'<div class="atcl-ttl">([^<]*)</div>')
_DATE_DIV = re.compile(r'<div class="atcl-date">[^<]*</div>')
_ROW = re.compile(r"[ \t]*<tr>\n.*?</tr>\n", re.S)
_CELL = re.compile(r"<td[^>]*>.*?</td>", re.S)
_TAG = re.compile(r"<[^>]+>")
_FIGURE = re.compile(r"(<b>)([^<]*?)(&nbsp;)?(</b>)")


# --- reading the demo releases ---------------------------------------------------------------------------
@functools.cache
def _demo_pages() -> dict[str, Path]:
    pages: dict[str, Path] = {}
    for path in sorted(DEMO_RELEASES.glob("*/pages/*.html")):
        match = _TITLE_DIV.search(path.read_text(encoding="utf-8"))
        if match is None:
            raise ValueError(f"{path}: no atcl-ttl title")
        pages[html.unescape(match.group(1))] = path
    return pages


def demo_page(title: str) -> str:
    """The demo page with this title, as text (the pages are UTF-8)."""
    return _demo_pages()[title].read_text(encoding="utf-8")


def demo_index(year: int) -> str:
    return (DEMO_RELEASES / str(year) / "index.html").read_text(encoding="utf-8")


def demo_csv() -> str:
    """The demo online-query export (GBK on disk), as text with its CRLF/LF line ends kept."""
    return DEMO_CSV.read_bytes().decode("gbk")


# --- editing a page --------------------------------------------------------------------------------------
def _row_label(row: str) -> str:
    first = _CELL.search(row)
    if first is None:
        return ""
    text = html.unescape(_TAG.sub("", first.group(0)).replace("&nbsp;", " "))
    return re.sub(r"^of which:\s*", "", " ".join(text.split()))


def _rows(page: str) -> list[re.Match[str]]:
    return list(_ROW.finditer(page))


def _row(page: str, label: str) -> re.Match[str]:
    found = [m for m in _rows(page) if _row_label(m.group(0)) == label]
    if len(found) != 1:
        raise ValueError(f"{len(found)} rows labelled {label!r}")
    return found[0]


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def format_figure(value: Decimal) -> str:
    """As GACC prints a value: thousands commas and one decimal."""
    return f"{value.quantize(Decimal('0.1')):,.1f}"


def parse_printed(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def edit_cells(page: str, label: str, edits: Mapping[int, Callable[[str], str]]) -> str:
    """Apply `edits[k]` to the printed figure of the k-th figure cell (1-based) of the row `label`."""
    row = _row(page, label)
    text = row.group(0)
    cells = list(_CELL.finditer(text))
    for position in sorted(edits, reverse=True):
        cell = cells[position]
        figure = _FIGURE.search(cell.group(0))
        if figure is None:
            raise ValueError(f"row {label!r}, cell {position}: no figure")
        new_cell = _replace_span(
            cell.group(0), figure.start(2), figure.end(2), edits[position](figure.group(2))
        )
        text = _replace_span(text, cell.start(), cell.end(), new_cell)
    return _replace_span(page, row.start(), row.end(), text)


def printed_figures(page: str, label: str) -> dict[int, str]:
    """The printed figure of each figure cell (1-based) of the row `label`."""
    cells = list(_CELL.finditer(_row(page, label).group(0)))[1:]
    return {k: m.group(2) for k, cell in enumerate(cells, 1) if (m := _FIGURE.search(cell.group(0)))}


def scale_cells(page: str, label: str, columns: tuple[int, ...], factor: Decimal) -> str:
    def scaled(printed: str) -> str:
        return format_figure(parse_printed(printed) * factor)

    return edit_cells(page, label, dict.fromkeys(columns, scaled))


def _replacement(new: str) -> Callable[[str], str]:
    return lambda _old: new


def set_cells(page: str, label: str, values: Mapping[int, str]) -> str:
    """Print `values[k]` in the k-th figure cell of the row `label`."""
    return edit_cells(page, label, {k: _replacement(v) for k, v in values.items()})


def data_row_labels(page: str) -> list[str]:
    """Labels of the data rows (after the two header rows; the note row excluded)."""
    labels = [_row_label(m.group(0)) for m in _rows(page)]
    first = labels.index("Total") if "Total" in labels else labels.index("Export & Import")
    return [label for label in labels[first:] if not label.startswith("Note:")]


def with_date(page: str, date: str) -> str:
    new, count = _DATE_DIV.subn(f'<div class="atcl-date">{date}</div>', page)
    if count != 1:
        raise ValueError("no atcl-date")
    return new


def replace_once(text: str, old: str, new: str, count: int = 1) -> str:
    """`str.replace`, checking that `old` occurs exactly `count` times (an edit never misses silently)."""
    if text.count(old) != count:
        raise ValueError(f"{old!r} occurs {text.count(old)} times, expected {count}")
    return text.replace(old, new)


def drop_row(page: str, label: str) -> str:
    row = _row(page, label)
    return _replace_span(page, row.start(), row.end(), "")


def duplicate_row(page: str, label: str) -> str:
    row = _row(page, label)
    return _replace_span(page, row.end(), row.end(), row.group(0))


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def gbk(text: str) -> bytes:
    return text.encode("gbk")


# --- parse-level rejections: pages -----------------------------------------------------------------------
def page_truncated_mid_row() -> dict[str, bytes]:
    """The download stopped in the middle of Japan's row: half a table, no closing tags."""
    page = demo_page(T4_USD_DEC)
    japan = _row(page, "Japan")
    cut = japan.start() + japan.group(0).index("154,503.6")  # after Japan's 3rd figure cell
    return {"t4_by_partner_2025-12_usd.html": utf8(page[:cut])}


def page_truncated_at_row_boundary() -> dict[str, bytes]:
    """The download stopped just after a complete row (India): every row left is well formed."""
    page = demo_page(T4_USD_DEC)
    return {"t4_by_partner_2025-12_usd.html": utf8(page[: _row(page, "India").end()])}


def page_shell_no_rows() -> dict[str, bytes]:
    """A shell page: title, unit and header rows, no data row (old GACC pages exist like this)."""
    page = demo_page(T4_USD_DEC)
    for label in data_row_labels(page):
        page = drop_row(page, label)
    return {"t4_by_partner_2025-12_usd.html": utf8(page)}


_ERROR_PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="UTF-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>{text}</p>
<hr><address>nginx</address>
</body>
</html>
"""


def page_error_404() -> dict[str, bytes]:
    """What the server sends for a page that is gone, saved under the page's name."""
    text = _ERROR_PAGE.format(title="404 Not Found", text="The requested URL was not found on this server.")
    return {"t4_by_partner_2025-12_usd.html": utf8(text)}


def page_error_access_denied() -> dict[str, bytes]:
    text = _ERROR_PAGE.format(title="403 Forbidden", text="Access Denied: you don't have permission.")
    return {"t1_totals_2025-12_usd.html": utf8(text)}


def page_captcha_as_table_page() -> dict[str, bytes]:
    """The anti-bot wall served at a table page's address: the site chrome, a captcha form, no table."""
    page = demo_page(T4_USD_DEC)
    start = page.index("<table")
    end = page.index("</table>") + len("</table>")
    form = (
        '<form method="post" action="/verify"><p>请输入验证码 (please enter the verification code)</p>'
        '<img src="/captcha.jpg" alt="captcha"><input name="code"><button>OK</button></form>'
    )
    return {"t4_by_partner_2025-12_usd.html": utf8(page[:start] + form + page[end:])}


def page_empty_file() -> dict[str, bytes]:
    return {"t4_by_partner_2025-12_usd.html": b""}


def page_unit_currency_mismatch() -> dict[str, bytes]:
    """The CNY edition whose unit row says USD (a real GACC slip): rejected, never guessed."""
    page = replace_once(demo_page(T4_CNY_DEC), "Unit: CNY 100 Million", "Unit: USD 1 Million")
    return {"t4_by_partner_2025-12_cny.html": utf8(page)}


def page_unknown_unit() -> dict[str, bytes]:
    page = replace_once(demo_page(T4_CNY_DEC), "Unit: CNY 100 Million", "Unit: CNY 1 Billion")
    return {"t4_by_partner_2025-12_cny.html": utf8(page)}


def page_unknown_table() -> dict[str, bytes]:
    """A table this project does not know (by customs district), in the by-country page's layout."""
    old = "Total Export &amp; Import Values by Country/Region"
    new = "Total Export &amp; Import Values by Customs District"
    page = replace_once(demo_page(T4_USD_DEC), old, new)
    page = replace_once(page, old.replace("&amp;", "&"), new.replace("&amp;", "&"), count=2)
    return {"t4_by_customs_district_2025-12_usd.html": utf8(page)}


def page_number_does_not_parse() -> dict[str, bytes]:
    page = set_cells(demo_page(T4_USD_DEC), "Germany", {T4_EX_MONTH: "12,3a4.5"})
    return {"t4_by_partner_2025-12_usd.html": utf8(page)}


def page_jan_feb_header_1_to_3() -> dict[str, bytes]:
    """A January-February page whose columns say January-to-March."""
    page = replace_once(demo_page(T4_USD_JAN_FEB), "<b>1- to-2</b>", "<b>1- to-3</b>", count=3)
    page = replace_once(page, "1-to-2 Total Year-on-Year", "1-to-3 Total Year-on-Year")
    return {"t4_by_partner_2025-01-02_usd.html": utf8(page)}


def page_title_month_vs_header_month() -> dict[str, bytes]:
    """The December page with a November title (both titles), its columns still December's."""
    page = demo_page(T4_USD_DEC).replace("Dec 2025 (in USD)", "Nov 2025 (in USD)")
    return {"t4_by_partner_2025-11_usd.html": utf8(page)}


def page_no_header_rows() -> dict[str, bytes]:
    """Title and unit rows, then the data rows straight away: nothing says what a column is."""
    page = demo_page(T4_USD_DEC)
    rows = _rows(page)
    headers = [m for m in rows if _row_label(m.group(0)) in ("Import Source", "Export Destination")]
    for row in reversed(headers):
        page = _replace_span(page, row.start(), row.end(), "")
    return {"t4_by_partner_2025-12_usd.html": utf8(page)}


def page_titles_disagree() -> dict[str, bytes]:
    """The article heading (atcl-ttl) names the CNY edition, the table's title row the USD one."""
    page = demo_page(T4_USD_DEC)
    heading = _TITLE_DIV.search(page)
    assert heading is not None
    new_heading = heading.group(0).replace("(in USD)", "(in CNY)")
    return {"t4_by_partner_2025-12_usd.html": utf8(replace_once(page, heading.group(0), new_heading))}


def page_row_missing_a_cell() -> dict[str, bytes]:
    """Canada's row has one figure cell less than the header has columns."""
    page = demo_page(T4_USD_DEC)
    row = _row(page, "Canada")
    cells = list(_CELL.finditer(row.group(0)))
    text = _replace_span(row.group(0), cells[T4_IM_MONTH].start(), cells[T4_IM_MONTH + 1].start(), "")
    return {"t4_by_partner_2025-12_usd.html": utf8(_replace_span(page, row.start(), row.end(), text))}


def page_bad_publication_date() -> dict[str, bytes]:
    return {"t4_by_partner_2025-12_usd.html": utf8(with_date(demo_page(T4_USD_DEC), "2026/13/45"))}


def page_gbk_declared_utf8() -> dict[str, bytes]:
    """Re-encoded as GBK while the page still declares UTF-8 (the '±' of the headers is then invalid)."""
    return {"t4_by_partner_2025-12_usd.html": gbk(demo_page(T4_USD_DEC))}


def index_page_captcha() -> dict[str, bytes]:
    """The yearly index page address answered with the captcha wall: chrome and year selector, no index."""
    page = demo_index(2025)
    start = page.index("<table>")
    end = page.index("</table>") + len("</table>")
    wall = '<div class="verify"><p>访问过于频繁，请输入验证码</p><img src="/captcha.jpg"></div>'
    return {"index_2025.html": utf8(page[:start] + wall + page[end:])}


# --- parse-level rejections: online-query CSVs -------------------------------------------------------------
CSV_NAME = "online_query_hs8_partner_2024_imports_usd.csv"


def _csv_lines() -> list[str]:
    return demo_csv().splitlines(keepends=True)


def _csv_edit_line(number: int, old: str, new: str) -> bytes:
    """The demo CSV with `old` replaced by `new` on line `number` (1-based; line 1 is the header)."""
    lines = _csv_lines()
    lines[number - 1] = replace_once(lines[number - 1], old, new)
    return gbk("".join(lines))


def csv_utf8_reencoded() -> dict[str, bytes]:
    """The GBK export re-saved as UTF-8 by an editor."""
    return {CSV_NAME: demo_csv().encode("utf-8")}


def csv_missing_column() -> dict[str, bytes]:
    """The second-unit column (第二计量单位, the 9th) left out of the query."""
    out = []
    for line in _csv_lines():
        fields = line.split('",')
        del fields[8]
        out.append('",'.join(fields))
    return {CSV_NAME: gbk("".join(out))}


def csv_name_without_direction() -> dict[str, bytes]:
    """A well-formed export (the demo one less its last line) whose name says neither imports nor exports."""
    return {"online_query_hs8_partner_2024_usd.csv": gbk("".join(_csv_lines()[:-1]))}


def csv_bad_yyyymm() -> dict[str, bytes]:
    return {CSV_NAME: _csv_edit_line(5, '"202402"', '"202413"')}


def csv_non_numeric_value() -> dict[str, bytes]:
    return {CSV_NAME: _csv_edit_line(3, '"9,747,931"', '"9,7a7,931"')}


def csv_duplicated_line() -> dict[str, bytes]:
    lines = _csv_lines()
    lines.insert(4, lines[2])  # line 3 again as line 5
    return {CSV_NAME: gbk("".join(lines))}


def csv_no_currency_column() -> dict[str, bytes]:
    """The value column named 金额 (amount): nothing says dollars or yuan."""
    return {CSV_NAME: _csv_edit_line(1, '"美元"', '"金额"')}


def csv_header_only() -> dict[str, bytes]:
    return {CSV_NAME: gbk(_csv_lines()[0])}


def csv_truncated_mid_character() -> dict[str, bytes]:
    """Bytes cut inside the two-byte GBK character 美 (beautiful/US) of the last line."""
    content = DEMO_CSV.read_bytes()
    cut = content.rindex("美国".encode("gbk")) + 1
    return {CSV_NAME: content[:cut]}


# --- rejected by the build: unknown partners ---------------------------------------------------------------
def page_unknown_partner_label() -> dict[str, bytes]:
    page = with_date(demo_page(T4_USD_DEC), REVISED_DEC_2025)
    return {
        "t4_by_partner_2025-12_usd.html": utf8(
            replace_once(page, ">&nbsp;&nbsp;&nbsp;Canada<", ">&nbsp;&nbsp;&nbsp;Atlantis<")
        )
    }


def csv_unknown_partner_code() -> dict[str, bytes]:
    """GACC partner code 341, a retired early-1990s code the reference leaves out on purpose (999 would not
    do: it is GACC's 'neutral packaging'). The export parses; the build must reject the code."""
    return {CSV_NAME: _csv_edit_line(4, '"502","美国"', '"341","美国"')}


# --- rejected by the gate ------------------------------------------------------------------------------------
def _revised_t4_usd_dec(edit: Callable[[str], str]) -> dict[str, bytes]:
    page = with_date(demo_page(T4_USD_DEC), REVISED_DEC_2025)
    return {"t4_by_partner_2025-12_usd_revised.html": utf8(edit(page))}


def gate_partner_x1000() -> dict[str, bytes]:
    """Germany's figures printed in USD 1,000 instead of USD 1 Million (x1000), the rest right."""
    return _revised_t4_usd_dec(lambda p: scale_cells(p, "Germany", T4_VALUES, Decimal(1000)))


def gate_page_x1000() -> dict[str, bytes]:
    """Every value of the page x1000, the World row too (percentages untouched)."""

    def edit(page: str) -> str:
        for label in data_row_labels(page):
            page = scale_cells(page, label, T4_VALUES, Decimal(1000))
        return page

    return _revised_t4_usd_dec(edit)


def gate_missing_period() -> dict[str, bytes]:
    """A 2026-03 table (1) while 2026-01..02 was never loaded: a gap in the series.

    Made from the 2025-03 page: the same values a year on, so its y/y % are set to 0.0 and nothing but
    the gap is wrong.
    """
    page = demo_page(T1_USD_MAR).replace("Mar 2025 (in USD)", "Mar 2026 (in USD)")
    page = with_date(page, "2026/04/14")
    for label in ("Export & Import", "Export", "Import"):
        page = set_cells(page, label, {T1_MONTH_YOY: "0.0", T1_YTD_YOY: "0.0"})
    return {"t1_totals_2026-03_usd.html": utf8(page)}


def gate_group_below_members() -> dict[str, bytes]:
    """The EU's December figures cut below the sum of its four listed members (E&I = export + import kept)."""
    return _revised_t4_usd_dec(
        lambda p: set_cells(
            p, "European Union", {T4_EI_MONTH: "40,000.0", T4_EX_MONTH: "26,000.0", T4_IM_MONTH: "14,000.0"}
        )
    )


def gate_yoy_world() -> dict[str, bytes]:
    """Table (1) with December's export y/y printed 16.6 where the levels give 6.6."""
    page = with_date(demo_page(T1_USD_DEC), REVISED_DEC_2025)
    page = set_cells(page, "Export", {T1_MONTH_YOY: "16.6"})
    return {"t1_totals_2025-12_usd_revised.html": utf8(page)}


def gate_ei_not_export_plus_import() -> dict[str, bytes]:
    """India's December Export & Import 1,000 above its export + import."""
    return _revised_t4_usd_dec(lambda p: set_cells(p, "India", {T4_EI_MONTH: "15,412.0"}))


def gate_ytd_decreasing() -> dict[str, bytes]:
    """Japan's January-to-December exports printed below its January-to-November ones (E&I kept equal)."""
    return _revised_t4_usd_dec(
        lambda p: set_cells(p, "Japan", {T4_EX_YTD: "100,000.0", T4_EI_YTD: "258,393.5"})
    )


def gate_implied_rate() -> dict[str, bytes]:
    """The CNY edition of January-February 2025 with every partner's figures halved (rate ~3.6)."""
    page = with_date(demo_page(T4_CNY_JAN_FEB), REVISED_JAN_FEB_2025)
    for label in data_row_labels(page):
        if label != "Total":  # the World row stays: it must equal table (1)
            page = scale_cells(page, label, T4_JAN_FEB_VALUES, Decimal("0.5"))
    return {"t4_by_partner_2025-01-02_cny_revised.html": utf8(page)}


def gate_negative_value() -> dict[str, bytes]:
    """Japan's December exports printed negative (E&I kept equal to export + import)."""
    return _revised_t4_usd_dec(
        lambda p: set_cells(p, "Japan", {T4_EX_MONTH: "-14,398.7", T4_EI_MONTH: "1,037.5"})
    )


def page_duplicated_partner_row() -> dict[str, bytes]:
    """Japan's row printed twice, one under the other."""
    return _revised_t4_usd_dec(lambda p: duplicate_row(p, "Japan"))


# --- published with a warning ------------------------------------------------------------------------------
def warn_yoy_partner() -> dict[str, bytes]:
    """Japan's January-to-December export y/y printed 10.7 where the levels give 0.7."""
    return _revised_t4_usd_dec(lambda p: set_cells(p, "Japan", {T4_EX_YOY: "10.7"}))


def warn_outlier_partner() -> dict[str, bytes]:
    """New Zealand's December month x10: far off its usual moves, yet under the World and in no group.

    Export and import are scaled, Export & Import set to their sum (scaling it too would leave it 1.0 off
    after rounding, a critical failure this case is not about).
    """

    def edit(page: str) -> str:
        page = scale_cells(page, "New Zealand", (T4_EX_MONTH, T4_IM_MONTH), Decimal(10))
        figures = printed_figures(page, "New Zealand")
        total = parse_printed(figures[T4_EX_MONTH]) + parse_printed(figures[T4_IM_MONTH])
        return set_cells(page, "New Zealand", {T4_EI_MONTH: format_figure(total)})

    return _revised_t4_usd_dec(edit)


def csv_revised_export() -> dict[str, bytes]:
    """The same 2024 imports query exported again later, one figure revised (line 3: 9,747,931 ->
    9,750,000). Valid: it must publish, and the later export's figure must become the latest vintage.

    The revised bytes happen to hash (4add3fa4c628...) below the demo export's (bb51d9507bfd...).
    """
    return {
        "online_query_hs8_partner_2024_imports_usd_revised.csv": _csv_edit_line(
            3, '"9,747,931"', '"9,750,000"'
        )
    }


# --- tricky but valid -----------------------------------------------------------------------------------------
def control_misnumbered_table() -> dict[str, bytes]:
    """The by-country table printed as (3) (as GACC did in 2020): identified by its description."""
    page = replace_once(demo_page(T4_USD_DEC), "(4) China", "(3) China", count=3)
    return {"t4_by_partner_2025-12_usd_printed_3.html": utf8(with_date(page, REVISED_DEC_2025))}


def control_gbk_declared() -> dict[str, bytes]:
    """A GBK page that declares GBK, with a full month name, RMB for CNY and a label wrapped by <br />."""
    page = demo_page(T4_CNY_DEC).replace("Dec 2025 (in CNY)", "December 2025 (in RMB)")
    page = replace_once(page, '<meta charset="UTF-8">', '<meta charset="gbk">')
    page = replace_once(
        page, "Jointly build the countries along Belt", "Jointly build the countries<br />along Belt"
    )
    return {"t4_by_partner_2025-12_cny_gbk.html": gbk(with_date(page, REVISED_DEC_2025))}


# --- the corpus ----------------------------------------------------------------------------------------------
BUILDERS: dict[str, Callable[[], dict[str, bytes]]] = {
    "page-truncated-mid-row": page_truncated_mid_row,
    "page-truncated-at-row-boundary": page_truncated_at_row_boundary,
    "page-shell-no-rows": page_shell_no_rows,
    "page-error-404": page_error_404,
    "page-error-access-denied": page_error_access_denied,
    "page-captcha-as-table-page": page_captcha_as_table_page,
    "page-empty-file": page_empty_file,
    "page-unit-currency-mismatch": page_unit_currency_mismatch,
    "page-unknown-unit": page_unknown_unit,
    "page-unknown-table": page_unknown_table,
    "page-number-does-not-parse": page_number_does_not_parse,
    "page-jan-feb-header-1-to-3": page_jan_feb_header_1_to_3,
    "page-title-month-vs-header-month": page_title_month_vs_header_month,
    "page-no-header-rows": page_no_header_rows,
    "page-titles-disagree": page_titles_disagree,
    "page-row-missing-a-cell": page_row_missing_a_cell,
    "page-bad-publication-date": page_bad_publication_date,
    "page-gbk-declared-utf8": page_gbk_declared_utf8,
    "index-page-captcha": index_page_captcha,
    "csv-utf8-reencoded": csv_utf8_reencoded,
    "csv-missing-column": csv_missing_column,
    "csv-name-without-direction": csv_name_without_direction,
    "csv-bad-yyyymm": csv_bad_yyyymm,
    "csv-non-numeric-value": csv_non_numeric_value,
    "csv-duplicated-line": csv_duplicated_line,
    "csv-no-currency-column": csv_no_currency_column,
    "csv-header-only": csv_header_only,
    "csv-truncated-mid-character": csv_truncated_mid_character,
    "page-unknown-partner-label": page_unknown_partner_label,
    "csv-unknown-partner-code": csv_unknown_partner_code,
    "gate-partner-x1000": gate_partner_x1000,
    "gate-page-x1000": gate_page_x1000,
    "gate-missing-period": gate_missing_period,
    "gate-group-below-members": gate_group_below_members,
    "gate-yoy-world": gate_yoy_world,
    "gate-ei-not-export-plus-import": gate_ei_not_export_plus_import,
    "gate-ytd-decreasing": gate_ytd_decreasing,
    "gate-implied-rate": gate_implied_rate,
    "gate-negative-value": gate_negative_value,
    "page-duplicated-partner-row": page_duplicated_partner_row,
    "warn-yoy-partner": warn_yoy_partner,
    "warn-outlier-partner": warn_outlier_partner,
    "csv-revised-export": csv_revised_export,
    "control-misnumbered-table": control_misnumbered_table,
    "control-gbk-declared": control_gbk_declared,
}


def build_corpus() -> dict[str, dict[str, bytes]]:
    """Every case's files, as this script makes them: {case: {file name: bytes}}."""
    return {name: build() for name, build in BUILDERS.items()}


def committed_corpus() -> dict[str, dict[str, bytes]]:
    """Every case folder's files as they are on disk."""
    return {
        folder.name: {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}
        for folder in sorted(CORPUS_DIR.iterdir())
        if folder.is_dir() and not folder.name.startswith(("_", "."))
    }


def write_corpus(corpus: Mapping[str, Mapping[str, bytes]]) -> None:
    for folder in CORPUS_DIR.iterdir():
        if folder.is_dir() and not folder.name.startswith(("_", ".")) and folder.name not in corpus:
            shutil.rmtree(folder)
    for name, files in corpus.items():
        folder = CORPUS_DIR / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for file_name, content in files.items():
            (folder / file_name).write_bytes(content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files, write nothing"
    )
    args = parser.parse_args(argv)
    made = build_corpus()
    if args.check:
        committed = committed_corpus()
        if committed != made:
            differing = sorted(k for k in made.keys() | committed.keys() if made.get(k) != committed.get(k))
            print(f"corpus out of date: {', '.join(differing)}", file=sys.stderr)
            return 1
        print(f"corpus up to date: {len(made)} cases")
        return 0
    write_corpus(made)
    print(f"wrote {len(made)} cases to {CORPUS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
