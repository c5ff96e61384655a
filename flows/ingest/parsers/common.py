"""What the GACC parsers share: decoding, text normalisation, number parsing and the tables of format drift.

GACC's pages drift over the years (titles, unit labels, month spellings, table numbering). Each kind of
drift is a constant table here, so a new variant is one line in one place rather than a new branch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from domain.periods import Period
from flows.ingest.model import ParseError
from warehouse.codes import Currency, Direction, TableId

# Descriptions name five kinds of table; "by Trade Mode" is one description for two tables, told apart
# by the page's columns (or, on the index page, by its number): see TRADE_MODE_BY_PRINTED_NUMBER.
TableKind = Literal["totals", "trade_mode", "by_partner", "major_exports", "major_imports"]

# Matched in order against a title's description. The printed "(N)" is never used: the 2020 Jan-Feb
# by-country table was printed as (3). Apostrophes vary between ' and ’ across years.
TABLE_DESCRIPTIONS: Final[tuple[tuple[re.Pattern[str], TableKind], ...]] = (
    (re.compile(r"\bmajor exports? by quantity and value\b", re.I), "major_exports"),
    (re.compile(r"\bmajor imports? by quantity and value\b", re.I), "major_imports"),
    (re.compile(r"\bby country\s*/\s*region\b", re.I), "by_partner"),
    # 2018: "China's Total Value of Imports and Exports by Major Country (Region), Jan. 2018"
    (re.compile(r"\bby (?:major )?country\s*\(\s*region\s*\)", re.I), "by_partner"),
    (re.compile(r"\bby trade mode\b", re.I), "trade_mode"),
    (re.compile(r"^china[’']?s total exports? ?(?:&|and) ?imports? values$", re.I), "totals"),
)

# Only the index page needs this: its titles carry no period and no columns, so "(2)"/"(3)" is the only
# thing that tells the month table from the January-to-month one there.
TRADE_MODE_BY_PRINTED_NUMBER: Final[dict[int, TableId]] = {2: "trade_mode_month", 3: "trade_mode_ytd"}

# Title currency words: 2018 titles say RMB where later ones say CNY.
TITLE_CURRENCIES: Final[dict[str, Currency]] = {"cny": "CNY", "rmb": "CNY", "usd": "USD", "us$": "USD"}

# Unit rows as printed, keyed without spaces and case ("CNY 100 Million" = "CNY100 million"), with the
# currency they name and how many whole yuan/dollars one published unit is. The by-country table is in
# USD 1 Million where the headline tables are in USD 100 Million; bulletin tables use US$1,000/CNY 10,000.
UNIT_LABELS: Final[dict[str, tuple[Currency, int]]] = {
    "cny100million": ("CNY", 100_000_000),
    "rmb100million": ("CNY", 100_000_000),
    "usd100million": ("USD", 100_000_000),
    "us$100million": ("USD", 100_000_000),
    "cny1million": ("CNY", 1_000_000),
    "rmb1million": ("CNY", 1_000_000),
    "usd1million": ("USD", 1_000_000),
    "us$1million": ("USD", 1_000_000),
    "cny10,000": ("CNY", 10_000),
    "rmb10,000": ("CNY", 10_000),
    "usd1,000": ("USD", 1_000),
    "us$1,000": ("USD", 1_000),
}

# English month spellings seen in titles ("Mar", "March", "Sept") and index links ("Feb.", "May.").
MONTH_NUMBERS: Final[dict[str, int]] = {
    "jan": 1, "january": 1,
    "feb": 2, "february": 2,
    "mar": 3, "march": 3,
    "apr": 4, "april": 4,
    "may": 5,
    "jun": 6, "june": 6,
    "jul": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip

# A table page title: "(4) DESCRIPTION, Mar 2026 (in CNY)"; 2018-2019 titles may have no "(N)", end
# "(Only August, in CNY)" (the month-only trade-mode table) or "(in RMB)", name no currency at all, or
# no period either (the index page then says which edition and month a link is).
PAGE_TITLE: Final = re.compile(
    r"^(?:\((?P<number>\d+)\)\s*)?(?P<description>.+?)(?:,\s*(?P<period>[a-z][a-z.\s-]*?\d{4}))?\s*"
    r"(?:\((?:only\s+(?P<only>[^,()]+?)\s*)?,?\s*(?:in\s+(?P<currency>cny|rmb|usd|us\$))?\))?$",
    re.I,
)
# Any title's description, even where the rest is malformed: up to the first comma followed by a year.
# It lets an unknown table be reported as unknown rather than as a malformed title.
TITLE_DESCRIPTION: Final = re.compile(r"^(?:\((?P<number>\d+)\)\s*)?(?P<description>.+?)(?:,[^,]*\d{4}.*)?$")
# An index page title has no period, and tables (7)/(8) no currency: "(8)Statistics Bulletin on ...".
INDEX_TITLE: Final = re.compile(
    r"^(?:\((?P<number>\d+)\)\s*)?(?P<description>.+?)"
    r"(?:\s*\((?:only\s+[^,()]+,\s*)?in\s+(?P<currency>cny|rmb|usd|us\$)\))?$",
    re.I,
)
# The combined release: "January-February 2025" or "Jan-Feb 2025". There is no January-only release.
JAN_FEB_PERIOD: Final = re.compile(r"^jan(?:uary)?\.?\s*-\s*feb(?:ruary)?\.?\s+(?P<year>\d{4})$", re.I)
MONTH_PERIOD: Final = re.compile(r"^(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})$", re.I)
# The January-to-month title of a 2019 table (3): "January-August 2019" (the reference month is August).
JAN_TO_MONTH_PERIOD: Final = re.compile(
    r"^jan(?:uary)?\.?\s*-\s*(?P<month>[a-z]+)\.?\s+(?P<year>\d{4})$", re.I
)

# What servers and the anti-bot wall print instead of a page; named in the error so that an operator
# re-fetches the file rather than suspecting the parser.
ERROR_PAGE_MARKERS: Final[tuple[str, ...]] = (
    "404 Not Found",
    "Not Found",
    "403 Forbidden",
    "Access Denied",
    "Bad Gateway",
    "Service Unavailable",
    "验证码",
    "verification code",
    "captcha",
)

# Header and row labels that name a flow. Table (1) prints the flow in its rows, the others in headers.
DIRECTION_LABELS: Final[dict[str, Direction]] = {
    "export & import": "total",
    "export and import": "total",
    "exports & imports": "total",
    "total export & import": "total",
    "export": "export",
    "exports": "export",
    "import": "import",
    "imports": "import",
    "balance": "balance",
    "trade balance": "balance",
}

# GACC prints a dash where a flow does not exist: no figure, never zero.
NO_FIGURE_MARKS: Final = frozenset({"", "-", "—", "–", "－"})
_NUMBER_NOISE: Final = re.compile(r"[,\s]")  # \s covers the trailing non-breaking space of page figures
_PLAIN_NUMBER: Final = re.compile(r"[-+]?\d+(?:\.\d+)?")
_FIGURE_WITH_DECIMALS: Final = re.compile(r"[-+]?[\d,]*\d\.\d+")
_DECLARED_CHARSET: Final = re.compile(rb"""<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.I)
_MARKUP_WHITESPACE: Final = re.compile(r"[ \t\r\n\f\v]+")
_LINE_BREAK_TAGS: Final = frozenset({"br", "p", "div"})


# Range checks before a figure becomes an integer: whole amounts are stored as int64, and no published
# figure comes near 18 integer digits (China's yearly trade is 15 digits in yuan) or 12 decimals.
MAX_INTEGER_DIGITS: Final = 18
MAX_DECIMAL_DIGITS: Final = 12
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1


def _shown(text: str, limit: int = 40) -> str:
    """A cell's text for an error message, shortened so that a 400-digit number stays one short line."""
    text = text.strip()
    return repr(text) if len(text) <= limit else f"{text[: limit - 10]!r}...({len(text)} characters)"


def parse_figure(text: str) -> Decimal | None:
    """A published number: thousands commas and (non-breaking) spaces ignored; a dash or nothing is None.

    Raises ValueError for anything else (a number too long for any real figure included), so that
    callers can say where the bad number stands.
    """
    cleaned = _NUMBER_NOISE.sub("", text)
    if cleaned in NO_FIGURE_MARKS:
        return None
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        raise ValueError(f"not a number: {_shown(text)}")
    integer, _, decimals = cleaned.lstrip("+-").partition(".")
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS or len(decimals) > MAX_DECIMAL_DIGITS:
        raise ValueError(
            f"number out of range: {_shown(text)} has {len(integer)} digits before the point and "
            f"{len(decimals)} after (at most {MAX_INTEGER_DIGITS} and {MAX_DECIMAL_DIGITS})"
        )
    return Decimal(cleaned)


def whole_amount(amount: Decimal | int, what: str) -> int:
    """An amount as an int64, or a ValueError naming it: polars and DuckDB store amounts as int64."""
    value = round(amount)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{what} = {value:.3e} is out of the int64 range of whole amounts")
    return value


def looks_like_figure(text: str) -> bool:
    """True for what only a data cell holds: a dash or a number with decimals (header months are integers)."""
    cleaned = _NUMBER_NOISE.sub("", text)
    return (cleaned != "" and cleaned in NO_FIGURE_MARKS) or bool(_FIGURE_WITH_DECIMALS.fullmatch(cleaned))


def scale_amount(figure: Decimal, scale: int) -> int:
    """Whole currency units; Decimal so that 22,297.0 x 100 million is exact, not a float approximation.

    Raises ValueError when the result does not fit the int64 the amount is stored as.
    """
    return whole_amount(figure * scale, f"{figure} x {scale:,}")


def normalise_whitespace(text: str) -> str:
    """Every run of whitespace (non-breaking and ideographic spaces included) as one space, ends trimmed."""
    return " ".join(text.split())


def collapse_markup_whitespace(text: str) -> str:
    """Whitespace as a browser shows it: source line breaks and indentation collapse, non-breaking spaces stay."""
    return _MARKUP_WHITESPACE.sub(" ", text).strip(" ")


def node_text(node: LexborNode) -> str:
    """The text of a node with `<br>` as a line break: GACC wraps long labels with `<br />`."""
    parts: list[str] = []
    for descendant in node.traverse(include_text=True):
        if descendant.tag == "-text":
            parts.append(descendant.text_content or "")
        elif descendant.tag in _LINE_BREAK_TAGS:
            parts.append("\n")
    return "".join(parts)


def month_number(text: str) -> int | None:
    return MONTH_NUMBERS.get(normalise_whitespace(text).strip(".").casefold())


def parse_title_period(text: str) -> Period | None:
    """`Mar 2026`, `March 2025`, `Jan. 2018`, `January-February 2025`, `Jan-Feb 2025`, and `January-August
    2019` (a January-to-month title: its reference month, August); None if it is none of these."""
    text = normalise_whitespace(text)
    if jan_feb := JAN_FEB_PERIOD.match(text):
        return Period.jan_feb(int(jan_feb["year"]))
    if cumulative := JAN_TO_MONTH_PERIOD.match(text):
        month = month_number(cumulative["month"])
        if month is not None and month > 2:
            return Period.month(int(cumulative["year"]), month)
    if single := MONTH_PERIOD.match(text):
        month = month_number(single["month"])
        if month is not None:
            return Period.month(int(single["year"]), month)
    return None


def title_currency(text: str) -> Currency:
    return TITLE_CURRENCIES[text.casefold()]


def unit_currency_and_scale(label: str) -> tuple[Currency, int] | None:
    return UNIT_LABELS.get(re.sub(r"\s+", "", label).casefold())


def identify_table(description: str) -> TableKind | None:
    description = normalise_whitespace(description)
    for pattern, kind in TABLE_DESCRIPTIONS:
        if pattern.search(description):
            return kind
    return None


@dataclass(frozen=True)
class PageTitle:
    printed_number: int | None
    description: str
    period_text: str | None  # None for a 2018 title that names no period
    only_text: str | None  # "August" in "(Only August, in CNY)": the month-only trade-mode table
    currency: Currency | None  # None for a 2018-2019 title that names no currency


def title_description(title: str) -> str:
    match = TITLE_DESCRIPTION.match(normalise_whitespace(title))
    return match["description"].strip() if match else ""


def split_page_title(title: str) -> PageTitle | None:
    match = PAGE_TITLE.match(normalise_whitespace(title))
    if match is None:
        return None
    return PageTitle(
        printed_number=int(match["number"]) if match["number"] else None,
        description=match["description"].strip(),
        period_text=match["period"].strip() if match["period"] else None,
        only_text=match["only"],
        currency=title_currency(match["currency"]) if match["currency"] else None,
    )


def decode_html(content: bytes, source: str) -> str:
    """UTF-8 (what GACC serves today), else the charset the page declares; anything else is an error."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        declared = _DECLARED_CHARSET.search(content[:4096])
        if declared is None:
            raise ParseError(
                source, f"not UTF-8 (bad byte at offset {utf8_error.start}) and no charset declared"
            ) from utf8_error
        charset = declared.group(1).decode("ascii")
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError) as declared_error:
            raise ParseError(
                source, f"not UTF-8 and not decodable as its declared charset {charset!r}"
            ) from declared_error


def error_page_marker(tree: LexborHTMLParser) -> str | None:
    """The first error or captcha phrase anywhere in the page (captcha walls often say it in a script)."""
    document = normalise_whitespace(tree.html or "").casefold()
    for marker in ERROR_PAGE_MARKERS:
        if marker.casefold() in document:
            return marker
    return None


def not_a_page_error(tree: LexborHTMLParser, source: str, expected: str) -> ParseError:
    marker = error_page_marker(tree)
    if marker is not None:
        return ParseError(source, f"an error or captcha page (it says {marker!r}), not {expected}")
    return ParseError(source, f"not {expected}: no such table in the page")
