"""Parse one Monthly Bulletin table page (customs regime, or country/region) into a BulletinTable.

The Bulletin's template (see ../shared/docs/gacc-formats.md, "Monthly Bulletin tables"): a title
`(N) <description>, 10.2019` (also `12. 2019`, `2. 2019`), a `Unit: US$1,000` (or `CNY 10,000`) row,
the flows (`Exports`, `Imports`, maybe a total) over the month `10` and January-to-month `1 to 10` (or
`1to12`), then per row a value row and under it a shaded row of year-on-year % for the values above it
(its label cell spanned from the value row, or repeated, or empty); notes below. The table is identified
by its description, never by its printed number; every row label must be known to the reference data.

One page was printed without a Unit row: it is read as the Bulletin's US$1,000 only once its TOTAL
agrees with another vintage of the same month (`confirm_assumed_unit`), else it is never staged. A
February page gives February alone and January-February: January is derived (`derive_january`),
flagged, never passed off as published.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

from domain.partners import WORLD_CODE
from domain.periods import Period
from flows.ingest.model import BulletinTable, Cell, ParseError, TableRow
from flows.ingest.parsers.common import (
    DIRECTION_LABELS,
    NO_FIGURE_MARKS,
    collapse_markup_whitespace,
    decode_html,
    node_text,
    normalise_whitespace,
    not_a_page_error,
    parse_figure,
    scale_amount,
    title_currency,
    unit_currency_and_scale,
)
from flows.ingest.parsers.gacc_labels import UnknownLabelError, trade_mode_code
from flows.ingest.parsers.preliminary import NOTE_ROW, UNIT_ROW
from warehouse.codes import Currency, Direction, Measure, Span, TableId
from warehouse.reference import UnknownPartnerError, resolve_partner_labels

# Matched in order against the title's description. The Bulletin says "customs regime" where the
# preliminary release says "trade mode"; the country table names origin/destination.
BULLETIN_DESCRIPTIONS: Final[tuple[tuple[re.Pattern[str], TableId], ...]] = (
    (re.compile(r"\bby customs regimes?\b", re.I), "bulletin_trade_mode"),
    (re.compile(r"\bby country\s*(?:\(\s*region\s*\)|/\s*region)", re.I), "bulletin_by_partner"),
)
# `(5) Imports and Exports by Customs Regime, 10.2019`, `..., 12. 2019`, maybe `(in CNY)` after it.
# The period `M.YYYY` is what tells a Bulletin title from a preliminary one (`Oct 2019`, `Jan. 2018`).
BULLETIN_TITLE: Final = re.compile(
    r"^(?:\((?P<number>\d+)\)\s*)?(?P<description>.+?)\s*,\s*(?P<month>\d{1,2})\s*\.\s*(?P<year>\d{4})"
    r"\s*(?:\(\s*(?:in\s+)?(?P<currency>cny|rmb|usd|us\$)\s*\))?$",
    re.I,
)
# Header flows as the Bulletin prints them, besides the preliminary release's spellings.
BULLETIN_DIRECTIONS: Final[dict[str, Direction]] = DIRECTION_LABELS | {
    "total": "total",
    "imports and exports": "total",
    "imports & exports": "total",
    "exports and imports": "total",
    "total imports and exports": "total",
}
# A column's period, spaces removed: the month `10`, or January-to-month `1to10`, `1-10`.
BULLETIN_SPAN: Final = re.compile(r"^(?:(?P<ytd>1)(?:to|-|–|~))?(?P<month>\d{1,2})$", re.I)
# What only a data cell holds: a dash, a number with thousands commas or with decimals. Header periods
# (`10`, `1 to 10`) are bare integers.
_FIGURE_TEXT: Final = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+\.\d+")
PUBLICATION_DATE: Final = re.compile(r"^(?P<year>\d{4})[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})$")
# The Bulletin's own unit, assumed only for a page that prints no Unit row (and then confirmed).
ASSUMED_UNIT: Final[tuple[str, Currency, int]] = ("US$1,000", "USD", 1_000)
# How far an assumed-unit TOTAL may stand from another vintage of the month: rounding of the other
# vintage's printed figures and the small revisions between vintages (December 2025 exports: -0.001%).
# A wrong unit is off by a factor of ten or more.
ASSUMED_UNIT_TOLERANCE: Final = 0.001
# The row of each table that is China's total.
TOTAL_CODES: Final[dict[TableId, str]] = {"bulletin_trade_mode": "TOTAL", "bulletin_by_partner": WORLD_CODE}
INDENT_CHARACTERS: Final = frozenset({"\xa0", "\u3000"})
OF_WHICH: Final = re.compile(r"^of\s+which\s*[:：]\s*", re.I)
_TABLE_CLOSED: Final = re.compile(r"</table\s*>", re.I)
_PAGE_CLOSED: Final = re.compile(r"</html\s*>\s*$", re.I)


@dataclass(frozen=True)
class _Raw:
    text: str
    colspan: int
    rowspan: int


@dataclass(frozen=True)
class _Column:
    position: int  # 1-based in the value row
    header: str
    direction: Direction
    span: Span


@dataclass(frozen=True)
class _Title:
    text: str
    printed_number: int | None
    table_id: TableId
    period: Period
    currency: Currency | None


def identify_bulletin_table(description: str) -> TableId | None:
    description = normalise_whitespace(description)
    for pattern, table_id in BULLETIN_DESCRIPTIONS:
        if pattern.search(description):
            return table_id
    return None


def bulletin_title(text: str) -> re.Match[str] | None:
    """The title's parts if `text` is titled in the Bulletin's template (`..., 10.2019`), whatever table."""
    return BULLETIN_TITLE.match(normalise_whitespace(text))


def is_bulletin_page(tree: LexborHTMLParser) -> bool:
    """True for a page titled in the Bulletin's template: its parser then names a table it does not know."""
    return find_bulletin_table(tree) is not None


def find_bulletin_table(tree: LexborHTMLParser) -> LexborNode | None:
    """The table whose first row is a Bulletin title, else (title only in the heading) one with a Unit row
    or, for a page without a Unit row, the first with a header row naming the flows."""
    candidates: list[LexborNode] = []
    for table in tree.css("table"):
        rows = [tr.css("td, th") for tr in table.css("tr")]
        rows = [cells for cells in rows if any(normalise_whitespace(node_text(c)) for c in cells)]
        if rows and len(rows[0]) == 1 and bulletin_title(node_text(rows[0][0])):
            return table
        if any(
            (len(cells) == 1 and UNIT_ROW.match(normalise_whitespace(node_text(cells[0]))))
            or any(normalise_whitespace(node_text(c)).casefold() in BULLETIN_DIRECTIONS for c in cells[1:])
            for cells in rows
        ):
            candidates.append(table)
    heading = tree.css_first("div.atcl-ttl")
    if candidates and heading is not None and bulletin_title(node_text(heading)):
        return candidates[0]
    return None


def parse_bulletin_page(content: bytes, source: str) -> BulletinTable:
    """Read one Bulletin table page; raise ParseError on anything not read with certainty."""
    text = decode_html(content, source)
    tree = LexborHTMLParser(text)
    table_node = find_bulletin_table(tree)
    if table_node is None:
        raise not_a_page_error(tree, source, "a Monthly Bulletin table page")
    rows = [_raw_cells(tr) for tr in table_node.css("tr")]
    rows = [row for row in rows if any(cell.text.strip() for cell in row)]
    preamble = _preamble(rows)
    title = _title(tree, preamble, source)
    table_id = title.table_id
    warnings: list[str] = []

    unit_label, currency, scale, unit_assumed = _unit(preamble, title, source)
    if unit_assumed:
        warnings.append(
            f"no Unit row: read as the Bulletin's {unit_label}, to be confirmed against another vintage "
            f"of {title.period}"
        )
    body = _without_notes(rows[len(preamble) :])
    header_rows, data_rows = _split_header(body)
    if not header_rows:
        raise ParseError(source, "no header rows above the data", table=table_id)
    if not data_rows:
        raise ParseError(source, "no data rows: a shell page with a title and headers only", table=table_id)
    columns = _columns(header_rows, title.period, source, table_id)
    pairs = _value_and_yoy_rows(data_rows, len(columns), source, table_id)
    hierarchy = _hierarchy([label for label, _, _ in pairs], source, table_id)
    table_rows = tuple(
        _table_row(number, label, values, yoys, level, parent, columns, title, scale, source)
        for number, ((label, values, yoys), (level, parent)) in enumerate(
            zip(pairs, hierarchy, strict=True), 1
        )
    )
    _reject_repeated_rows(table_rows, source, table_id)
    _require_total(table_rows, source, table_id)
    if _TABLE_CLOSED.search(text) is None or _PAGE_CLOSED.search(text) is None:
        raise ParseError(
            source,
            "truncated: the page ends before its table and page are closed (a partial download?)",
            table=table_id,
            row=f"after {table_rows[-1].label}",
        )
    return BulletinTable(
        table_id=table_id,
        printed_number=title.printed_number,
        title=title.text,
        currency=currency,
        unit_label=unit_label,
        scale=scale,
        period=title.period,
        published_on=_publication_date(tree, source),
        rows=table_rows,
        warnings=tuple(warnings),
        unit_assumed=unit_assumed,
    )


# --- the unit a page did not print ---------------------------------------------------------------------
def bulletin_totals(table: BulletinTable) -> dict[tuple[Direction, Span], int]:
    """China's total values of the page (its TOTAL row), whole currency units by flow and span."""
    code = TOTAL_CODES[table.table_id]
    (total,) = (row for row in table.rows if code in (row.trade_mode_code, row.partner_code))
    return {
        (cell.direction, cell.span): cell.amount_whole_units
        for cell in total.cells
        if cell.measure == "value" and cell.amount_whole_units is not None
    }


def confirm_assumed_unit(
    table: BulletinTable,
    source: str,
    other_totals: Mapping[tuple[str, str], int],  # (direction, span) -> whole dollars
    other_vintage: str,
    *,
    other_currency: Currency = "USD",
    tolerance: float = ASSUMED_UNIT_TOLERANCE,
) -> BulletinTable:
    """Confirm the US$1,000 assumed for a page without a Unit row, or reject the page naming its file.

    `other_totals` are China's totals of the same month in another vintage (the preliminary table (1),
    an earlier Bulletin), in whole US dollars by flow and span; `other_vintage` names it in messages.
    Every flow and span printed by both must agree within `tolerance` (relative); at least one must be.
    """
    if not table.unit_assumed:
        return table
    if other_currency != "USD":
        raise ParseError(
            source, f"no Unit row, and {other_vintage} is in {other_currency}: nothing to confirm US$1,000 by"
        )
    ours: dict[tuple[str, str], int] = {key: amount for key, amount in bulletin_totals(table).items()}
    shared = sorted(set(ours) & set(other_totals))
    if not shared:
        raise ParseError(
            source,
            f"no Unit row, and {other_vintage} has none of its TOTAL's figures: US$1,000 not confirmed",
            table=table.table_id,
        )
    for key in shared:
        theirs = other_totals[key]
        if abs(ours[key] - theirs) > tolerance * abs(theirs):
            direction, span = key
            raise ParseError(
                source,
                f"no Unit row, and read as US$1,000 its TOTAL {direction} {span} ({ours[key]:,} dollars) "
                f"disagrees with {other_vintage} ({theirs:,}): the unit is not US$1,000, rejected",
                table=table.table_id,
                row="TOTAL",
            )
    note = (
        f"no Unit row: read as US$1,000, its TOTAL agreeing with {other_vintage} within "
        f"{tolerance:.1%} ({', '.join(f'{d} {s}' for d, s in shared)})"
    )
    kept = tuple(w for w in table.warnings if not w.startswith("no Unit row"))
    return replace(table, warnings=(*kept, note), unit_confirmed_by=other_vintage)


# --- January from a February page ----------------------------------------------------------------------
def derive_january(february: BulletinTable, source: str) -> BulletinTable:
    """January's values from a February page: `1 to 2` minus `2`, flagged `is_derived`, never published.

    Only values are derived (a y/y % of January would need last year's figures); a flow printed `-`
    in either column gives no January figure. A negative difference is an inconsistent page: rejected.
    """
    if february.period.last_month != 2 or february.period.is_combined:
        raise ValueError(f"{source}: January is derived from a February page, not {february.period}")
    rows: list[TableRow] = []
    for row in february.rows:
        values = {(c.direction, c.span): c for c in row.cells if c.measure == "value"}
        cells: list[Cell] = []
        for (direction, span), month_cell in values.items():
            ytd_cell = values.get((direction, "ytd"))
            if span != "month" or ytd_cell is None:
                continue
            if month_cell.amount_whole_units is None or ytd_cell.amount_whole_units is None:
                continue
            january = ytd_cell.amount_whole_units - month_cell.amount_whole_units
            if january < 0:
                raise ParseError(
                    source,
                    f"January-February {ytd_cell.amount_whole_units:,} is less than February "
                    f"{month_cell.amount_whole_units:,}: no January can be derived",
                    table=february.table_id,
                    row=row.label,
                    column=f"{direction} 1 to 2",
                )
            cells.append(
                Cell(
                    column=month_cell.column,
                    measure="value",
                    span="month",
                    direction=direction,
                    figure_as_published=None,  # nothing was printed for January
                    amount_whole_units=january,
                )
            )
        rows.append(replace(row, cells=tuple(cells)))
    return replace(
        february,
        period=Period.month(february.period.year, 1),
        rows=tuple(rows),
        is_derived=True,
        warnings=(
            *february.warnings,
            f"January {february.period.year} derived from the February page: 1 to 2 minus 2; not published",
        ),
    )


# --- reading the page ----------------------------------------------------------------------------------
def _raw_cells(tr: LexborNode) -> list[_Raw]:
    return [
        _Raw(node_text(cell), _span(cell, "colspan"), _span(cell, "rowspan")) for cell in tr.css("td, th")
    ]


def _span(cell: LexborNode, name: str) -> int:
    value = (cell.attributes.get(name) or "1").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _preamble(rows: list[list[_Raw]]) -> list[list[_Raw]]:
    preamble: list[list[_Raw]] = []
    for row in rows:
        if len(row) != 1:
            break
        preamble.append(row)
    return preamble


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _title(tree: LexborHTMLParser, preamble: list[list[_Raw]], source: str) -> _Title:
    in_table = [
        text for row in preamble if (text := normalise_whitespace(row[0].text)) and not UNIT_ROW.match(text)
    ]
    heading = tree.css_first("div.atcl-ttl")
    in_heading = normalise_whitespace(node_text(heading)) if heading is not None else ""
    # The real pages space the two differently ("(5)Imports ...,10.2019"): compared without spaces.
    if in_table and in_heading and _squeezed(in_table[0]) != _squeezed(in_heading):
        raise ParseError(
            source, f"the page title {in_heading!r} and the table title {in_table[0]!r} disagree"
        )
    text = in_heading or (in_table[0] if in_table else "")
    match = BULLETIN_TITLE.match(text)
    if match is None:
        raise ParseError(source, f"title {text!r} is not '(N) DESCRIPTION, M.YYYY'")
    table_id = identify_bulletin_table(match["description"])
    if table_id is None:
        raise ParseError(source, f"unknown Bulletin table {match['description']!r} (title {text!r})")
    month, year = int(match["month"]), int(match["year"])
    if not 1 <= month <= 12:
        raise ParseError(source, f"title {text!r}: {month} is not a month")
    return _Title(
        text=text,
        printed_number=int(match["number"]) if match["number"] else None,
        table_id=table_id,
        period=Period.month(year, month),
        currency=title_currency(match["currency"]) if match["currency"] else None,
    )


def _unit(preamble: list[list[_Raw]], title: _Title, source: str) -> tuple[str, Currency, int, bool]:
    """(unit label, currency, scale, assumed): the Unit row's, or US$1,000 assumed where none is printed."""
    for row in preamble:
        if match := UNIT_ROW.match(normalise_whitespace(row[0].text)):
            label = match["label"]
            unit = unit_currency_and_scale(label)
            if unit is None:
                raise ParseError(source, f"unknown unit {label!r}", table=title.table_id)
            currency, scale = unit
            if title.currency is not None and title.currency != currency:
                raise ParseError(
                    source,
                    f"the title says {title.currency} ({title.text!r}) but the unit row says {label!r} "
                    f"({currency}): currency disagrees",
                    table=title.table_id,
                )
            return label, currency, scale, False
    label, currency, scale = ASSUMED_UNIT
    if title.currency is not None and title.currency != currency:
        raise ParseError(
            source,
            f"no Unit row, and the title says {title.currency}: the Bulletin's {label} cannot be assumed",
            table=title.table_id,
        )
    return label, currency, scale, True


def _without_notes(rows: list[list[_Raw]]) -> list[list[_Raw]]:
    """Single-cell rows across the table below the data ("Note:", "1、Figures in shaded areas ...")."""
    return [
        row
        for row in rows
        if not (len(row) == 1 and (row[0].colspan > 1 or NOTE_ROW.match(normalise_whitespace(row[0].text))))
    ]


def _is_figure(text: str) -> bool:
    cleaned = re.sub(r"\s", "", text)
    return (cleaned != "" and cleaned in NO_FIGURE_MARKS) or bool(_FIGURE_TEXT.fullmatch(cleaned))


def _split_header(body: list[list[_Raw]]) -> tuple[list[list[_Raw]], list[list[_Raw]]]:
    for index, row in enumerate(body):
        if any(_is_figure(cell.text) for cell in row[1:]):
            return body[:index], body[index:]
    return body, []


def _header_grid(header_rows: list[list[_Raw]]) -> list[list[str]]:
    """The header rows as a rectangle, colspan and rowspan expanded (a label repeats where it spans)."""
    grid: list[dict[int, str]] = [{} for _ in header_rows]
    for row_index, row in enumerate(header_rows):
        position = 0
        for cell in row:
            while position in grid[row_index]:
                position += 1
            for row_offset in range(min(cell.rowspan, len(grid) - row_index)):
                for column_offset in range(cell.colspan):
                    grid[row_index + row_offset][position + column_offset] = cell.text
            position += cell.colspan
    width = max((max(row) + 1 for row in grid if row), default=0)
    return [[row.get(position, "") for position in range(width)] for row in grid]


def _columns(header_rows: list[list[_Raw]], period: Period, source: str, table_id: TableId) -> list[_Column]:
    grid = _header_grid(header_rows)
    columns: list[_Column] = []
    seen: dict[tuple[Direction, Span], str] = {}
    for index in range(1, len(grid[0])):  # the first column holds the row labels
        labels: list[str] = []
        for row in grid:
            label = normalise_whitespace(row[index])
            if label and (not labels or labels[-1] != label):
                labels.append(label)
        header = " ".join(labels)
        directions: set[Direction] = set()
        spans: set[Span] = set()
        for label in labels:
            if (direction := BULLETIN_DIRECTIONS.get(label.casefold())) is not None:
                directions.add(direction)
            elif span_match := BULLETIN_SPAN.match(re.sub(r"\s+", "", label)):
                month = int(span_match["month"])
                if month != period.last_month:
                    raise ParseError(
                        source,
                        f"header month {month} disagrees with the title's period {period}",
                        table=table_id,
                        column=header,
                    )
                spans.add("ytd" if span_match["ytd"] else "month")
            else:
                raise ParseError(source, f"unknown header label {label!r}", table=table_id, column=header)
        if len(directions) != 1 or len(spans) != 1:
            raise ParseError(
                source,
                "the header does not name one flow and one period for this column",
                table=table_id,
                column=header or index + 1,
            )
        key = (directions.pop(), spans.pop())
        if key in seen:
            raise ParseError(
                source, f"the same flow and period as column {seen[key]!r}", table=table_id, column=header
            )
        seen[key] = header
        columns.append(_Column(position=index + 1, header=header, direction=key[0], span=key[1]))
    if not columns:
        raise ParseError(source, "no figure columns in the header", table=table_id)
    return columns


def _value_and_yoy_rows(
    rows: list[list[_Raw]], width: int, source: str, table_id: TableId
) -> list[tuple[_Raw, list[_Raw], list[_Raw]]]:
    """(label cell, value cells, y/y cells) per row: the value row and the shaded y/y row under it.

    The y/y row has no label cell (the value row's spans it), or repeats the label, or leaves it empty.
    """
    pairs: list[tuple[_Raw, list[_Raw], list[_Raw]]] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        label = normalise_whitespace(row[0].text)
        if len(row) != width + 1 or not label:
            raise ParseError(
                source,
                f"{len(row)} cells where a value row has a label and {width} figures",
                table=table_id,
                row=label or f"data row {index + 1}",
            )
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and len(following) == width:
            yoy = following
        elif (
            following is not None
            and len(following) == width + 1
            and normalise_whitespace(following[0].text) in ("", label)
        ):
            yoy = following[1:]
        else:
            raise ParseError(source, "no year-on-year % row under this value row", table=table_id, row=label)
        pairs.append((row[0], row[1:], yoy))
        index += 2
    return pairs


def _hierarchy(labels: list[_Raw], source: str, table_id: TableId) -> list[tuple[int, str | None]]:
    """(level, parent label): an "of which:" row opens the members of the row above it; the rows after it
    indented at least as far are members too. Other rows: 0 at the least indentation, else 1."""
    printed = [collapse_markup_whitespace(cell.text) for cell in labels]
    indents = [len(text) - len(text.lstrip("".join(INDENT_CHARACTERS))) for text in printed]
    of_which = [bool(OF_WHICH.match(normalise_whitespace(text))) for text in printed]
    parents: list[int | None] = []
    block_parent: int | None = None
    block_indent = 0
    for index, indent in enumerate(indents):
        in_block = block_parent is not None and indent >= block_indent and indent > indents[block_parent]
        if of_which[index] and not in_block:
            if index == 0:
                raise ParseError(
                    source, "the first row is an 'of which:' row", table=table_id, row=printed[0]
                )
            block_parent, block_indent = index - 1, indent
        elif not in_block:
            block_parent = None
        parents.append(block_parent)
    top = min(indent for indent, parent in zip(indents, parents, strict=True) if parent is None)
    levels: list[int] = []
    for indent, parent in zip(indents, parents, strict=True):
        levels.append(levels[parent] + 1 if parent is not None else (0 if indent == top else 1))
    return [
        (level, None if parent is None else _label(printed[parent]))
        for level, parent in zip(levels, parents, strict=True)
    ]


def _label(printed: str) -> str:
    return OF_WHICH.sub("", normalise_whitespace(printed))


def _codes(label: str, title: _Title, source: str) -> tuple[str | None, str | None]:
    """(trade-mode code, partner code) of a row label."""
    try:
        if title.table_id == "bulletin_trade_mode":
            return trade_mode_code(label, title.period), None
        return None, resolve_partner_labels([label], source)[label]
    except UnknownLabelError as error:
        raise ParseError(source, str(error), table=title.table_id, row=label) from None
    except UnknownPartnerError:
        raise ParseError(
            source,
            f"unknown partner label {label!r}: review it and add it to warehouse/reference/partner_aliases.csv",
            table=title.table_id,
            row=label,
        ) from None


def _table_row(
    row_number: int,
    label_cell: _Raw,
    values: list[_Raw],
    yoys: list[_Raw],
    level: int,
    parent: str | None,
    columns: list[_Column],
    title: _Title,
    scale: int,
    source: str,
) -> TableRow:
    printed = collapse_markup_whitespace(label_cell.text)
    label = _label(printed)
    trade_mode, partner = _codes(label, title, source)
    cells: list[Cell] = []
    for offset, raws in ((0, values), (len(columns), yoys)):
        measure: Measure = "value" if offset == 0 else "yoy_pct"
        for column, raw in zip(columns, raws, strict=True):
            where = f"{column.header}{'' if offset == 0 else ' y/y %'}"
            try:
                figure = parse_figure(raw.text)
                amount = None if figure is None or measure != "value" else scale_amount(figure, scale)
            except ValueError as error:
                raise ParseError(source, str(error), table=title.table_id, row=label, column=where) from None
            if measure == "value" and figure is not None and figure < 0:
                raise ParseError(
                    source,
                    f"a negative value {raw.text.strip()!r}",
                    table=title.table_id,
                    row=label,
                    column=where,
                )
            cells.append(
                Cell(
                    column=column.position + offset,
                    measure=measure,
                    span=column.span,
                    direction=column.direction,
                    figure_as_published=None if figure is None else float(figure),
                    amount_whole_units=amount,
                )
            )
    return TableRow(
        row_number=row_number,
        label=label,
        label_as_published=printed,
        indent_level=level,
        parent_label=parent,
        quantity_unit=None,
        cells=tuple(cells),
        trade_mode_code=trade_mode,
        partner_code=partner,
    )


def _reject_repeated_rows(rows: tuple[TableRow, ...], source: str, table_id: TableId) -> None:
    seen: dict[tuple[str, str | None], int] = {}
    for row in rows:
        key = (row.label.casefold(), row.parent_label)
        if key in seen:
            raise ParseError(
                source,
                f"row {row.row_number} repeats row {seen[key]}: a duplicated row",
                table=table_id,
                row=row.label,
            )
        seen[key] = row.row_number


def _require_total(rows: tuple[TableRow, ...], source: str, table_id: TableId) -> None:
    code = TOTAL_CODES[table_id]
    totals = [row for row in rows if code in (row.trade_mode_code, row.partner_code)]
    if len(totals) != 1:
        raise ParseError(source, f"{len(totals)} TOTAL rows where one is China's total", table=table_id)


def _publication_date(tree: LexborHTMLParser, source: str) -> date | None:
    node = tree.css_first("div.atcl-date")
    text = normalise_whitespace(node_text(node)) if node is not None else ""
    if not text:
        return None
    if match := PUBLICATION_DATE.match(text):
        try:
            return date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            pass
    raise ParseError(source, f"publication date {text!r} is not YYYY/MM/DD")
