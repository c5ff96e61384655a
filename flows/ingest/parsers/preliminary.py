"""Parse one page of GACC's preliminary release (tables (1)-(6), CNY or USD edition) into a PreliminaryTable.

The layout is described in docs/gacc-page-layouts.md. Everything that varies is read from the page, not
assumed: the table from its description, the currency from both title and unit row (they must agree),
the meaning of each column from the header rows, the hierarchy of rows from their indentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

from domain.periods import Period
from flows.ingest.model import Cell, ParseError, PreliminaryTable, TableRow
from flows.ingest.parsers.common import (
    DIRECTION_LABELS,
    NO_FIGURE_MARKS,
    TableKind,
    collapse_markup_whitespace,
    decode_html,
    error_page_marker,
    identify_table,
    looks_like_figure,
    month_number,
    node_text,
    normalise_whitespace,
    not_a_page_error,
    parse_figure,
    parse_title_period,
    scale_amount,
    split_page_title,
    title_description,
    unit_currency_and_scale,
)
from flows.ingest.parsers.gacc_labels import UnknownLabelError, commodity_code, quantity_unit, trade_mode_code
from warehouse.codes import Currency, Direction, Measure, Span, TableId

# Header words that say what a column measures; a column with none holds values.
MEASURE_KEYWORDS: Final[tuple[tuple[str, Measure], ...]] = (
    ("month-on-month", "mom_pct"),
    ("quantity", "quantity"),
    ("value", "value"),
)
# Under "Year-on-Year (±%)", tables (5)/(6) print "Quantity" and "Value": the column is a percentage
# (of the quantity or of the value, told apart by position), so a percentage outranks what it is of.
PERCENT_MEASURES: Final[frozenset[Measure]] = frozenset({"yoy_pct", "mom_pct"})
# "Year-on-Year (±%)", "Year-On-Year(%)", "YoY", also inside "1-5 Total, Year-On-Year(%)".
YOY_LABEL: Final = re.compile(r"year[-\s]*on[-\s]*year|\byoy\b", re.I)
_PERCENT_NOISE: Final = re.compile(r"\(\s*±?\s*%\s*\)|±?\s*%|[,，]\s*$")
# What a column's period label says, once a y/y part is taken out: the month (`5`, `May`, `August`), or
# January-to-month (`1-5 Total`, `1- to-5`, `1-to-8`, `1 to 8`, `Jan-May in Total`, `Jan-August`),
# maybe with a year (`1-5 Total,2025`, `1-5 Total, 2024`, `Jan-May 2018 in Total`: the prior year).
SPAN_LABEL: Final = re.compile(
    r"^(?:(?:1|jan(?:uary)?)\.?\s*(?:-\s*to\s*-?|to|-|–)\s*(?P<ytd>\d{1,2}|[a-z]+)|(?P<month>\d{1,2}|[a-z]+))\.?"
    r"(?:\s*,?\s*(?P<year>\d{4}))?(?:\s*(?:in\s+)?total)?(?:\s*,?\s*(?P<year_after>\d{4}))?$",
    re.I,
)
# The header of the quantity-unit column of tables (5)/(6).
QUANTITY_UNIT_LABELS: Final = frozenset({"unit", "units", "quantity unit", "qty unit"})
# Flows not named by a header: the major-exports/imports tables are one flow throughout.
TABLE_DIRECTIONS: Final[dict[TableKind, Direction]] = {"major_exports": "export", "major_imports": "import"}
MAJOR_TABLES: Final[frozenset[TableKind]] = frozenset(TABLE_DIRECTIONS)
# Table (1) names the flow in each row ("Export & Import", "Export", "Import", "Balance").
ROW_DIRECTION_TABLES: Final[frozenset[TableKind]] = frozenset({"totals"})
OF_WHICH: Final = re.compile(r"^of\s+which\s*[:：]\s*", re.I)
# Tables (5)/(6) mark an aggregate by a `*` after its label (2019: before it), maybe after a `<br>`.
AGGREGATE_MARK: Final = re.compile(r"^\s*\*\s*|\s*\*\s*$")
# 2019 pages say "Value Unit:" where the others say "Unit:".
UNIT_ROW: Final = re.compile(r"^(?:value\s+)?unit\s*[:：]\s*(?P<label>.+)$", re.I)
NOTE_ROW: Final = re.compile(r"^notes?\s*[:：]", re.I)
PUBLICATION_DATE: Final = re.compile(r"^(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})$")
# 2019 pages print "06/10/2019" (10 June 2019, the May release): which number is the month is decided
# by the release calendar (the month after the period), never assumed.
SLASHED_DATE: Final = re.compile(r"^(?P<first>\d{1,2})/(?P<second>\d{1,2})/(?P<year>\d{4})$")
# Tables (5)/(6) print four spaces per level of membership.
INDENT_PER_LEVEL: Final = 4
INDENT_CHARACTERS: Final = frozenset({"\xa0", "\u3000"})


@dataclass(frozen=True)
class _RawCell:
    text: str  # as in the page, with <br> as a line break
    colspan: int
    rowspan: int


@dataclass(frozen=True)
class _HeaderColumn:
    """What the header rows say about one column, before the table's defaults fill the gaps."""

    position: int  # 1-based position in the page's table row
    header: str  # the column's header labels, top to bottom, for messages ("Export 3")
    measure: Measure | None
    span: Span | None
    header_month: int | None  # the N of "N" or "1- to-N"
    printed_year: int | None  # the year of "1-5 Total,2025": the prior-year column
    direction: Direction | None
    is_quantity_unit: bool


@dataclass(frozen=True)
class _FigureColumn:
    position: int
    header: str
    measure: Measure
    span: Span
    direction: Direction | None  # None where the row names the flow (table (1))
    restates: Period | None = None  # the prior year's period, for the prior-year column of (5)/(6)


@dataclass(frozen=True)
class _QuantityUnitColumn:
    position: int
    header: str


_Column = _FigureColumn | _QuantityUnitColumn


@dataclass(frozen=True)
class _LabelledRow:
    label: str
    label_as_published: str
    indent: int  # leading non-breaking spaces
    of_which: bool
    is_aggregate: bool
    cells: Sequence[_RawCell]
    unit_pending: bool = False  # realigned from a shifted row: the page printed no unit


_TABLE_CLOSED = re.compile(r"</table\s*>", re.IGNORECASE)
_PAGE_CLOSED = re.compile(r"</html\s*>\s*$", re.IGNORECASE)


def _reject_repeated_rows(
    rows: Sequence[_LabelledRow], hierarchy: Sequence[tuple[int, str | None]], source: str, table_id: str
) -> None:
    """A label printed twice under the same parent is a duplicated row, never two figures to pick from."""
    seen: dict[tuple[str, str | None], int] = {}
    for number, (row, (_, parent)) in enumerate(zip(rows, hierarchy, strict=True), 1):
        key = (normalise_whitespace(row.label).casefold(), parent)
        if key in seen:
            raise ParseError(
                source,
                f"row {number} repeats row {seen[key]} ({row.label!r}): a duplicated row",
                table=table_id,
                row=row.label,
            )
        seen[key] = number


def parse_preliminary_page(
    content: bytes, source: str, *, currency: Currency | None = None, period: Period | None = None
) -> PreliminaryTable:
    """Read one preliminary-release table page; raise ParseError on anything not read with certainty.

    `currency` and `period` are what the caller knows from the index page (the link's edition and month
    column): needed for 2018-2019 titles that name no currency or no month, and checked against the
    title where it names them.
    """
    text = decode_html(content, source)
    tree = LexborHTMLParser(text)
    table_node = find_statistics_table(tree)
    if table_node is None:
        if table_is_an_image(tree):
            raise ParseError(
                source, "the table is published as an image (an <img> in the article), not as a table"
            )
        raise not_a_page_error(tree, source, "a GACC statistics table page")
    rows = [_raw_cells(tr) for tr in table_node.css("tr")]
    rows = [row for row in rows if any(cell.text.strip() for cell in row)]
    preamble = _leading_single_cell_rows(rows)
    body = [row for row in rows[len(preamble) :] if not _is_note_row(row)]
    warnings: list[str] = []

    title = _title(tree, preamble, source)
    kind = identify_table(title_description(title))
    if kind is None:
        raise ParseError(source, f"unknown table {title_description(title)!r} (title {title!r})")
    parts = split_page_title(title)
    if parts is None:
        raise ParseError(source, f"title {title!r} is not 'DESCRIPTION, PERIOD (in CURRENCY)'")
    period = _period(parts.period_text, period, title, source)
    only_month = _only_month(parts.only_text, period, source)
    edition = _edition(parts.currency, currency, title, source)

    unit_label = _unit_label(preamble, source)
    unit = unit_currency_and_scale(unit_label)
    if unit is None:
        raise ParseError(source, f"unknown unit {unit_label!r}")
    unit_currency, scale = unit
    if unit_currency != edition:
        said = f"the title says {edition} ({title!r})" if parts.currency else f"the edition is {edition}"
        raise ParseError(
            source, f"{said} but the unit row says {unit_label!r} ({unit_currency}): currency disagrees"
        )

    header_rows, data_rows = _split_header(body)
    if not data_rows:
        raise ParseError(source, "no data rows: a shell page with a title and headers only")
    if not header_rows:
        raise ParseError(source, "no header rows above the data")
    columns = _resolve_columns(_interpret_header(header_rows, source), kind, period, source, warnings)
    table_id = _table_id(kind, columns, only_month, source)
    if _says_january_to_month(parts.period_text) and table_id != "trade_mode_ytd":
        raise ParseError(
            source, f"the title's period {parts.period_text!r} is January-to-month", table=table_id
        )

    labelled = [_labelled_row(row, index, source, table_id) for index, row in enumerate(data_rows, 1)]
    if kind in MAJOR_TABLES:
        labelled = _realign_shifted_rows(labelled, columns, source, table_id, warnings)
    hierarchy = _hierarchy(labelled, source, table_id, by_indent=kind in MAJOR_TABLES)
    _reject_repeated_rows(labelled, hierarchy, source, table_id)
    table_rows = tuple(
        _table_row(number, row, level, parent, kind, table_id, columns, scale, period, source)
        for number, (row, (level, parent)) in enumerate(zip(labelled, hierarchy, strict=True), 1)
    )
    # The HTML parser closes what a cut-off download left open, so a page cut after a complete row
    # reads as a shorter table: the closing tags must really be there.
    if _TABLE_CLOSED.search(text) is None or _PAGE_CLOSED.search(text) is None:
        raise ParseError(
            source,
            "truncated: the page ends before its table and page are closed (a partial download?)",
            table=table_id,
            row=f"after {labelled[-1].label}",
        )
    return PreliminaryTable(
        table_id=table_id,
        printed_number=parts.printed_number,
        title=title,
        currency=edition,
        unit_label=unit_label,
        scale=scale,
        period=period,
        published_on=_publication_date(tree, period, source),
        rows=table_rows,
        warnings=tuple(warnings),
    )


def fill_quantity_units(
    table: PreliminaryTable, other_edition: PreliminaryTable, source: str
) -> PreliminaryTable:
    """Give a realigned table (5)/(6) the quantity units its page left out, from the other currency edition.

    Quantities do not depend on the currency: the two editions must print the same quantities for a row,
    else the realignment (or the other page) is wrong and the table is rejected.
    """
    if (other_edition.table_id, other_edition.period) != (table.table_id, table.period):
        raise ValueError(f"{source}: the other edition is not the same table and period")
    units = {row.commodity_code: row for row in other_edition.rows if not row.quantity_unit_pending}
    filled: list[TableRow] = []
    for row in table.rows:
        if not row.quantity_unit_pending:
            filled.append(row)
            continue
        other = units.get(row.commodity_code)
        if other is None or other.quantity_unit is None:
            raise ParseError(
                source,
                "the other edition has no quantity unit for this row",
                table=table.table_id,
                row=row.label,
            )
        theirs = {(c.span, c.restates): c.figure_as_published for c in other.cells if c.measure == "quantity"}
        ours = {(c.span, c.restates): c.figure_as_published for c in row.cells if c.measure == "quantity"}
        if theirs != ours:
            raise ParseError(
                source,
                f"the quantities {sorted(ours.values(), key=str)} differ from the other edition's "
                f"{sorted(theirs.values(), key=str)}: the realignment is not confirmed",
                table=table.table_id,
                row=row.label,
            )
        unit = quantity_unit(other.quantity_unit)
        cells = tuple(
            replace(cell, quantity_in_base_unit=_in_base_unit(cell.figure_as_published, unit.factor))
            if cell.measure == "quantity"
            else cell
            for cell in row.cells
        )
        filled.append(
            replace(
                row,
                cells=cells,
                quantity_unit=other.quantity_unit,
                quantity_base_unit=unit.base_unit,
                quantity_unit_pending=False,
            )
        )
    note = f"quantity units taken from the {other_edition.currency} edition of the same month"
    return replace(table, rows=tuple(filled), warnings=(*table.warnings, note))


def find_statistics_table(tree: LexborHTMLParser) -> LexborNode | None:
    """The page's statistics table: the one with a `Unit:` row (chrome tables have none)."""
    for table in tree.css("table"):
        for tr in table.css("tr"):
            cells = tr.css("td, th")
            if len(cells) == 1 and UNIT_ROW.match(normalise_whitespace(node_text(cells[0]))):
                return table
    return None


def table_is_an_image(tree: LexborHTMLParser) -> bool:
    """A titled article whose content is a picture of the table (every 2018 table (4) page).

    A captcha wall served at a table's address keeps the title and shows a picture too: a page that says
    it is an error or captcha page is never taken for a table published as an image.
    """
    title = tree.css_first("div.atcl-ttl")
    if title is None or not normalise_whitespace(node_text(title)) or error_page_marker(tree) is not None:
        return False
    return any(content.css_first("img") is not None for content in tree.css("div.atcl-cnt"))


def page_title(tree: LexborHTMLParser) -> str | None:
    """The article title (`atcl-ttl`), else the first single-cell row of the statistics table."""
    heading = tree.css_first("div.atcl-ttl")
    if heading is not None and normalise_whitespace(node_text(heading)):
        return normalise_whitespace(node_text(heading))
    table = find_statistics_table(tree)
    if table is None:
        return None
    for tr in table.css("tr"):
        cells = tr.css("td, th")
        if len(cells) != 1:
            return None
        text = normalise_whitespace(node_text(cells[0]))
        if text and not UNIT_ROW.match(text):
            return text
    return None


def _raw_cells(tr: LexborNode) -> list[_RawCell]:
    return [
        _RawCell(node_text(cell), _span_attribute(cell, "colspan"), _span_attribute(cell, "rowspan"))
        for cell in tr.css("td, th")
    ]


def _span_attribute(cell: LexborNode, name: str) -> int:
    value = (cell.attributes.get(name) or "1").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _leading_single_cell_rows(rows: list[list[_RawCell]]) -> list[list[_RawCell]]:
    preamble: list[list[_RawCell]] = []
    for row in rows:
        if len(row) != 1:
            break
        preamble.append(row)
    return preamble


def _is_note_row(row: list[_RawCell]) -> bool:
    """A `Note:` row, or a note's continuation ("2. For the scope of ..."): one cell across the table."""
    if len(row) != 1:
        return False
    return bool(NOTE_ROW.match(normalise_whitespace(row[0].text))) or row[0].colspan > 1


def _title(tree: LexborHTMLParser, preamble: list[list[_RawCell]], source: str) -> str:
    in_table = [
        text for row in preamble if (text := normalise_whitespace(row[0].text)) and not UNIT_ROW.match(text)
    ]
    heading = tree.css_first("div.atcl-ttl")
    in_heading = normalise_whitespace(node_text(heading)) if heading is not None else ""
    if in_table and in_heading and in_table[0] != in_heading:
        raise ParseError(
            source, f"the page title {in_heading!r} and the table title {in_table[0]!r} disagree"
        )
    title = in_table[0] if in_table else in_heading
    if not title:
        raise ParseError(source, "no title: neither an atcl-ttl heading nor a title row in the table")
    return title


def _period(period_text: str | None, given: Period | None, title: str, source: str) -> Period:
    """The title's period; a 2018 title without one takes the caller's (from the index page)."""
    if period_text is None:
        if given is None:
            raise ParseError(
                source,
                f"the title {title!r} names no period and none was given (take it from the index page)",
            )
        return given
    period = parse_title_period(period_text)
    if period is None:
        raise ParseError(
            source, f"title period {period_text!r} is not a month, January-February or January-to-month"
        )
    if given is not None and given != period:
        raise ParseError(source, f"the title says {period} but the index page says {given}")
    return period


def _says_january_to_month(period_text: str | None) -> bool:
    """`January-August 2019`: a January-to-month title (not the combined January-February release)."""
    if period_text is None:
        return False
    period = parse_title_period(period_text)
    return period is not None and not period.is_combined and "-" in period_text


def _edition(printed: Currency | None, given: Currency | None, title: str, source: str) -> Currency:
    if printed is None:
        if given is None:
            raise ParseError(
                source,
                f"the title {title!r} names no currency and none was given (take it from the index page's "
                "edition of the link)",
            )
        return given
    if given is not None and given != printed:
        raise ParseError(source, f"the title says {printed} but the index page's link is the {given} edition")
    return printed


def _unit_label(preamble: list[list[_RawCell]], source: str) -> str:
    for row in preamble:
        if match := UNIT_ROW.match(normalise_whitespace(row[0].text)):
            return match["label"]
    raise ParseError(source, "no 'Unit:' row above the header")


def _only_month(only_text: str | None, period: Period, source: str) -> int | None:
    """The month of "(Only August, in CNY)", which must be the title's month."""
    if only_text is None:
        return None
    month = month_number(only_text)
    if month is None or period.is_combined or month != period.last_month:
        raise ParseError(source, f"'Only {only_text}' in the title disagrees with the period {period}")
    return month


def _split_header(body: list[list[_RawCell]]) -> tuple[list[list[_RawCell]], list[list[_RawCell]]]:
    """Header rows are the leading rows with no figure in them (a header's month is an integer)."""
    for index, row in enumerate(body):
        if any(looks_like_figure(cell.text) for cell in row[1:]):
            return body[:index], body[index:]
    return body, []


def _header_grid(header_rows: list[list[_RawCell]]) -> list[list[str]]:
    """The header rows as a rectangular grid, colspan and rowspan expanded (a label repeats where it spans)."""
    grid: list[dict[int, str]] = [{} for _ in header_rows]
    for row_index, row in enumerate(header_rows):
        position = 0
        for cell in row:
            while position in grid[row_index]:
                position += 1
            for row_offset in range(cell.rowspan):
                if row_index + row_offset >= len(grid):
                    break
                for column_offset in range(cell.colspan):
                    grid[row_index + row_offset][position + column_offset] = cell.text
            position += cell.colspan
    width = max((max(row) + 1 for row in grid if row), default=0)
    return [[row.get(position, "") for position in range(width)] for row in grid]


def _interpret_header(header_rows: list[list[_RawCell]], source: str) -> list[_HeaderColumn]:
    grid = _header_grid(header_rows)
    columns: list[_HeaderColumn] = []
    for index in range(1, len(grid[0])):  # the first column holds the row labels
        labels: list[str] = []
        for row in grid:
            label = normalise_whitespace(row[index])
            if label and (not labels or labels[-1] != label):  # a rowspan repeats its label
                labels.append(label)
        columns.append(_interpret_column(index + 1, labels, source))
    return columns


def _span_of(label: str) -> tuple[Span, int, int | None] | None:
    """(span, header month, printed year) of a period label, or None if the label is no period."""
    match = SPAN_LABEL.match(label)
    if match is None:
        return None
    word = match["ytd"] or match["month"]
    month = int(word) if word.isdigit() else month_number(word)
    if month is None or not 1 <= month <= 12:
        return None
    year = match["year"] or match["year_after"]
    return ("ytd" if match["ytd"] else "month", month, int(year) if year else None)


def _interpret_column(position: int, labels: list[str], source: str) -> _HeaderColumn:
    header = " ".join(labels)
    measures: set[Measure] = set()
    spans: set[tuple[Span, int, int | None]] = set()
    directions: set[Direction] = set()
    is_quantity_unit = False
    for label in labels:
        key = label.casefold()
        understood = False
        period_part = label
        if YOY_LABEL.search(label):
            measures.add("yoy_pct")
            understood = True
            period_part = YOY_LABEL.sub(" ", label)
        period_part = normalise_whitespace(_PERCENT_NOISE.sub(" ", period_part)).strip(" ,")
        if period_part and (found := _span_of(period_part)) is not None:
            spans.add(found)
            understood = True
        elif period_part and understood:
            raise ParseError(source, f"unknown header label {label!r}", column=header)
        for keyword, measure in MEASURE_KEYWORDS:
            if keyword in key and not (keyword == "quantity" and key in QUANTITY_UNIT_LABELS):
                measures.add(measure)
                understood = True
                break
        if key in DIRECTION_LABELS:
            directions.add(DIRECTION_LABELS[key])
            understood = True
        if key in QUANTITY_UNIT_LABELS:
            is_quantity_unit = True
            understood = True
        if not understood:
            raise ParseError(source, f"unknown header label {label!r}", column=header)
    if measures & PERCENT_MEASURES:
        measures &= PERCENT_MEASURES
    if len(measures) > 1 or len(spans) > 1 or len(directions) > 1:
        raise ParseError(source, "the header gives this column more than one meaning", column=header)
    if is_quantity_unit and (measures or spans or directions):
        raise ParseError(source, "the quantity-unit column also names a measure or period", column=header)
    span, header_month, printed_year = next(iter(spans)) if spans else (None, None, None)
    return _HeaderColumn(
        position=position,
        header=header,
        measure=next(iter(measures)) if measures else None,
        span=span,
        header_month=header_month,
        printed_year=printed_year,
        direction=next(iter(directions)) if directions else None,
        is_quantity_unit=is_quantity_unit,
    )


def _resolve_columns(
    header: list[_HeaderColumn], kind: TableKind, period: Period, source: str, warnings: list[str]
) -> list[_Column]:
    """Fill what the header leaves unsaid and check its months against the title's period.

    A column without a measure holds values; one without a period takes the table's only period (the
    y/y % of tables (2)/(3), under a bare "Year-on-Year"), or in tables (5)/(6) January-to-month (their
    y/y % is always of the cumulative). The months in the header must be the title's, and a
    January-February title has no single-month columns. A January-to-month column with a year printed
    beside one without is the prior year's (tables (5)/(6)): that year is the title's minus one, whatever
    the header prints (a 2026 page printed `1-5 Total, 2024`), with a warning where they differ.
    """
    figure_columns = [column for column in header if not column.is_quantity_unit]
    spans = {(column.span, column.header_month) for column in figure_columns if column.span is not None}
    if not spans:
        raise ParseError(source, "no column header names the month or January-to-month")
    unlabelled = [column for column in figure_columns if column.span is None]
    if unlabelled and len(spans) > 1 and kind not in MAJOR_TABLES:
        raise ParseError(
            source,
            "the header does not say whether this column is the month or January-to-month",
            column=unlabelled[0].header,
        )
    for column in figure_columns:
        if column.span is None:
            continue
        if period.is_combined and column.span == "month":
            raise ParseError(
                source,
                f"the title says {period} (January-February) but this column is the single month "
                f"{column.header_month}",
                column=column.header,
            )
        if column.header_month != period.last_month:
            raise ParseError(
                source,
                f"header month {column.header_month} disagrees with the title's period {period}",
                column=column.header,
            )
    restated = _restated_columns(figure_columns, period, source, warnings)
    table_span = next(iter(spans))[0] if len(spans) == 1 else "ytd"
    return [
        _QuantityUnitColumn(column.position, column.header)
        if column.is_quantity_unit
        else _FigureColumn(
            position=column.position,
            header=column.header,
            measure=column.measure or "value",
            span=column.span or table_span,
            direction=column.direction,
            restates=period.year_earlier() if column.position in restated else None,
        )
        for column in header
    ]


def _restated_columns(
    columns: list[_HeaderColumn], period: Period, source: str, warnings: list[str]
) -> frozenset[int]:
    """Positions of the prior-year January-to-month columns (a year printed in a non-y/y ytd header)."""
    dated = [c for c in columns if c.span == "ytd" and c.printed_year is not None and c.measure != "yoy_pct"]
    current = [c for c in columns if c.span == "ytd" and c.printed_year is None and c.measure != "yoy_pct"]
    restated: set[int] = set()
    for column in dated:
        if column.printed_year == period.year and not current:
            continue  # the cumulative of the title's own year, its year spelt out
        if column.printed_year == period.year or not current:
            raise ParseError(
                source,
                f"a January-to-month column of {column.printed_year} on a page of {period}: "
                "neither the period nor its prior year",
                column=column.header,
            )
        if column.printed_year != period.year - 1:
            message = (
                f"the prior-year header prints the year {column.printed_year} on a page of {period}: "
                f"taken as {period.year - 1}, the title's year minus one"
            )
            if message not in warnings:
                warnings.append(message)
        restated.add(column.position)
    return frozenset(restated)


def _table_id(kind: TableKind, columns: list[_Column], only_month: int | None, source: str) -> TableId:
    if kind != "trade_mode":
        return kind
    spans = {column.span for column in columns if isinstance(column, _FigureColumn)}
    if only_month is not None:
        if spans != {"month"}:
            raise ParseError(source, "the title says 'Only' the month but the header has January-to-month")
        return "trade_mode_month"
    if spans == {"month"}:
        return "trade_mode_month"
    if spans == {"ytd"}:
        return "trade_mode_ytd"
    raise ParseError(source, "a trade-mode table mixing month and January-to-month columns")


def _labelled_row(row: list[_RawCell], row_number: int, source: str, table_id: TableId) -> _LabelledRow:
    as_published = collapse_markup_whitespace(row[0].text)
    leading = as_published[: len(as_published) - len(as_published.lstrip())]
    label_with_prefix = normalise_whitespace(as_published)
    label = OF_WHICH.sub("", label_with_prefix)
    is_aggregate = False
    if table_id in MAJOR_TABLES and AGGREGATE_MARK.search(label):
        label, is_aggregate = normalise_whitespace(AGGREGATE_MARK.sub("", label)), True
    if not label:
        raise ParseError(source, "a data row without a label", table=table_id, row=row_number)
    return _LabelledRow(
        label=label,
        label_as_published=as_published,
        indent=sum(character in INDENT_CHARACTERS for character in leading),
        of_which=label != label_with_prefix and not is_aggregate,
        is_aggregate=is_aggregate,
        cells=row,
    )


def _realign_shifted_rows(
    rows: list[_LabelledRow], columns: list[_Column], source: str, table_id: TableId, warnings: list[str]
) -> list[_LabelledRow]:
    """Undo GACC's shifted table (5): rows that left out the unit cell and end with an empty cell.

    Every number then stands one column left of its header. Realigned only when the whole table says so
    unambiguously: every row ends with an empty cell, every cell under the unit header is a number or a
    dash, and at least one is a number. Anything in between is rejected, naming the rows.
    """
    units = [i for i, column in enumerate(columns, 1) if isinstance(column, _QuantityUnitColumn)]
    if len(units) != 1 or not isinstance(columns[-1], _FigureColumn):
        return rows
    unit_index = units[0]
    width = len(columns) + 1
    ending_empty = [
        row for row in rows if len(row.cells) == width and not normalise_whitespace(row.cells[-1].text)
    ]
    if not ending_empty:
        return rows

    def under_unit(row: _LabelledRow) -> str:
        return normalise_whitespace(row.cells[unit_index].text)

    def is_number(text: str) -> bool:
        try:
            return parse_figure(text) is not None
        except ValueError:
            return False

    numbers_under_unit = [row for row in rows if len(row.cells) == width and is_number(under_unit(row))]
    consistent = all(is_number(under_unit(row)) or under_unit(row) in NO_FIGURE_MARKS for row in rows)
    if len(ending_empty) == len(rows) and numbers_under_unit and consistent:
        warnings.append(
            f"every row leaves out its unit cell and ends with an empty cell ({len(rows)} rows): realigned "
            "one column right; quantity units to be taken from the other edition of the same month"
        )
        realigned: list[_LabelledRow] = []
        for row in rows:
            cells = [*row.cells[:unit_index], _RawCell("", 1, 1), *row.cells[unit_index:-1]]
            pending = is_number(under_unit(row))
            realigned.append(replace(row, cells=cells, unit_pending=pending))
        return realigned
    if len(ending_empty) < len(rows):
        odd, why = [row.label for row in ending_empty], "only these rows do"
    elif not consistent:
        odd = [
            row.label
            for row in rows
            if not is_number(under_unit(row)) and under_unit(row) not in NO_FIGURE_MARKS
        ]
        why = "these rows print a unit, not a number, under the unit header"
    else:
        odd, why = [row.label for row in rows], "no row has a number under the unit header"
    raise ParseError(
        source,
        f"{len(ending_empty)} of {len(rows)} rows end with an empty cell (a page shifted one column left?) "
        f"but the evidence is ambiguous ({why}); rows {odd[:10]}: not realigned, rejected",
        table=table_id,
    )


def _hierarchy(
    rows: list[_LabelledRow], source: str, table_id: TableId, *, by_indent: bool = False
) -> list[tuple[int, str | None]]:
    """(indent level, parent label) per row.

    A row prefixed "of which:" opens the members of the row above it; the rows after it indented at least
    as far (with or without "of which:") are members of the same row. Other rows are level 0 at the
    table's least indentation, else 1; with `by_indent` (tables (5)/(6), four `&nbsp;` per level and no
    "of which:"), the level is the indentation's, and no parent is inferred from it (GACC's indentation
    there does not always mean membership: rare earths stand indented under refined petroleum products).
    """
    parents: list[int | None] = []
    block_parent: int | None = None
    block_indent = 0
    for index, row in enumerate(rows):
        in_block = (
            block_parent is not None and row.indent >= block_indent and row.indent > rows[block_parent].indent
        )
        if row.of_which and not in_block:
            if index == 0:
                raise ParseError(source, "the first row is an 'of which:' row", table=table_id, row=row.label)
            block_parent, block_indent = index - 1, row.indent
        elif not in_block:
            block_parent = None
        parents.append(block_parent)
    top_indent = min(row.indent for row, parent in zip(rows, parents, strict=True) if parent is None)
    levels: list[int] = []
    for row, parent in zip(rows, parents, strict=True):
        if parent is not None:
            levels.append(levels[parent] + 1)
        elif by_indent:
            levels.append(-(-(row.indent - top_indent) // INDENT_PER_LEVEL))
        else:
            levels.append(0 if row.indent == top_indent else 1)
    return [
        (level, None if parent is None else rows[parent].label)
        for level, parent in zip(levels, parents, strict=True)
    ]


def _row_codes(
    row: _LabelledRow, kind: TableKind, table_id: TableId, period: Period, source: str
) -> dict[str, str]:
    try:
        if kind in MAJOR_TABLES:
            return {"commodity_code": commodity_code(row.label, TABLE_DIRECTIONS[kind], period)}
        if kind == "trade_mode":
            return {"trade_mode_code": trade_mode_code(row.label, period)}
    except UnknownLabelError as error:
        raise ParseError(source, str(error), table=table_id, row=row.label) from None
    return {}


def _table_row(
    row_number: int,
    row: _LabelledRow,
    level: int,
    parent: str | None,
    kind: TableKind,
    table_id: TableId,
    columns: list[_Column],
    scale: int,
    period: Period,
    source: str,
) -> TableRow:
    if len(row.cells) != len(columns) + 1:
        raise ParseError(
            source,
            f"{len(row.cells)} cells where the header has {len(columns) + 1}",
            table=table_id,
            row=row.label,
        )
    row_direction = DIRECTION_LABELS.get(row.label.casefold()) if kind in ROW_DIRECTION_TABLES else None
    if kind in ROW_DIRECTION_TABLES and row_direction is None:
        raise ParseError(source, "a totals row must name a flow", table=table_id, row=row.label)
    codes = _row_codes(row, kind, table_id, period, source)
    quantity_unit_printed: str | None = None
    factor: Decimal | None = None
    base_unit: str | None = None
    cells: list[Cell] = []
    for column, raw in zip(columns, row.cells[1:], strict=True):
        if isinstance(column, _QuantityUnitColumn):
            printed = normalise_whitespace(raw.text)
            if printed not in NO_FIGURE_MARKS:
                quantity_unit_printed = printed
                try:
                    unit = quantity_unit(printed)
                except UnknownLabelError as error:
                    raise ParseError(
                        source, str(error), table=table_id, row=row.label, column=column.header
                    ) from None
                factor, base_unit = unit.factor, unit.base_unit
            continue
        try:
            figure = parse_figure(raw.text)
            amount = _amount(figure, column.measure, scale)  # range-checked: names this cell if too big
        except ValueError as error:
            raise ParseError(
                source, str(error), table=table_id, row=row.label, column=column.header
            ) from None
        direction = column.direction or TABLE_DIRECTIONS.get(kind) or row_direction
        if direction is None:
            raise ParseError(source, "nothing names this column's flow", table=table_id, column=column.header)
        is_quantity = column.measure == "quantity"
        if (
            is_quantity
            and figure is not None
            and factor is None
            and not row.unit_pending
            and kind in MAJOR_TABLES
        ):
            raise ParseError(
                source,
                "a quantity without a quantity unit",
                table=table_id,
                row=row.label,
                column=column.header,
            )
        cells.append(
            Cell(
                column=column.position,
                measure=column.measure,
                span=column.span,
                direction=direction,
                figure_as_published=None if figure is None else float(figure),
                amount_whole_units=amount,
                restates=column.restates,
                quantity_in_base_unit=_in_base_unit(figure, factor) if is_quantity else None,
            )
        )
    return TableRow(
        row_number=row_number,
        label=row.label,
        label_as_published=row.label_as_published,
        indent_level=level,
        parent_label=parent,
        quantity_unit=quantity_unit_printed,
        cells=tuple(cells),
        is_aggregate=row.is_aggregate,
        quantity_base_unit=base_unit,
        quantity_unit_pending=row.unit_pending,
        **codes,
    )


def _in_base_unit(figure: Decimal | float | None, factor: Decimal | None) -> float | None:
    if figure is None or factor is None:
        return None
    return float(Decimal(str(figure)) * factor)


def _amount(figure: Decimal | None, measure: Measure, scale: int) -> int | None:
    if figure is None or measure != "value":
        return None
    return scale_amount(figure, scale)


def _publication_date(tree: LexborHTMLParser, period: Period, source: str) -> date | None:
    node = tree.css_first("div.atcl-date")
    if node is None or not normalise_whitespace(node_text(node)):
        return None
    text = normalise_whitespace(node_text(node))
    if match := PUBLICATION_DATE.match(text):
        try:
            return date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            pass
    elif match := SLASHED_DATE.match(text):
        return _slashed_date(text, match, period, source)
    raise ParseError(source, f"publication date {text!r} is not YYYY/MM/DD (or NN/NN/YYYY)")


def _slashed_date(text: str, match: re.Match[str], period: Period, source: str) -> date:
    """`06/10/2019`: month and day in either order; the reading in the month after the period wins."""
    year, first, second = int(match["year"]), int(match["first"]), int(match["second"])
    release_year, release_month = (
        (period.year + 1, 1) if period.last_month == 12 else (period.year, period.last_month + 1)
    )
    readings: set[date] = set()
    for month, day in ((first, second), (second, first)):
        try:
            readings.add(date(year, month, day))
        except ValueError:
            continue
    in_release_month = {d for d in readings if (d.year, d.month) == (release_year, release_month)}
    if len(in_release_month) != 1:
        raise ParseError(
            source,
            f"publication date {text!r}: no single reading (month/day or day/month) falls in "
            f"{release_year}-{release_month:02d}, the month after the period {period}",
        )
    return in_release_month.pop()
