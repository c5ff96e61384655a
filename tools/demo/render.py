"""Render model objects into GACC's published formats: preliminary pages, the yearly index, query CSVs.

Pure functions, bytes out, following docs/gacc-page-layouts.md: a parser of those layouts reading a
rendered page gets back the `PreliminaryTable` it was rendered from (labels as printed, with `\\xa0`
for every `&nbsp;`; figure cells numbered 1, 2, ... in page order after the label and, in tables
(5)/(6), the unit cell). The page chrome is a trimmed copy of GACC's English site template.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal

from flows.ingest.model import (
    BulletinTable,
    Cell,
    OnlineQueryExport,
    OnlineQueryRecord,
    PreliminaryTable,
    TableRow,
)
from warehouse.codes import Currency

NBSP = "\xa0"
DEMO_NOTE = "Synthetic demo release bundled with customs-warehouse: the figures are not GACC's."
PARTNER_NOTE = (
    "1. ASEAN: Brunei, Myanmar, Cambodia, Indonesia, Laos, Malaysia, Philippines, Singapore, "
    "Thailand, Vietnam; 2. European Union: the 27 member states (without the United Kingdom from "
    "February 2020); 3. RCEP: ASEAN, Japan, R. O. Korea, Australia and New Zealand; 4. Belt and Road: "
    "the countries and regions listed by the China Belt and Road Network. "
)
AGGREGATE_NOTE = (
    '1. "Agricultural products*", "Mechanical and electrical products*" and "Hi-tech products*" include '
    "relevant products listed in the table. "
)

# The yearly index lists every table of the preliminary release, in both editions where it has two,
# whether or not the year has pages for it. Titles as GACC prints them (sic "(8)Statistics").
INDEX_ROWS: tuple[tuple[str, Currency | None], ...] = (
    ("(1) China's Total Export & Import Values", "CNY"),
    ("(1) China's Total Export & Import Values", "USD"),
    ("(2) China's Total Export & Import Values by Trade Mode", "CNY"),
    ("(2) China's Total Export & Import Values by Trade Mode", "USD"),
    ("(3) China's Total Export & Import Values by Trade Mode", "CNY"),
    ("(3) China's Total Export & Import Values by Trade Mode", "USD"),
    ("(4) China's Total Export & Import Values by Country/Region", "CNY"),
    ("(4) China's Total Export & Import Values by Country/Region", "USD"),
    ("(5) China's Major Exports by Quantity and Value", "CNY"),
    ("(5) China's Major Exports by Quantity and Value", "USD"),
    ("(6) China's Major Imports by Quantity and Value", "CNY"),
    ("(6) China's Major Imports by Quantity and Value", "USD"),
    ("(7) Statistics Bulletin on Freight Supervision", None),
    ("(8)Statistics Bulletin on Goods Inspection & Quarantine", None),
)
INDEX_MONTHS = (
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "May.",
    "Jun.",
    "Jul.",
    "Aug.",
    "Sep.",
    "Oct.",
    "Nov.",
    "Dec.",
)

_PAGE_HEAD = """<!DOCTYPE html>
<html>
<head>
    <meta charset="UTF-8">
    <title>{title}</title>
    <meta name="viewport" content="width=device-width" />
    <link rel="stylesheet" type="text/css" href="/Content/CSS/Site.css" />
</head>
<!-- Synthetic demo page in the layout of GACC's English {product} (customs-warehouse). -->
<body>
    <div class="g-top">
        <div class="g-top-lks"><a href="/">Home</a><span>|</span><a href="#">中文站</a></div>
    </div>
    <div class="g-m">
        <div class="g-pth"><a href="/">Home</a> &gt; <a href="/statics/report/preliminary.html">Statistics</a>
            &gt; <a class="g-pth-cur">{crumb}</a></div>
"""
PRELIMINARY_CHROME = {"product": "preliminary release", "crumb": "Preliminary Release"}
BULLETIN_CHROME = {"product": "Monthly Bulletin", "crumb": "Monthly Bulletin"}
_PAGE_FOOT = """        <div class="g-ftr">
            <div class="g-ftr-cnt">
                <div class="g-ftr-l">
                    <p class="g-ftr-title">About GACC</p>
                    <p><a href="/about/mission">Mission</a></p>
                </div>
                <div class="clr"></div>
            </div>
        </div>
    </div>
    <div class="g-btm">
        <p>General Administration of Customs of the People's Republic of China
    </div>
</body>
</html>
"""


# --- preliminary pages -----------------------------------------------------------------------------


def format_figure(cell: Cell) -> str:
    """A figure as GACC prints it: thousands commas and a trailing `&nbsp;` for values and quantities,
    one decimal and no trailing space for percentages, `-` where there is no figure."""
    figure = cell.figure_as_published
    if figure is None:
        return "-"
    if cell.measure in ("yoy_pct", "mom_pct"):
        return f"{Decimal(repr(figure)):.1f}"
    return f"{Decimal(repr(figure)):,.1f}&nbsp;"


def format_label(label_as_published: str) -> str:
    return html.escape(label_as_published, quote=False).replace(NBSP, "&nbsp;")


def _td(
    text: str,
    *,
    cls: str,
    align: str | None = None,
    colspan: int | None = None,
    rowspan: int | None = None,
    shade: bool = False,
) -> str:
    attributes = "" if colspan is None else f' colspan="{colspan}"'
    attributes += "" if rowspan is None else f' rowspan="{rowspan}"'
    attributes += "" if align is None else f' align="{align}"'
    attributes += f' class="{cls}"'
    attributes += ' bgcolor="#C0C0C0"' if shade else ""
    return f"\t\t\t<td{attributes}>{text}</td>\n"


def _tr(cells: list[str]) -> str:
    return "\t\t<tr>\n" + "".join(cells) + "\t\t</tr>\n"


HeaderCell = tuple[str, int, int]  # (text, colspan, rowspan)


def _header_cell(text: str, colspan: int = 1, rowspan: int = 1) -> HeaderCell:
    return (text, colspan, rowspan)


def _render_header_cell(cell: HeaderCell) -> str:
    text, colspan, rowspan = cell
    return _td(
        f"<span><b>{html.escape(text, quote=False)}</b></span>",
        cls="style3" if colspan == 1 else "style4",
        align="center",
        colspan=None if colspan == 1 else colspan,
        rowspan=None if rowspan == 1 else rowspan,
        shade=True,
    )


def _header_rows(table: PreliminaryTable) -> list[list[HeaderCell]]:
    """The one or two header rows of the page, from the table and its period (docs/gacc-page-layouts.md)."""
    m = table.period.last_month
    month, ytd, ytd_yoy = f"{m}", f"1- to-{m}", f"1-to-{m}"
    combined = table.period.is_combined
    yoy = "Year-on-Year (\u00b1%)"
    h = _header_cell
    if table.table_id == "totals":
        if combined:
            return [[h("Item"), h(ytd, 2)], [h(""), h("Value"), h(yoy)]]
        return [
            [h("Item"), h(month, 3), h(ytd, 2)],
            [h(""), h("Value"), h("Month-on-Month (\u00b1%)"), h(yoy), h("Value"), h(yoy)],
        ]
    if table.table_id == "by_partner":
        flows = ["Export & Import", "Export", "Import"]
        total_yoy = h(f"{ytd_yoy} Total Year-on-Year (\u00b1%)", 3)
        if combined:
            return [
                [h("Import Source"), *(h(f) for f in flows), total_yoy],
                [h("Export Destination"), *(h(ytd) for _ in flows), *(h(f) for f in flows)],
            ]
        return [
            [h("Import Source"), *(h(f) for f in flows for _ in (month, ytd)), total_yoy],
            [h("Export Destination"), *(h(c) for _ in flows for c in (month, ytd)), *(h(f) for f in flows)],
        ]
    if table.table_id in ("trade_mode_month", "trade_mode_ytd"):
        # As GACC's table (2)/(3): the label spans both rows; the y/y % takes the table's only period.
        span = month if table.table_id == "trade_mode_month" and not combined else ytd_yoy
        flow_cells = [h("Export & Import"), h("Export"), h("Import")]
        return [[h("Trade Mode", 1, 2), h(span, 3), h(yoy, 3)], [*flow_cells, *flow_cells]]
    if table.table_id in ("major_exports", "major_imports"):
        # As GACC's 2025-2026 tables (5)/(6): the month, January-to-month, last year's January-to-month
        # (as revised since) and the y/y %, each as quantity and value.
        total = f"1-{m} Total"
        spans = [total] if combined else [month, total]
        spans += [f"{total}, {table.period.year - 1}", f"{total}, Year-On-Year(%)"]
        pair = [h("Quantity"), h("Value")]
        return [
            [h("Commodity", 1, 2), h("Quantity Unit", 1, 2), *(h(s, 2) for s in spans)],
            pair * len(spans),
        ]
    raise ValueError(f"the demo renders no {table.table_id!r} pages")


def _data_row(row: TableRow, last: bool, table_has_unit_column: bool) -> list[str]:
    shade = row.row_number % 2 == 0
    cells = [
        _td(
            f"<span>{format_label(row.label_as_published)}</span>",
            cls="style9" if shade else "style10",
            shade=shade,
        )
    ]
    if table_has_unit_column:
        # A commodity without a quantity still has its unit cell: "—" for an aggregate, else "-", as
        # GACC prints them.
        no_unit = "\u2014" if row.is_aggregate else "-"
        unit = no_unit if row.quantity_unit is None else html.escape(row.quantity_unit, quote=False)
        cells.append(_td(f"<span>{unit}</span>", cls="style6", align="center"))
    for cell in row.cells:
        is_pct = cell.measure in ("yoy_pct", "mom_pct")
        cls = ("style13" if is_pct else "style11") if last else ("style7" if is_pct else "style6")
        cells.append(_td(f"<span><b>{format_figure(cell)}</b></span>", cls=cls, align="right"))
    return cells


def render_preliminary_page(table: PreliminaryTable) -> bytes:
    """One preliminary-release page (UTF-8 HTML) in GACC's template."""
    headers = _header_rows(table)
    width = sum(colspan for _, colspan, _ in headers[0])
    title_text = html.escape(table.title, quote=False)
    date_text = "" if table.published_on is None else table.published_on.strftime("%Y/%m/%d")
    rows = [
        _tr(
            [_td(f"<span><b>{title_text}</b></span>", cls="style1", align="left", colspan=width, shade=True)]
        ),
        _tr(
            [
                _td(
                    f"<span><b>Unit: {html.escape(table.unit_label)}</b></span>",
                    cls="style2",
                    align="right",
                    colspan=width,
                )
            ]
        ),
        *(_tr([_render_header_cell(c) for c in header]) for header in headers),
        *(
            _tr(
                _data_row(row, i == len(table.rows) - 1, table.table_id in ("major_exports", "major_imports"))
            )
            for i, row in enumerate(table.rows)
        ),
    ]
    # A last row starting "Note:" is ignored by parsers, as on GACC's pages.
    notes = {"by_partner": PARTNER_NOTE, "major_exports": AGGREGATE_NOTE, "major_imports": AGGREGATE_NOTE}
    note = "Note: " + notes.get(table.table_id, "") + DEMO_NOTE
    rows.append(
        _tr(
            [
                _td(
                    f'<span><span class="font3">{html.escape(note, quote=False)}</span></span>',
                    cls="style14",
                    align="left",
                    colspan=width,
                )
            ]
        )
    )
    article = (
        '        <div class="atcl">\n'
        '            <div class="atcl-main">\n'
        f'                <div class="atcl-ttl">{table.title}</div>\n'
        "            </div>\n"
        '            <div class="atcl-layout">\n'
        '                <div class="atcl-main">\n'
        f'                    <div class="atcl-date">{date_text}</div>\n'
        '                    <div class="atcl-cnt" style="overflow-x:auto">'
        '<table style="border-collapse:collapse;" border="0" cellspacing="0" class="ke-zeroborder">\n'
        "\t<tbody>\n" + "".join(rows) + "\t</tbody>\n"
        "</table></div>\n"
        "                </div>\n"
        '                <div class="atcl-sbr"></div>\n'
        "            </div>\n"
        "        </div>\n"
    )
    return (_PAGE_HEAD.format(title=table.title, **PRELIMINARY_CHROME) + article + _PAGE_FOOT).encode("utf-8")


# --- yearly index ----------------------------------------------------------------------------------


def render_index_page(year: int, links: Mapping[tuple[str, Currency | None, int], str]) -> bytes:
    """The yearly index of the preliminary release (UTF-8 HTML).

    `links` maps (title without edition, as in INDEX_ROWS, e.g. "(4) China's Total Export & Import
    Values by Country/Region"; currency or None; month column 1-12) to the page URL. The Jan-Feb
    release stands in the February column; a month without a page is plain text. Links are unquoted,
    as on GACC's page.
    """
    known = set(INDEX_ROWS)
    unknown = sorted({(t, c) for t, c, _ in links} - known, key=str)
    if unknown:
        raise ValueError(f"no index row for {unknown}")
    bad_months = sorted({m for _, _, m in links if not 1 <= m <= 12})
    if bad_months:
        raise ValueError(f"month columns must be 1-12, got {bad_months}")
    table_rows = []
    for title, currency in INDEX_ROWS:
        text = title if currency is None else f"{title} (in {currency})"
        items = []
        for month, name in enumerate(INDEX_MONTHS, start=1):
            url = links.get((title, currency, month))
            items.append(f"<span>{name}</span>" if url is None else f"<a href={url}> {name}</a>")
            if month == 6:
                items.append("</br>")  # GACC's own (invalid) line break between June and July
        table_rows.append(f"<tr><td>{text}</td><td>{''.join(items)}</td></tr>")
    body = (
        '        <div class="nr-n-container">\n'
        '            <div class="nr-n-right nr-n-content Statistics">\n'
        '                <div class="nr-n-content-title">Statistics</div>\n'
        '                <div class="nr-n-content-detail ">\n'
        "                    <div>Due to data verification after the preliminary release, "
        "the monthly bulletin is of more accuracy.</div>\n"
        '                    <div class="m-report-title"><span>Year</span><select id="preliminarysel">'
        f'<option value="{year}">{year}</option></select></div>\n'
        "                    <table><thead><tr><th>Title</th><th>Month</th></tr></thead><tbody>\n"
        + "".join(f"{row}\n" for row in table_rows)
        + "</tbody></table>\n"
        "                </div>\n"
        "            </div>\n"
        '            <div class="clr"></div>\n'
        "        </div>\n"
    )
    return (
        _PAGE_HEAD.format(title="News - Newsroom - GACC", **PRELIMINARY_CHROME) + body + _PAGE_FOOT
    ).encode("utf-8")


# --- Monthly Bulletin -----------------------------------------------------------------------------

BULLETIN_NOTES = (
    "1\u3001Figures in shaded areas refer to percentage change over the same period in the previous year.",
    "2\u3001Since 2014, duty-free goods is included in Customs Statistics of China. For more information, "
    "please see the explanatory note.",
    "3\u3001" + DEMO_NOTE,
)
BULLETIN_FLOW_HEADERS = {"export": "Exports", "import": "Imports"}
BULLETIN_ROW_HEADERS = {"bulletin_trade_mode": "Customs Regime", "bulletin_by_partner": "Country (Region)"}


def format_bulletin_figure(cell: Cell) -> str:
    """As the Bulletin prints: whole units with thousands commas and a trailing `&nbsp;` for values, one
    decimal for the y/y %, `-` where there is no figure."""
    figure = cell.figure_as_published
    if figure is None:
        return "-"
    if cell.measure == "yoy_pct":
        return f"{Decimal(repr(figure)):.1f}"
    return f"{int(figure):,}&nbsp;"


def _bulletin_td(
    text: str, *, colspan: int | None = None, rowspan: int | None = None, shade: bool = False
) -> str:
    attributes = "" if colspan is None else f' colspan="{colspan}"'
    attributes += "" if rowspan is None else f' rowspan="{rowspan}"'
    attributes += ' bgcolor="#C0C0C0"' if shade else ""
    return f"\t\t\t<td{attributes}>\n\t\t\t\t<span>{text}</span>\n\t\t\t</td>\n"


def render_bulletin_page(table: BulletinTable) -> bytes:
    """One Monthly Bulletin table page (UTF-8 HTML) in the template of GACC's Bulletin pages
    (../shared/gacc-samples/real_bulletin_t5_customs_regime_2019-10_usd.html): the title in the heading
    and as the table's first row, a Unit row, the flows over the month and `1 to M`, per row a value row
    whose label cell spans the shaded y/y % row under it, notes below the table."""
    flows = list(dict.fromkeys(c.direction for row in table.rows for c in row.cells))
    m = table.period.last_month
    width = 1 + 2 * len(flows)
    # The table's own title row is printed without the spaces of the heading, as on GACC's page.
    compact = table.title.replace(") ", ")", 1).replace(", ", ",", 1)
    rows = [
        _tr([_bulletin_td(html.escape(compact, quote=False), colspan=width)]),
        _tr([_bulletin_td(f"Unit: {html.escape(table.unit_label, quote=False)}", colspan=width)]),
        _tr(
            [
                _bulletin_td(BULLETIN_ROW_HEADERS[table.table_id] + "&nbsp;", rowspan=2),
                *(_bulletin_td(BULLETIN_FLOW_HEADERS[f], colspan=2) for f in flows),
            ]
        ),
        _tr([_bulletin_td(text) for _ in flows for text in (f"{m}", f"1 to {m}")]),
    ]
    for row in table.rows:
        values = [c for c in row.cells if c.measure == "value"]
        yoys = [c for c in row.cells if c.measure == "yoy_pct"]
        rows.append(
            _tr(
                [
                    _bulletin_td(format_label(row.label_as_published), rowspan=2),
                    *(_bulletin_td(format_bulletin_figure(c)) for c in values),
                ]
            )
        )
        rows.append(_tr([_bulletin_td(format_bulletin_figure(c), shade=True) for c in yoys]))
    notes = "".join(f"<p>\n\t{html.escape(note, quote=False)}\n</p>\n" for note in BULLETIN_NOTES)
    date_text = "" if table.published_on is None else table.published_on.strftime("%Y/%m/%d")
    article = (
        '        <div class="atcl">\n'
        '            <div class="atcl-main">\n'
        f'                <div class="atcl-ttl">{html.escape(table.title, quote=False)}</div>\n'
        "            </div>\n"
        '            <div class="atcl-layout">\n'
        '                <div class="atcl-main">\n'
        f'                    <div class="atcl-date">{date_text}</div>\n'
        '                    <div class="atcl-cnt" style="overflow-x:auto">'
        '<table border="0" cellspacing="0" class="ke-zeroborder">\n'
        "\t<tbody>\n" + "".join(rows) + "\t</tbody>\n"
        "</table>\n" + notes + "</div>\n"
        "                </div>\n"
        '                <div class="atcl-sbr"></div>\n'
        "            </div>\n"
        "        </div>\n"
    )
    head = _PAGE_HEAD.format(title=html.escape(table.title, quote=False), **BULLETIN_CHROME)
    return (head + article + _PAGE_FOOT).encode("utf-8")


# The Bulletin index lists its tables in both editions, whether or not the demo renders them; the demo
# renders tables (5) and (6).
BULLETIN_INDEX_ROWS: tuple[str, ...] = (
    "(1) Summary of Imports and Exports",
    "(5) Imports and Exports by Customs Regime",
    "(6) Imports and Exports by Country (Region) of Origin/Destination",
    "(7) Imports and Exports by Type of Enterprise",
)


def render_bulletin_index(year: int, links: Mapping[tuple[str, Currency, int], str]) -> bytes:
    """The Monthly Bulletin index (`statics/report/monthly.html`), in the preliminary index's Title x Month
    layout: `links` maps (row title as in BULLETIN_INDEX_ROWS, edition, month 1-12) to the page URL."""
    unknown = sorted({title for title, _, _ in links} - set(BULLETIN_INDEX_ROWS))
    if unknown:
        raise ValueError(f"no Bulletin index row for {unknown}")
    table_rows = []
    for title in BULLETIN_INDEX_ROWS:
        for currency in ("CNY", "USD"):
            items = []
            for month, name in enumerate(INDEX_MONTHS, start=1):
                url = links.get((title, currency, month))
                items.append(f"<span>{name}</span>" if url is None else f"<a href={url}> {name}</a>")
                if month == 6:
                    items.append("</br>")
            table_rows.append(f"<tr><td>{title} (in {currency})</td><td>{''.join(items)}</td></tr>")
    body = (
        '        <div class="nr-n-container">\n'
        '            <div class="nr-n-right nr-n-content Statistics">\n'
        '                <div class="nr-n-content-title">Monthly Bulletin</div>\n'
        '                <div class="nr-n-content-detail ">\n'
        "                    <div>Due to data verification after the preliminary release, "
        "the monthly bulletin is of more accuracy.</div>\n"
        '                    <div class="m-report-title"><span>Year</span><select id="monthlysel">'
        f'<option value="{year}">{year}</option></select></div>\n'
        "                    <table><thead><tr><th>Title</th><th>Month</th></tr></thead><tbody>\n"
        + "".join(f"{row}\n" for row in table_rows)
        + "</tbody></table>\n"
        "                </div>\n"
        "            </div>\n"
        '            <div class="clr"></div>\n'
        "        </div>\n"
    )
    head = _PAGE_HEAD.format(title="Monthly Bulletin - Statistics - GACC", **BULLETIN_CHROME)
    return (head + body + _PAGE_FOOT).encode("utf-8")


# --- online-query export ---------------------------------------------------------------------------

ONLINE_QUERY_HEADER = (
    "数据年月",
    "贸易伙伴编码",
    "贸易伙伴名称",
    "商品编码",
    "商品名称",
    "第一数量",
    "第一计量单位",
    "第二数量",
    "第二计量单位",
)
ONLINE_QUERY_VALUE_HEADER: dict[Currency, str] = {"CNY": "人民币", "USD": "美元"}


def _quantity(value: float | None) -> str:
    # The query database prints a missing quantity as 0 and its unit as "?".
    if value is None:
        return "0"
    return str(int(value)) if float(value).is_integer() else repr(value)


def _record_fields(record: OnlineQueryRecord) -> list[str]:
    return [
        f"{record.period.year}{record.period.last_month:02d}",
        record.partner_code_gacc,
        record.partner_name_zh,
        record.hs_code,
        record.commodity_name,
        _quantity(record.quantity_1),
        record.quantity_1_unit or "?",
        _quantity(record.quantity_2),
        record.quantity_2_unit or "?",
        f"{record.amount_whole_units:,}",
    ]


def render_online_query_csv(export: OnlineQueryExport) -> bytes:
    """An online-query CSV export: GBK, every field quoted, a trailing comma on every line, LF endings.

    The direction is not in the file (as in a real export): it is in the file name."""
    lines = [[*ONLINE_QUERY_HEADER, ONLINE_QUERY_VALUE_HEADER[export.currency]]]
    lines += [_record_fields(record) for record in export.records]
    for fields in lines:
        if any('"' in f for f in fields):
            raise ValueError(f"a field holds a double quote: {fields}")
    text = "".join(",".join(f'"{f}"' for f in fields) + ",\n" for fields in lines)
    return text.encode("gbk")
