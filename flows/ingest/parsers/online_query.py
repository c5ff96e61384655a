"""Parse a CSV export of GACC's online query database (stats.customs.gov.cn): HS8 x partner x month.

The export is GBK-encoded with a Chinese header, quoted values with thousands commas and a trailing comma
on every line. It does not say whether it holds exports or imports: that comes from how the file was
requested (its landing path or `--direction`, see `direction_from_filename`), never from a guess.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Final

from domain.periods import Period
from flows.ingest.model import OnlineQueryExport, OnlineQueryRecord, ParseError
from flows.ingest.parsers.common import parse_figure
from warehouse.codes import Currency, TradeDirection

PERIOD_COLUMN: Final = "数据年月"
PARTNER_CODE_COLUMN: Final = "贸易伙伴编码"
PARTNER_NAME_COLUMN: Final = "贸易伙伴名称"
HS_CODE_COLUMN: Final = "商品编码"
COMMODITY_NAME_COLUMN: Final = "商品名称"
QUANTITY_1_COLUMN: Final = "第一数量"
QUANTITY_1_UNIT_COLUMN: Final = "第一计量单位"
QUANTITY_2_COLUMN: Final = "第二数量"
QUANTITY_2_UNIT_COLUMN: Final = "第二计量单位"
REQUIRED_COLUMNS: Final = (
    PERIOD_COLUMN,
    PARTNER_CODE_COLUMN,
    PARTNER_NAME_COLUMN,
    HS_CODE_COLUMN,
    COMMODITY_NAME_COLUMN,
    QUANTITY_1_COLUMN,
    QUANTITY_1_UNIT_COLUMN,
    QUANTITY_2_COLUMN,
    QUANTITY_2_UNIT_COLUMN,
)
# The value column is named after the currency the query was run in.
CURRENCY_COLUMNS: Final[dict[str, Currency]] = {"人民币": "CNY", "美元": "USD"}
# GACC writes "?" where a commodity has no second unit of quantity.
NO_UNIT_MARKS: Final = frozenset({"", "?", "？", "-"})
# Words in a landing path that say which flow was queried, English or Chinese.
FILENAME_DIRECTIONS: Final[tuple[tuple[str, TradeDirection], ...]] = (
    ("export", "export"),
    ("出口", "export"),
    ("import", "import"),
    ("进口", "import"),
)
# Words of a file's own name as GACC's users save a query: `2024in.csv`, `2024out.csv`.
STEM_DIRECTIONS: Final[tuple[tuple[str, TradeDirection], ...]] = (("out", "export"), ("in", "import"))
YEAR_MONTH: Final = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})")
PARTNER_CODE: Final = re.compile(r"\d{3}")
HS8_CODE: Final = re.compile(r"\d{8}")
UTF8_BOM: Final = b"\xef\xbb\xbf"


def _stem_says(name: str) -> set[TradeDirection]:
    """`2024in.csv` / `2024out.csv`, as GACC's users save a query: `in` or `out` as a word of the file's
    own name (a whole run of letters, so `online` is none; not a folder: `in/` is a common inbox)."""
    stem = PurePosixPath(name).name.rsplit(".", 1)[0].casefold()
    words = set(re.findall(r"[a-z]+", stem))
    return {direction for word, direction in STEM_DIRECTIONS if word in words}


def direction_from_filename(name: str, given: TradeDirection | None = None) -> TradeDirection:
    """The flow of an export, from its landing path (`.../exports/...`, `..._进口.csv`, `2024in.csv`) or,
    where the name says neither or both, from `given` (`--direction`); a name naming the other flow than
    `given` is an error, and so is a name saying neither or both when nothing is given."""
    folded = name.casefold()
    found = {direction for word, direction in FILENAME_DIRECTIONS if word in folded} | _stem_says(name)
    if len(found) == 1:
        named = found.pop()
        if given is not None and given != named:
            raise ParseError(name, f"the name says {named} but --direction says {given}")
        return named
    if given is not None:
        return given
    what = "both export and import" if found else "neither export nor import"
    raise ParseError(
        name,
        f"the name says {what} (export/出口/out, import/进口/in): cannot tell which flow it holds; "
        "name the file so, or give --direction import|export",
    )


def parse_online_query(content: bytes, source: str, direction: TradeDirection) -> OnlineQueryExport:
    """Read an online-query CSV export; `direction` comes from how it was requested."""
    reader = csv.reader(io.StringIO(_decode(content, source), newline=""))
    raw_header = [field.strip() for field in next(reader, [])]
    trailing_commas = bool(raw_header) and not raw_header[-1]
    header = _without_trailing_comma_field(raw_header, trailing_commas)
    positions = _column_positions(header, source)
    currency, value_column = _currency_column(header, source)
    value_name = header[value_column]
    records: list[OnlineQueryRecord] = []
    first_line_of: dict[tuple[Period, str, str], int] = {}
    for fields in reader:
        if not any(field.strip() for field in fields):
            continue
        line = reader.line_num
        fields = _without_trailing_comma_field(fields, trailing_commas)
        if len(fields) != len(header):
            raise ParseError(source, f"{len(fields)} fields where the header has {len(header)}", row=line)
        named = [fields[position].strip() for position in positions]
        record = _record(named, value_name, fields[value_column], line, source)
        # One figure per month, partner and commodity: a repeat would be summed or dropped downstream.
        key = (record.period, record.partner_code_gacc, record.hs_code)
        if key in first_line_of:
            raise ParseError(
                source, f"repeats line {first_line_of[key]} (same month, partner and HS code)", row=line
            )
        first_line_of[key] = line
        records.append(record)
    if not records:
        raise ParseError(source, "no data rows")
    return OnlineQueryExport(currency=currency, direction=direction, records=tuple(records))


def _decode(content: bytes, source: str) -> str:
    """GBK, checked by its header: GBK decoding of other bytes often succeeds, as mojibake."""
    if content.startswith(UTF8_BOM) or _utf8_with_chinese_header(content):
        raise ParseError(source, "encoded UTF-8, expected GBK (GACC's online query exports GBK)")
    try:
        text = content.decode("gbk")
    except UnicodeDecodeError as error:
        raise ParseError(source, f"not GBK: undecodable byte at offset {error.start}") from None
    first_line = text.split("\n", 1)[0]
    if not any(name in first_line for name in REQUIRED_COLUMNS):
        raise ParseError(
            source,
            f"no GACC online-query header after decoding as GBK (wrong encoding?): {first_line[:60]!r}",
        )
    return text


def _utf8_with_chinese_header(content: bytes) -> bool:
    try:
        first_line = content.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(name in first_line for name in REQUIRED_COLUMNS)


def _without_trailing_comma_field(fields: list[str], trailing_commas: bool) -> list[str]:
    """Drop the one empty field a trailing comma leaves behind (an empty value before it stays)."""
    if trailing_commas and fields and not fields[-1].strip():
        return fields[:-1]
    return fields


def _column_positions(header: list[str], source: str) -> list[int]:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ParseError(source, f"missing columns: {', '.join(missing)}")
    return [header.index(name) for name in REQUIRED_COLUMNS]


def _currency_column(header: list[str], source: str) -> tuple[Currency, int]:
    present = [name for name in header if name in CURRENCY_COLUMNS]
    if not present:
        raise ParseError(
            source, f"no currency column ({' or '.join(CURRENCY_COLUMNS)}): cannot tell the unit"
        )
    if len(present) > 1:
        raise ParseError(source, f"more than one currency column: {', '.join(present)}")
    return CURRENCY_COLUMNS[present[0]], header.index(present[0])


def _record(
    fields: Sequence[str], value_name: str, value_text: str, line: int, source: str
) -> OnlineQueryRecord:
    (year_month, partner_code, partner_name, hs_code, commodity, q1, q1_unit, q2, q2_unit) = fields
    quantity_1, unit_1 = _quantity(q1, q1_unit, QUANTITY_1_COLUMN, line, source)
    quantity_2, unit_2 = _quantity(q2, q2_unit, QUANTITY_2_COLUMN, line, source)
    if not PARTNER_CODE.fullmatch(partner_code):
        raise ParseError(
            source, f"partner code {partner_code!r} is not 3 digits", row=line, column=PARTNER_CODE_COLUMN
        )
    if not HS8_CODE.fullmatch(hs_code):
        raise ParseError(source, f"HS code {hs_code!r} is not 8 digits", row=line, column=HS_CODE_COLUMN)
    return OnlineQueryRecord(
        period=_period(year_month, line, source),
        partner_code_gacc=partner_code,
        partner_name_zh=partner_name,
        hs_code=hs_code,
        commodity_name=commodity,
        quantity_1=quantity_1,
        quantity_1_unit=unit_1,
        quantity_2=quantity_2,
        quantity_2_unit=unit_2,
        amount_whole_units=_amount(value_text, value_name, line, source),
    )


def _period(text: str, line: int, source: str) -> Period:
    match = YEAR_MONTH.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return Period.month(int(match["year"]), int(match["month"]))
    except ValueError:
        raise ParseError(
            source, f"{text!r} is not a month (YYYYMM)", row=line, column=PERIOD_COLUMN
        ) from None


def _number(text: str, line: int, column: str, source: str) -> Decimal | None:
    try:
        return parse_figure(text)
    except ValueError as error:
        raise ParseError(source, str(error), row=line, column=column) from None


def _quantity(
    text: str, unit_text: str, column: str, line: int, source: str
) -> tuple[float | None, str | None]:
    """A quantity with its unit; a zero quantity without a unit (GACC's "?") is no quantity at all."""
    quantity = _number(text, line, column, source)
    unit = None if unit_text in NO_UNIT_MARKS else unit_text
    if unit is None:
        if quantity:
            raise ParseError(source, f"quantity {text!r} has no unit", row=line, column=column)
        return None, None
    return (None if quantity is None else float(quantity)), unit


def _amount(text: str, column: str, line: int, source: str) -> int:
    amount = _number(text, line, column, source)
    if amount is None:
        raise ParseError(source, "no value", row=line, column=column)
    if amount != amount.to_integral_value():
        raise ParseError(source, f"value {text!r} is not a whole amount", row=line, column=column)
    return int(amount)
