"""Parse one page of GACC's preliminary release (tables (1)-(6), CNY or USD edition) into a PreliminaryTable.

The layout is described in docs/gacc-page-layouts.md. Everything that varies is read from the page, not
assumed: the table from its description, the currency from both title and unit row (they must agree),
the meaning of each column from the header rows, the hierarchy of rows from their indentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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
from warehouse.codes import Direction, Measure, Span, TableId

# Header words that say what a column measures; a column with none holds values.
MEASURE_KEYWORDS: Final[tuple[tuple[str, Measure], ...]] = (
    ("year-on-year", "yoy_pct"),
    ("month-on-month", "mom_pct"),
    ("quantity", "quantity"),
    ("value", "value"),
)
# Under "Year-on-Year (±%)", tables (5)/(6) print "Quantity" and "Value": the column is a percentage
# (of the quantity or of the value, told apart by position), so a percentage outranks what it is of.
PERCENT_MEASURES: Final[frozenset[Measure]] = frozenset({"yoy_pct", "mom_pct"})
# The January-to-month label: "1- to-3" in the sample, also "1-to-3", "1 to 3", and inside
# "1-to-3 Total Year-on-Year (±%)".
YTD_LABEL: Final = re.compile(r"\b1\s*-?\s*to\s*-?\s*(?P<month>\d{1,2})\b", re.I)
MONTH_LABEL: Final = re.compile(r"\d{1,2}")
# The header of the quantity-unit column of tables (5)/(6).
QUANTITY_UNIT_LABELS: Final = frozenset({"unit", "units"})
# Flows not named by a header: the major-exports/imports tables are one flow throughout.
TABLE_DIRECTIONS: Final[dict[TableKind, Direction]] = {"major_exports": "export", "major_imports": "import"}
# Table (1) names the flow in each row ("Export & Import", "Export", "Import", "Balance").
ROW_DIRECTION_TABLES: Final[frozenset[TableKind]] = frozenset({"totals"})
OF_WHICH: Final = re.compile(r"^of\s+which\s*[:：]\s*", re.I)
UNIT_ROW: Final = re.compile(r"^unit\s*[:：]\s*(?P<label>.+)$", re.I)
NOTE_ROW: Final = re.compile(r"^notes?\s*[:：]", re.I)
PUBLICATION_DATE: Final = re.compile(r"^(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})$")
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
    direction: Direction | None
    is_quantity_unit: bool


@dataclass(frozen=True)
class _FigureColumn:
    position: int
    header: str
    measure: Measure
    span: Span
    direction: Direction | None  # None where the row names the flow (table (1))


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
    cells: Sequence[_RawCell]


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


def parse_preliminary_page(content: bytes, source: str) -> PreliminaryTable:
    """Read one preliminary-release table page; raise ParseError on anything not read with certainty."""
    text = decode_html(content, source)
    tree = LexborHTMLParser(text)
    table_node = find_statistics_table(tree)
    if table_node is None:
        raise not_a_page_error(tree, source, "a GACC statistics table page")
    rows = [_raw_cells(tr) for tr in table_node.css("tr")]
    rows = [row for row in rows if any(cell.text.strip() for cell in row)]
    preamble = _leading_single_cell_rows(rows)
    body = [row for row in rows[len(preamble) :] if not _is_note_row(row)]

    title = _title(tree, preamble, source)
    kind = identify_table(title_description(title))
    if kind is None:
        raise ParseError(source, f"unknown table {title_description(title)!r} (title {title!r})")
    parts = split_page_title(title)
    if parts is None:
        raise ParseError(source, f"title {title!r} is not 'DESCRIPTION, PERIOD (in CURRENCY)'")
    period = parse_title_period(parts.period_text)
    if period is None:
        raise ParseError(source, f"title period {parts.period_text!r} is not a month or January-February")
    only_month = _only_month(parts.only_text, period, source)

    unit_label = _unit_label(preamble, source)
    unit = unit_currency_and_scale(unit_label)
    if unit is None:
        raise ParseError(source, f"unknown unit {unit_label!r}")
    unit_currency, scale = unit
    if unit_currency != parts.currency:
        raise ParseError(
            source,
            f"the title says {parts.currency} ({title!r}) but the unit row says {unit_label!r} "
            f"({unit_currency}): currency disagrees",
        )

    header_rows, data_rows = _split_header(body)
    if not data_rows:
        raise ParseError(source, "no data rows: a shell page with a title and headers only")
    if not header_rows:
        raise ParseError(source, "no header rows above the data")
    columns = _resolve_columns(_interpret_header(header_rows, source), period, source)
    table_id = _table_id(kind, columns, only_month, source)

    labelled = [_labelled_row(row, index, source, table_id) for index, row in enumerate(data_rows, 1)]
    hierarchy = _hierarchy(labelled, source, table_id)
    _reject_repeated_rows(labelled, hierarchy, source, table_id)
    table_rows = tuple(
        _table_row(number, row, level, parent, kind, table_id, columns, scale, source)
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
        currency=parts.currency,
        unit_label=unit_label,
        scale=scale,
        period=period,
        published_on=_publication_date(tree, source),
        rows=table_rows,
    )


def find_statistics_table(tree: LexborHTMLParser) -> LexborNode | None:
    """The page's statistics table: the one with a `Unit:` row (chrome tables have none)."""
    for table in tree.css("table"):
        for tr in table.css("tr"):
            cells = tr.css("td, th")
            if len(cells) == 1 and UNIT_ROW.match(normalise_whitespace(node_text(cells[0]))):
                return table
    return None


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
    return len(row) == 1 and bool(NOTE_ROW.match(normalise_whitespace(row[0].text)))


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


def _interpret_column(position: int, labels: list[str], source: str) -> _HeaderColumn:
    header = " ".join(labels)
    measures: set[Measure] = set()
    spans: set[tuple[Span, int]] = set()
    directions: set[Direction] = set()
    is_quantity_unit = False
    for label in labels:
        key = label.casefold()
        understood = False
        if MONTH_LABEL.fullmatch(label):
            spans.add(("month", int(label)))
            understood = True
        elif ytd := YTD_LABEL.search(label):
            spans.add(("ytd", int(ytd["month"])))
            understood = True
        for keyword, measure in MEASURE_KEYWORDS:
            if keyword in key:
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
    span, header_month = next(iter(spans)) if spans else (None, None)
    return _HeaderColumn(
        position=position,
        header=header,
        measure=next(iter(measures)) if measures else None,
        span=span,
        header_month=header_month,
        direction=next(iter(directions)) if directions else None,
        is_quantity_unit=is_quantity_unit,
    )


def _resolve_columns(header: list[_HeaderColumn], period: Period, source: str) -> list[_Column]:
    """Fill what the header leaves unsaid and check its months against the title's period.

    A column without a measure holds values; one without a period (the y/y % of tables (2)/(3), under a
    bare "Year-on-Year") takes the table's only period. The months in the header must be the title's,
    and a January-February title has only `1- to-2` columns.
    """
    figure_columns = [column for column in header if not column.is_quantity_unit]
    spans = {(column.span, column.header_month) for column in figure_columns if column.span is not None}
    if not spans:
        raise ParseError(source, "no column header names the month or January-to-month")
    unlabelled = [column for column in figure_columns if column.span is None]
    if unlabelled and len(spans) > 1:
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
    table_span = next(iter(spans))[0]
    return [
        _QuantityUnitColumn(column.position, column.header)
        if column.is_quantity_unit
        else _FigureColumn(
            position=column.position,
            header=column.header,
            measure=column.measure or "value",
            span=column.span or table_span,
            direction=column.direction,
        )
        for column in header
    ]


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
    if not label:
        raise ParseError(source, "a data row without a label", table=table_id, row=row_number)
    return _LabelledRow(
        label=label,
        label_as_published=as_published,
        indent=sum(character in INDENT_CHARACTERS for character in leading),
        of_which=label != label_with_prefix,
        cells=row,
    )


def _hierarchy(rows: list[_LabelledRow], source: str, table_id: TableId) -> list[tuple[int, str | None]]:
    """(indent level, parent label) per row.

    A row prefixed "of which:" opens the members of the row above it; the rows after it indented at least
    as far (with or without "of which:") are members of the same row. Other rows are level 0 at the
    table's least indentation, else 1.
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
        if parent is None:
            levels.append(0 if row.indent == top_indent else 1)
        else:
            levels.append(levels[parent] + 1)
    return [
        (level, None if parent is None else rows[parent].label)
        for level, parent in zip(levels, parents, strict=True)
    ]


def _table_row(
    row_number: int,
    row: _LabelledRow,
    level: int,
    parent: str | None,
    kind: TableKind,
    table_id: TableId,
    columns: list[_Column],
    scale: int,
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
    quantity_unit: str | None = None
    cells: list[Cell] = []
    for column, raw in zip(columns, row.cells[1:], strict=True):
        if isinstance(column, _QuantityUnitColumn):
            printed = normalise_whitespace(raw.text)
            quantity_unit = None if printed in NO_FIGURE_MARKS else printed
            continue
        try:
            figure = parse_figure(raw.text)
        except ValueError as error:
            raise ParseError(
                source, str(error), table=table_id, row=row.label, column=column.header
            ) from None
        direction = column.direction or TABLE_DIRECTIONS.get(kind) or row_direction
        if direction is None:
            raise ParseError(source, "nothing names this column's flow", table=table_id, column=column.header)
        cells.append(
            Cell(
                column=column.position,
                measure=column.measure,
                span=column.span,
                direction=direction,
                figure_as_published=None if figure is None else float(figure),
                amount_whole_units=_amount(figure, column.measure, scale),
            )
        )
    return TableRow(
        row_number=row_number,
        label=row.label,
        label_as_published=row.label_as_published,
        indent_level=level,
        parent_label=parent,
        quantity_unit=quantity_unit,
        cells=tuple(cells),
    )


def _amount(figure: Decimal | None, measure: Measure, scale: int) -> int | None:
    if figure is None or measure != "value":
        return None
    return scale_amount(figure, scale)


def _publication_date(tree: LexborHTMLParser, source: str) -> date | None:
    node = tree.css_first("div.atcl-date")
    if node is None or not normalise_whitespace(node_text(node)):
        return None
    text = normalise_whitespace(node_text(node))
    match = PUBLICATION_DATE.match(text)
    try:
        if match is None:
            raise ValueError
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise ParseError(source, f"publication date {text!r} is not YYYY/MM/DD") from None
