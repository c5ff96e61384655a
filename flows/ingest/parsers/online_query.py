"""Parse a CSV export of GACC's online query database (stats.customs.gov.cn): HS8 x partner x month.

The export is GBK-encoded with a Chinese header, quoted values with thousands commas and a trailing comma
on every line. It does not say whether it holds exports or imports: that comes from how the file was
requested (its landing path or `--direction`, see `direction_from_filename`), never from a guess.

A month of HS8 x partner detail is about half a million lines, so the file is read as columns: decoded in
one call, split into lines and fields by polars, then every check runs on whole columns. Only the first
offending line is then looked at in Python, to say what is wrong with it. Lines that are not plain
quoted fields (unquoted values, embedded quotes or line breaks, control characters) are split by Python's
csv module instead; the checks after the split are the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

import polars as pl

from config.settings import Settings
from domain.periods import Period
from flows.ingest.model import OnlineQueryExport, OnlineQueryRecord, ParseError
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
# A dash or nothing where a number stands: no figure, never zero.
NO_FIGURE_MARKS: Final = frozenset({"", "-", "—", "–", "－"})
# Words in a landing path that say which flow was queried, English or Chinese.
FILENAME_DIRECTIONS: Final[tuple[tuple[str, TradeDirection], ...]] = (
    ("export", "export"),
    ("出口", "export"),
    ("import", "import"),
    ("进口", "import"),
)
# Words of a file's own name as GACC's users save a query: `2024in.csv`, `2024out.csv`.
STEM_DIRECTIONS: Final[tuple[tuple[str, TradeDirection], ...]] = (("out", "export"), ("in", "import"))
UTF8_BOM: Final = b"\xef\xbb\xbf"
# The project's field limit (CUSTOMS_MAX_FIELD_BYTES): a field of more characters has more bytes too.
DEFAULT_MAX_FIELD_CHARS: Final[int] = Settings.model_fields["max_field_bytes"].default
# Numbers are range-checked as text before they become integers: int64 holds every 18-digit number.
MAX_INTEGER_DIGITS: Final = 18

# What Python's str.strip() removes (polars' default strip leaves out the \x1c-\x1f separators), so that
# a field is trimmed exactly as the csv module's rows always were.
WHITESPACE: Final = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# Thousands commas and (non-breaking) spaces inside a number.
NUMBER_NOISE: Final = r"[,\s\x1c-\x1f]"
PLAIN_NUMBER: Final = r"^[-+]?[0-9]+(?:\.[0-9]+)?$"
WHOLE_NUMBER: Final = r"^[-+]?[0-9]+(?:\.0+)?$"
TOO_MANY_DIGITS: Final = rf"^[-+]?0*[1-9][0-9]{{{MAX_INTEGER_DIGITS},}}"
NO_FIGURE_MARKS_LIST: Final = sorted(NO_FIGURE_MARKS)
NO_UNIT_MARKS_LIST: Final = sorted(NO_UNIT_MARKS)
# A file of plain quoted fields, each line ending with a comma (GACC's layout) or none ending with one:
# polars' CSV reader splits it exactly as Python's csv module does, one record a line. Lines may be blank.
_QUOTED_FIELD: Final = r'"[^"\x00-\x1f]*"'
PLAIN_QUOTED_FILE: Final = {
    True: rf"^(?:(?:(?:{_QUOTED_FIELD},)+)?\r?\n)*(?:(?:{_QUOTED_FIELD},)+\r?)?$",
    False: rf"^(?:(?:{_QUOTED_FIELD}(?:,{_QUOTED_FIELD})*)?\r?\n)*(?:{_QUOTED_FIELD}(?:,{_QUOTED_FIELD})*\r?)?$",
}

# The parser's output: one row per record, in file order.
RECORD_SCHEMA: Final = pl.Schema(
    {
        "period": pl.String,  # YYYY-MM: the query database gives every month, January alone included
        "partner_code_gacc": pl.String,
        "partner_name_zh": pl.String,
        "hs_code": pl.String,
        "commodity_name": pl.String,
        "quantity_1": pl.Float64,
        "quantity_1_unit": pl.String,
        "quantity_2": pl.Float64,
        "quantity_2_unit": pl.String,
        "amount_whole_units": pl.Int64,
    }
)


@dataclass(frozen=True)
class OnlineQueryTable:
    """An export read as columns: `records` has RECORD_SCHEMA, one row per line, in file order."""

    currency: Currency
    direction: TradeDirection
    records: pl.DataFrame

    @property
    def last_period(self) -> str | None:
        return self.records["period"].max()  # type: ignore[return-value]


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


def parse_online_query(
    content: bytes,
    source: str,
    direction: TradeDirection,
    *,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
) -> OnlineQueryExport:
    """Read an online-query CSV export as records; `direction` comes from how it was requested.

    For small exports and tests: the ingest reads the columns (`read_online_query`) and never builds
    a Python object per record.
    """
    table = read_online_query(content, source, direction, max_field_chars=max_field_chars)
    periods: dict[str, Period] = {}
    records = tuple(
        OnlineQueryRecord(
            period=periods.get(row[0]) or periods.setdefault(row[0], Period.parse(row[0])),
            partner_code_gacc=row[1],
            partner_name_zh=row[2],
            hs_code=row[3],
            commodity_name=row[4],
            quantity_1=row[5],
            quantity_1_unit=row[6],
            quantity_2=row[7],
            quantity_2_unit=row[8],
            amount_whole_units=row[9],
        )
        for row in table.records.iter_rows()
    )
    return OnlineQueryExport(currency=table.currency, direction=direction, records=records)


def read_online_query(
    content: bytes,
    source: str,
    direction: TradeDirection,
    *,
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS,
) -> OnlineQueryTable:
    """Read an online-query CSV export as columns; `direction` comes from how it was requested."""
    text = _decode(content, source)
    raw_header = [field.strip() for field in _first_record(text, source)]
    trailing_commas = bool(raw_header) and not raw_header[-1]
    header = _without_trailing_comma_field(raw_header, trailing_commas)
    for position, name in enumerate(header):
        if len(name) > max_field_chars:
            raise _too_long(source, 1, _column_name(header, position), len(name), max_field_chars)
    positions = _column_positions(header, source)
    currency, value_column = _currency_column(header, source)
    layout = _Layout(header, positions, value_column, max_field_chars, source)
    records = _checked_records(_split_lines(text, trailing_commas, len(header), source), layout)
    return OnlineQueryTable(currency=currency, direction=direction, records=records)


def _decode(content: bytes, source: str) -> str:
    """GBK, checked by its header: GBK decoding of other bytes often succeeds, as mojibake."""
    if content.startswith(UTF8_BOM) or _utf8_with_chinese_header(content):
        raise ParseError(source, "encoded UTF-8, expected GBK (GACC's online query exports GBK)")
    try:
        text = content.decode("gbk")
    except UnicodeDecodeError as error:
        raise ParseError(source, f"not GBK: undecodable byte at offset {error.start}") from None
    end = text.find("\n")  # not split(): that would copy the rest of a large file
    first_line = text if end < 0 else text[:end]
    if not any(name in first_line for name in REQUIRED_COLUMNS):
        raise ParseError(
            source,
            f"no GACC online-query header after decoding as GBK (wrong encoding?): {first_line[:60]!r}",
        )
    return text


def _utf8_with_chinese_header(content: bytes) -> bool:
    try:
        end = content.find(b"\n")
        first_line = (content if end < 0 else content[:end]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(name in first_line for name in REQUIRED_COLUMNS)


# A line as io.StringIO(newline="") yields it: ended by \r\n, \r or \n, the ending kept.
_LINE: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _first_record(text: str, source: str) -> list[str]:
    """The header: lines are read lazily, as far as its record goes (a StringIO would copy the file)."""
    reader = csv.reader(match.group() for match in _LINE.finditer(text))
    try:
        return next(reader, [])
    except csv.Error as error:
        raise ParseError(source, f"not a readable CSV: {error}", row=reader.line_num) from None


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


def _column_name(header: list[str], position: int) -> str:
    return header[position] if position < len(header) else f"field {position + 1}"


def _too_long(source: str, line: int, column: str, length: int, limit: int) -> ParseError:
    return ParseError(
        source,
        f"a field of {length:,} characters, over the field limit of {limit:,} (CUSTOMS_MAX_FIELD_BYTES)",
        row=line,
        column=column,
    )


# --- splitting: lines and fields ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Split:
    """The data lines (after the header), `line` numbered as an editor counts, blank lines included."""

    fitting: pl.DataFrame  # lines with as many fields as the header: `line`, f0 .. f<width-1>
    misfits: pl.DataFrame  # the other lines: `line`, `fields` (a list, a trailing comma's field dropped)
    # Whether fields may hold the \x1c-\x1f separators, which Python's strip() removes and polars' does not.
    separators: bool


def _split_lines(text: str, trailing_commas: bool, width: int, source: str) -> _Split:
    utf8 = text.encode("utf-8")
    # From bytes: building a polars string from a Python str costs as much as the check itself.
    whole = pl.Series([utf8], dtype=pl.Binary).cast(pl.String)
    if whole.str.contains(PLAIN_QUOTED_FILE[trailing_commas]).item():
        split = _split_by_polars(utf8, text.count("\n") + (not text.endswith("\n")), width)
        if split is not None:
            return split
    return _split_by_csv_module(text, trailing_commas, width, source)


def _split_by_polars(utf8: bytes, lines: int, width: int) -> _Split | None:
    """polars' reader on a file of plain quoted fields: every field of a line is quoted, so a null is a
    field the line does not have (or the trailing comma's). None where the reader refuses a longer line."""
    try:
        frame = pl.read_csv(utf8, has_header=False, infer_schema=False, quote_char='"')
    except pl.exceptions.PolarsError:
        return None
    if frame.height != lines or frame.width < width:
        return None
    names = frame.columns
    data = frame.slice(1)
    nulls = data.null_count().row(0)
    if not any(nulls[:width]) and all(count == data.height for count in nulls[width:]):
        # Every line has its `width` fields and nothing after them (the usual): known from each column's
        # null count, without counting each line's fields.
        fitting = data.select(
            pl.int_range(2, frame.height + 1, dtype=pl.Int64).alias("line"),
            *(pl.col(names[i]).alias(f"f{i}") for i in range(width)),
        )
        misfits = pl.DataFrame(schema={"line": pl.Int64, "fields": pl.List(pl.String)})
        return _Split(fitting, misfits, separators=False)
    frame = data.with_columns(
        pl.int_range(2, frame.height + 1, dtype=pl.Int64).alias("line"),
        pl.sum_horizontal(pl.col(name).is_not_null() for name in names).alias("field_count"),
    )
    fits = pl.col("field_count") == width
    fitting = frame.select("line", *(pl.col(names[i]).alias(f"f{i}") for i in range(width)))
    if frame.select(fits.all()).item():
        # Filtering copies every string: a file whose lines all fit (the usual) is taken as it is.
        misfits = frame.clear().select("line", pl.concat_list(names).list.drop_nulls().alias("fields"))
        return _Split(fitting, misfits, separators=False)
    misfits = frame.filter(~fits).select("line", pl.concat_list(names).list.drop_nulls().alias("fields"))
    fitting = fitting.filter(frame["field_count"] == width)
    return _Split(fitting, misfits, separators=False)


def _split_by_csv_module(text: str, trailing_commas: bool, width: int, source: str) -> _Split:
    """The same for files that are not plain quoted fields: quotes inside values, unquoted values, line
    breaks inside a value, trailing commas on some lines only. Slower; met in hand-edited files."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line_numbers: list[int] = []
    rows: list[list[str]] = []
    try:
        next(reader, None)
        for fields in reader:
            if any(field.strip() for field in fields):
                line_numbers.append(reader.line_num)
                rows.append(_without_trailing_comma_field(fields, trailing_commas))
    except csv.Error as error:
        raise ParseError(source, f"not a readable CSV: {error}", row=reader.line_num + 1) from None
    lines = pl.DataFrame(
        {"line": line_numbers, "fields": rows}, schema={"line": pl.Int64, "fields": pl.List(pl.String)}
    )
    fits = pl.col("fields").list.len() == width
    return _Split(
        fitting=lines.filter(fits).select(
            "line", *(pl.col("fields").list.get(i).alias(f"f{i}") for i in range(width))
        ),
        misfits=lines.filter(~fits),
        separators=True,
    )


# --- checks: every column at once, then the first offending line in words -------------------------------
@dataclass(frozen=True)
class _Layout:
    header: list[str]
    positions: list[int]  # of REQUIRED_COLUMNS
    value_column: int
    max_field_chars: int
    source: str

    @property
    def value_name(self) -> str:
        return self.header[self.value_column]


# Each line's problems are checked in this order; the first one found is the one reported.
_CHECKS: Final = (
    "quantity_1",
    "quantity_2",
    "partner_code",
    "hs_code",
    "period",
    "value",
    "repeat",
)


def _checked_records(split: _Split, layout: _Layout) -> pl.DataFrame:
    width = len(layout.header)
    misfits = _misfit_lines(split.misfits)
    fields = split.fitting.with_columns(
        pl.col(f"f{i}").str.strip_chars(WHITESPACE if split.separators else None).alias(f"s{i}")
        for i in range(width)
    )
    # Blank lines are no records; filtering copies every string, so only a file that has one pays.
    filled = pl.any_horizontal(pl.col(f"s{i}") != "" for i in range(width))
    if not fields.select(filled.all()).item():
        fields = fields.filter(filled)
    too_long = (
        fields.filter(
            pl.max_horizontal(pl.col(f"f{i}").str.len_chars() for i in range(width)) > layout.max_field_chars
        )
        .select("line", *(f"f{i}" for i in range(width)))
        .head(1)
    )
    named = fields.select(
        "line",
        *(
            pl.col(f"s{position}").alias(name)
            for position, name in zip(layout.positions, _FIELD_NAMES, strict=True)
        ),
        pl.col(f"f{layout.value_column}").alias("value_text"),
    )
    numbers = _with_numbers(named)
    facts = _ColumnFacts.of(numbers)
    checked = _with_first_lines(numbers.with_columns(_problem_flags(facts))).with_columns(_first_problem())
    problem = _first_offending_line(checked, misfits, too_long, layout)
    if problem is not None:
        raise problem
    if checked.is_empty():
        raise ParseError(layout.source, "no data rows")
    return checked.select(_record_columns(facts)).cast(RECORD_SCHEMA)


_FIELD_NAMES: Final = (
    "period_text",
    "partner_code_gacc",
    "partner_name_zh",
    "hs_code",
    "commodity_name",
    "quantity_1_text",
    "quantity_1_unit_text",
    "quantity_2_text",
    "quantity_2_unit_text",
)


def _misfit_lines(misfits: pl.DataFrame) -> pl.DataFrame:
    """Lines with more or fewer fields than the header (blank lines are not lines of data)."""
    blank = pl.col("fields").list.eval(pl.element().str.strip_chars(WHITESPACE) != "").list.any().not_()
    lengths = pl.col("fields").list.eval(pl.element().str.len_chars())
    return misfits.filter(~blank).select(
        "line",
        pl.col("fields").list.len().alias("field_count"),
        lengths.list.max().alias("longest"),
        lengths.list.arg_max().alias("longest_at"),
    )


_NUMBER_COLUMNS: Final = ("quantity_1", "quantity_2", "value")


def _with_numbers(named: pl.DataFrame) -> pl.DataFrame:
    """Each number without its thousands commas and spaces (`_number`, null for no figure), and whether
    it is one (`_is_number`). Spaces inside a number are rare: only columns that have one pay the regex."""
    spaced = named.select(
        pl.col(f"{name}_text").str.contains(r"[\s\x1c-\x1f]").any() for name in _NUMBER_COLUMNS
    ).row(0)
    cleaned = named.with_columns(
        (
            pl.col(f"{name}_text").str.replace_all(NUMBER_NOISE, "")
            if has_space
            else pl.col(f"{name}_text").str.replace_all(",", "", literal=True)
        ).alias(f"{name}_clean")
        for name, has_space in zip(_NUMBER_COLUMNS, spaced, strict=True)
    )
    return cleaned.with_columns(
        expression
        for name in _NUMBER_COLUMNS
        for expression in (
            pl.when(~pl.col(f"{name}_clean").is_in(NO_FIGURE_MARKS_LIST))
            .then(pl.col(f"{name}_clean"))
            .alias(f"{name}_number"),
            pl.col(f"{name}_clean").str.contains(PLAIN_NUMBER).alias(f"{name}_is_number"),
        )
    )


# Columns of few distinct values (a month, a few hundred partners, some thousands of HS codes) are checked
# once per value, and the rows of a bad value (none, in a good file) found by it.
_CODE_CHECKS: Final[dict[str, Callable[[pl.Expr], pl.Expr]]] = {
    "partner_code_gacc": lambda code: code.str.contains(r"^[0-9]{3}$"),
    "hs_code": lambda code: code.str.contains(r"^[0-9]{8}$"),
    "period_text": lambda month: (
        month.str.contains(r"^[0-9]{6}$")
        & month.str.slice(0, 4).cast(pl.Int32, strict=False).is_between(1900, 2100)
        & month.str.slice(4, 2).cast(pl.Int32, strict=False).is_between(1, 12)
    ),
}


@dataclass(frozen=True)
class _ColumnFacts:
    """What holds for a whole column, learnt once, so that each line is only checked for what may fail."""

    bad_codes: dict[str, list[str]]  # of _CODE_CHECKS: the distinct values that fail
    periods: pl.Series  # the distinct period_text values
    long_numbers: dict[str, bool]  # a number of more than MAX_INTEGER_DIGITS characters is there
    value_has_point: bool

    @classmethod
    def of(cls, numbers: pl.DataFrame) -> _ColumnFacts:
        distinct = {name: numbers.get_column(name).unique() for name in _CODE_CHECKS}
        bad = {
            name: distinct[name].to_frame().filter(~check(pl.col(name))).get_column(name).to_list()
            for name, check in _CODE_CHECKS.items()
        }
        row = numbers.select(
            *(
                (pl.col(f"{name}_number").str.len_bytes().max() > MAX_INTEGER_DIGITS).alias(name)
                for name in _NUMBER_COLUMNS
            ),
            pl.col("value_number").str.contains(".", literal=True).any().alias("value_has_point"),
        ).row(0, named=True)
        return cls(
            bad_codes=bad,
            periods=distinct["period_text"],
            long_numbers={name: bool(row[name]) for name in _NUMBER_COLUMNS},
            value_has_point=bool(row["value_has_point"]),
        )


def _bad_code(facts: _ColumnFacts, name: str) -> pl.Expr:
    bad = facts.bad_codes[name]
    if not bad:
        return pl.lit(None, dtype=pl.String)
    return pl.when(pl.col(name).is_in(bad)).then(pl.lit("bad"))


def _first_case(cases: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The label of the first case whose condition holds, else null."""
    return pl.coalesce(pl.when(condition).then(pl.lit(label)) for condition, label in cases)


def _problem_flags(facts: _ColumnFacts) -> list[pl.Expr]:
    """Per line, the first problem of each check (null for none). A case that no value of the column can
    meet (a number too long when none is, a fraction when no value has a point) is left out."""
    flags: list[pl.Expr] = []
    for n in (1, 2):
        number = pl.col(f"quantity_{n}_number")
        cases = [(number.is_not_null() & ~pl.col(f"quantity_{n}_is_number"), "number")]
        if facts.long_numbers[f"quantity_{n}"]:
            cases.append((number.str.contains(TOO_MANY_DIGITS), "range"))
        cases.append(
            (
                pl.col(f"quantity_{n}_unit_text").is_in(NO_UNIT_MARKS_LIST) & number.str.contains("[1-9]"),
                "unit",
            )
        )
        flags.append(_first_case(cases).alias(f"quantity_{n}_problem"))
    value = pl.col("value_number")
    cases = [(value.is_not_null() & ~pl.col("value_is_number"), "number"), (value.is_null(), "missing")]
    if facts.value_has_point:
        cases.append((~value.str.contains(WHOLE_NUMBER), "fraction"))
    if facts.long_numbers["value"]:
        cases.append((value.str.contains(TOO_MANY_DIGITS), "range"))
    flags += [
        _bad_code(facts, "partner_code_gacc").alias("partner_code_problem"),
        _bad_code(facts, "hs_code").alias("hs_code_problem"),
        _bad_code(facts, "period_text").alias("period_problem"),
        _first_case(cases).alias("value_problem"),
    ]
    return flags


def _with_first_lines(checked: pl.DataFrame) -> pl.DataFrame:
    """The first line of each month, partner and commodity: one figure each, as a repeat would be summed
    or dropped downstream. Hashes first: most files have no repeat, and a repeat is the one to name."""
    keys = pl.struct("period_text", "partner_code_gacc", "hs_code")
    if not checked.select(keys.hash().is_duplicated().any()).item():
        return checked.with_columns(pl.col("line").alias("first_line"))
    return checked.with_columns(pl.col("line").min().over(keys).alias("first_line"))


def _first_problem() -> pl.Expr:
    named = [
        pl.when(pl.col(f"{check}_problem").is_not_null()).then(pl.lit(check))
        for check in _CHECKS
        if check != "repeat"
    ]
    repeat = pl.when(pl.col("first_line") != pl.col("line")).then(pl.lit("repeat"))
    return pl.coalesce(*named, repeat).alias("problem")


def _first_offending_line(
    checked: pl.DataFrame, misfits: pl.DataFrame, too_long: pl.DataFrame, layout: _Layout
) -> ParseError | None:
    """The error of the first line with a problem; on one line, a field too long comes first, then the
    number of fields, then `_CHECKS` in order (each frame is in line order)."""
    source, limit = layout.source, layout.max_field_chars
    errors: list[tuple[int, int, ParseError]] = []
    long_misfits = misfits.filter(pl.col("longest") > limit).head(1)
    if not long_misfits.is_empty():
        line, _, longest, at = long_misfits.row(0)
        errors.append((line, 0, _too_long(source, line, _column_name(layout.header, at), longest, limit)))
    if not too_long.is_empty():
        line, *values = too_long.row(0)
        lengths = [len(value) for value in values]
        at = lengths.index(max(lengths))
        errors.append((line, 0, _too_long(source, line, _column_name(layout.header, at), lengths[at], limit)))
    if not misfits.is_empty():
        line, count, *_ = misfits.row(0)
        errors.append(
            (
                line,
                1,
                ParseError(source, f"{count} fields where the header has {len(layout.header)}", row=line),
            )
        )
    offending = checked.filter(pl.col("problem").is_not_null()).head(1)
    if not offending.is_empty():
        row = offending.row(0, named=True)
        errors.append((row["line"], 2, _problem_error(row, layout)))
    return min(errors, key=lambda error: error[:2])[2] if errors else None


def _problem_error(row: dict[str, object], layout: _Layout) -> ParseError:
    source, line, problem = layout.source, int(str(row["line"])), str(row["problem"])
    if problem in ("quantity_1", "quantity_2"):
        column = QUANTITY_1_COLUMN if problem == "quantity_1" else QUANTITY_2_COLUMN
        text = str(row[f"{problem}_text"])
        kind = row[f"{problem}_problem"]
        if kind == "number":
            message = f"not a number: {text.strip()!r}"
        elif kind == "range":
            message = f"number {text!r} is out of range (more than {MAX_INTEGER_DIGITS} digits)"
        else:
            message = f"quantity {text!r} has no unit"
        return ParseError(source, message, row=line, column=column)
    if problem == "partner_code":
        code = row["partner_code_gacc"]
        return ParseError(
            source, f"partner code {code!r} is not 3 digits", row=line, column=PARTNER_CODE_COLUMN
        )
    if problem == "hs_code":
        return ParseError(
            source, f"HS code {row['hs_code']!r} is not 8 digits", row=line, column=HS_CODE_COLUMN
        )
    if problem == "period":
        return ParseError(
            source, f"{row['period_text']!r} is not a month (YYYYMM)", row=line, column=PERIOD_COLUMN
        )
    if problem == "value":
        text = str(row["value_text"])
        messages = {
            "number": f"not a number: {text.strip()!r}",
            "missing": "no value",
            "fraction": f"value {text!r} is not a whole amount",
            "range": f"value {text!r} is out of range (more than {MAX_INTEGER_DIGITS} digits)",
        }
        return ParseError(source, messages[str(row["value_problem"])], row=line, column=layout.value_name)
    return ParseError(source, f"repeats line {row['first_line']} (same month, partner and HS code)", row=line)


def _record_columns(facts: _ColumnFacts) -> list[pl.Expr]:
    # Each distinct month is written YYYY-MM once (a file holds one month, or a year's twelve).
    months = facts.periods.drop_nulls()
    columns: list[pl.Expr] = [
        pl.col("period_text")
        .replace_strict(months, months.str.slice(0, 4) + "-" + months.str.slice(4, 2), return_dtype=pl.String)
        .alias("period"),
        pl.col("partner_code_gacc"),
        pl.col("partner_name_zh"),
        pl.col("hs_code"),
        pl.col("commodity_name"),
    ]
    for n in (1, 2):
        # A zero quantity without a unit (GACC's "?") is no quantity at all.
        has_unit = ~pl.col(f"quantity_{n}_unit_text").is_in(NO_UNIT_MARKS_LIST)
        columns += [
            pl.when(has_unit).then(pl.col(f"quantity_{n}_number").cast(pl.Float64)).alias(f"quantity_{n}"),
            pl.when(has_unit).then(pl.col(f"quantity_{n}_unit_text")).alias(f"quantity_{n}_unit"),
        ]
    # A whole amount may be written 12.00; without a point anywhere, the figure is its integer already.
    value = pl.col("value_number")
    whole = (value.str.extract(r"^([-+]?[0-9]+)") if facts.value_has_point else value).str.strip_prefix("+")
    columns.append(whole.cast(pl.Int64).alias("amount_whole_units"))
    return columns
