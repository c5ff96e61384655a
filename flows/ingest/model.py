"""What the parsers return: a published table with its metadata, rows and typed cells.

Parsers are pure (bytes in, these objects out) and raise `ParseError` on anything they cannot read
with certainty. The staging layer turns these objects into rows of the staging contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.periods import Period
from warehouse.codes import Currency, Direction, Measure, Span, TableId, TradeDirection


class ParseError(ValueError):
    """A file that cannot be read with certainty. The message names the file and where it failed."""

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        table: str | None = None,
        row: int | str | None = None,
        column: int | str | None = None,
    ) -> None:
        self.source = source
        self.problem = problem
        self.table = table
        self.row = row
        self.column = column
        where = [f"file {source}"]
        if table is not None:
            where.append(f"table {table!r}")
        if row is not None:
            where.append(f"row {row!r}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


@dataclass(frozen=True)
class Cell:
    """One published figure with what it measures."""

    column: int  # 1-based position in the page's table row
    measure: Measure
    span: Span  # "month": the reference month (or Jan-Feb); "ytd": January to the reference month
    direction: Direction
    figure_as_published: float | None  # the number printed, unscaled; None where GACC prints "-"
    amount_whole_units: int | None  # for measure "value": scaled to whole currency units (yuan, dollars)
    # Tables (5)/(6): the prior-year January-to-month column is a later vintage of last year's figure:
    # the period it restates (None for the table's own period).
    restates: Period | None = None
    quantity_in_base_unit: float | None = None  # measure "quantity": in the row's quantity_base_unit


@dataclass(frozen=True)
class TableRow:
    row_number: int  # 1-based among the table's data rows, in page order
    label: str  # normalised: whitespace collapsed, "of which:" removed
    label_as_published: str  # the label text as printed (non-breaking spaces and "of which:" kept)
    indent_level: int  # 0 = top level (Total, RCEP...), 1 = country or group, 2 = member of the row above
    parent_label: str | None  # normalised label of the row this one belongs to ("of which:" hierarchy)
    quantity_unit: str | None  # tables (5)/(6): the quantity unit as printed ("10000T"); None elsewhere
    cells: tuple[Cell, ...]
    is_aggregate: bool = False  # tables (5)/(6): marked `*` ("Agriculture products*", "*Hi-Tech Products")
    commodity_code: str | None = None  # tables (5)/(6), from warehouse/reference/commodity_aliases.csv
    trade_mode_code: str | None = None  # tables (2)/(3), from warehouse/reference/trade_mode_aliases.csv
    quantity_base_unit: str | None = None  # "ton", "piece", ... (warehouse/reference/quantity_units.csv)
    # A realigned (shifted) page printed no unit: to be taken from the other edition of the same month.
    quantity_unit_pending: bool = False
    partner_code: str | None = None  # Bulletin by-country table, from warehouse/reference/partner_aliases.csv


@dataclass(frozen=True)
class PreliminaryTable:
    """One page of the preliminary release: one table in one currency edition."""

    table_id: TableId
    printed_number: int | None  # the "(N)" in the title, which can be wrong: never used to identify
    title: str
    currency: Currency
    unit_label: str  # as printed after "Unit:", e.g. "CNY 100 Million"
    scale: int  # whole currency units per published unit, e.g. 100_000_000
    period: Period
    published_on: date | None
    rows: tuple[TableRow, ...]
    warnings: tuple[str, ...] = ()  # what was read with certainty but deserves an operator's eye

    @property
    def months_covered(self) -> int:
        return self.period.months_covered


@dataclass(frozen=True)
class BulletinTable:
    """One Monthly Bulletin page: one table in one currency, the month and January-to-month side by side.

    Value cells and the y/y % of the shaded row under them share a TableRow: the y/y cells are numbered
    after the value cells, as if the shaded row continued the value row.
    """

    table_id: TableId  # "bulletin_trade_mode" or "bulletin_by_partner"
    printed_number: int | None  # the "(N)" in the title: never used to identify
    title: str
    currency: Currency
    unit_label: str  # as printed after "Unit:"; "US$1,000" where `unit_assumed`
    scale: int
    period: Period  # always one month: a February page gives February alone and January-February
    published_on: date | None
    rows: tuple[TableRow, ...]
    warnings: tuple[str, ...] = ()
    # No Unit row was printed: US$1,000 is assumed, to be confirmed against another vintage of the
    # month (`flows.ingest.parsers.bulletin.confirm_assumed_unit`) before any figure is used.
    unit_assumed: bool = False
    unit_confirmed_by: str | None = None  # the vintage whose TOTAL confirmed an assumed unit
    # Not published: computed from published figures (January from a February page's `1 to 2` minus `2`).
    is_derived: bool = False

    @property
    def months_covered(self) -> int:
        return self.period.months_covered


@dataclass(frozen=True)
class BulletinIndexEntry:
    """One link of the Monthly Bulletin index: a Bulletin table for a month."""

    table_id: TableId
    title: str  # the link's text, or its row's title where the link text is only the month
    currency: Currency | None
    year: int
    month: int
    url: str


@dataclass(frozen=True)
class IndexEntry:
    """One link of the yearly preliminary index page."""

    table_id: TableId | None  # None for tables this project does not ingest ((7), (8))
    printed_number: int | None
    title: str
    currency: Currency | None
    year: int
    month: int  # the month column the link stands in (2 = the January-February release)
    url: str


@dataclass(frozen=True)
class OnlineQueryRecord:
    period: Period  # always a single month: the query database splits January and February
    partner_code_gacc: str  # GACC's 3-digit code, e.g. "502"
    partner_name_zh: str
    hs_code: str  # HS8
    commodity_name: str
    quantity_1: float | None
    quantity_1_unit: str | None
    quantity_2: float | None
    quantity_2_unit: str | None
    amount_whole_units: int  # yuan or dollars as exported


@dataclass(frozen=True)
class OnlineQueryExport:
    currency: Currency
    direction: TradeDirection
    records: tuple[OnlineQueryRecord, ...] = field(default_factory=tuple)


# Bumped whenever a parser's output for the same bytes changes; recorded with every staged file so
# that a re-parse after a parser fix is a visible, deliberate event.
PARSER_VERSION = "1.1.0"
