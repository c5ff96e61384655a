"""Reviewed reference data: partners, partner aliases and groups, HS sections and chapters, commodity labels.

The CSV files beside this module are the source of truth (design.md: format drift is data, not code). Each
starts with ONE `# provenance: ...` line (where the list comes from, when it was reviewed, why), then a header.

| file                  | key                                   | what                                          |
|-----------------------|---------------------------------------|-----------------------------------------------|
| `partners.csv`        | partner_code (gacc_code unique too)   | GACC 3-digit codes -> ISO alpha-3, groups     |
| `partner_aliases.csv` | normalise_label(alias)                | every published label variant -> partner_code |
| `partner_groups.csv`  | group_code, member_code, valid_from   | group membership by month, bounds inclusive   |
| `hs_sections.csv`     | section                               | the 21 HS sections and their chapter ranges   |
| `hs_chapters.csv`     | chapter                               | HS chapters 01-97 (77 reserved)               |
| `hs_headings.csv`     | heading                               | HS headings (4 digits) the data uses, English |
| `commodities.csv`     | normalise_label(label), direction     | tables (5)/(6) labels -> our commodity codes  |
| `commodity_aliases.csv` | alias, direction, validity          | tables (5)/(6) labels as printed, by years     |
| `quantity_units.csv`  | normalise_label(unit_as_printed)      | printed quantity units -> base unit, factor   |
| `trade_modes.csv`     | trade_mode_code                       | tables (2)/(3) trade modes, processing flag   |
| `trade_mode_aliases.csv` | alias, validity                    | tables (2)/(3) labels as printed -> codes     |

Reading is pure: package files through importlib.resources, no network. Loaders are cached; the validators
take frames (defaulting to the package's) so a broken copy can be checked exactly like the real thing.
Error messages name the file and its line: line 1 is the provenance, line 2 the header, so data row ``i``
(0-based, file order) is line ``i + 3``.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pycountry

from domain.partners import WORLD_CODE
from warehouse.contracts import DType
from warehouse.tables import DIM_PARTNER

__all__ = [
    "REFERENCE_FILES",
    "UnknownCommodityError",
    "UnknownPartnerError",
    "group_members",
    "load_commodities",
    "load_commodity_aliases",
    "load_hs_chapters",
    "load_hs_headings",
    "load_hs_names",
    "load_hs_sections",
    "load_partner_aliases",
    "load_partner_groups",
    "load_partners",
    "load_quantity_units",
    "load_trade_mode_aliases",
    "load_trade_modes",
    "normalise_label",
    "read_reference_csv",
    "resolve_commodity_labels",
    "resolve_gacc_codes",
    "resolve_partner_labels",
    "validate_reference",
]

_PROVENANCE_PREFIX = "# provenance:"
_FIRST_DATA_LINE = 3  # line 1 = provenance, line 2 = header


# A leading "of which:" marks a member row in GACC tables (table (4) countries, table (5) sub-items);
# Chinese editions print "其中：". NFKC has already turned the full-width colon into ":".
_OF_WHICH = re.compile(r"^(?:of\s*which|其中)\s*:\s*", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")  # str patterns match NBSP, ideographic space, tabs and newlines too
# GACC pages mix typographic and straight apostrophes ("Cote d’Ivoire"); fold them for matching.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})


def normalise_label(label: str) -> str:
    """Key used to match a published label against the reference (never shown to users).

    NFKC first, because Chinese pages mix full-width and ASCII punctuation (``刚果（布）`` / ``刚果(布)``)
    and NFKC also turns NBSP into a space; then whitespace runs (indentation NBSPs, wrapped lines)
    collapse to one space, the ends are stripped, a leading ``of which:`` (any case or spacing) or
    ``其中:`` is dropped, and the result is casefolded.

    >>> normalise_label("\\xa0\\xa0\\xa0of which: Germany\\n")
    'germany'
    >>> normalise_label("United States\\xa0 (US)")
    'united states (us)'
    """
    text = unicodedata.normalize("NFKC", label).translate(_QUOTES)
    text = _WHITESPACE.sub(" ", text).strip()
    text = _OF_WHICH.sub("", text)
    return text.casefold()


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Table:
    file: str
    columns: tuple[str, ...]
    booleans: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    # Derived columns added after reading, as (name, source column, function).
    derived: tuple[tuple[str, str, Callable[[str], str]], ...] = ()


_TABLES: dict[str, _Table] = {
    # The reviewed partners are the partner dimension's columns, in its order (WLD is added when built).
    "partners": _Table(
        "partners.csv",
        tuple(DIM_PARTNER.column_names),
        booleans=tuple(f.name for f in DIM_PARTNER.fields if f.dtype is DType.BOOL),
    ),
    "partner_aliases": _Table(
        "partner_aliases.csv",
        ("alias", "partner_code", "source", "note"),
        derived=(("alias_key", "alias", normalise_label),),
    ),
    "partner_groups": _Table(
        "partner_groups.csv", ("group_code", "member_code", "valid_from", "valid_to", "note")
    ),
    "hs_sections": _Table(
        "hs_sections.csv",
        ("section", "roman", "description", "chapter_from", "chapter_to"),
        integers=("section",),
    ),
    "hs_chapters": _Table("hs_chapters.csv", ("chapter", "section", "description"), integers=("section",)),
    "hs_headings": _Table("hs_headings.csv", ("heading", "description")),
    "commodities": _Table(
        "commodities.csv",
        ("label", "commodity_code", "direction", "hs_heading", "note"),
        derived=(("label_key", "label", normalise_label),),
    ),
    "commodity_aliases": _Table(
        "commodity_aliases.csv",
        ("alias", "direction", "commodity_code", "valid_from", "valid_to", "source", "why"),
        derived=(("alias_key", "alias", normalise_label),),
    ),
    "quantity_units": _Table(
        "quantity_units.csv",
        ("unit_as_printed", "base_unit", "factor", "source", "why"),
        derived=(("unit_key", "unit_as_printed", normalise_label),),
    ),
    "trade_modes": _Table(
        "trade_modes.csv",
        ("trade_mode_code", "name_en", "name_zh", "is_processing_trade", "is_aggregate", "why"),
        booleans=("is_processing_trade", "is_aggregate"),
    ),
    "trade_mode_aliases": _Table(
        "trade_mode_aliases.csv",
        ("alias", "trade_mode_code", "valid_from", "valid_to", "source", "why"),
        derived=(("alias_key", "alias", normalise_label),),
    ),
}

#: Reference table name -> file name inside the package.
REFERENCE_FILES: Mapping[str, str] = {name: table.file for name, table in _TABLES.items()}
_TABLE_BY_FILE = {table.file: name for name, table in _TABLES.items()}


def _parse(text: str, name: str) -> pl.DataFrame:
    table = _TABLES[name]
    first, _, body = text.partition("\n")
    if not first.startswith(_PROVENANCE_PREFIX) or not first[len(_PROVENANCE_PREFIX) :].strip():
        raise ValueError(
            f"{table.file} line 1: must be a '{_PROVENANCE_PREFIX} ...' comment, got {first[:60]!r}"
        )
    # Every column is read as text: codes such as "01" or "051" must keep their leading zeros.
    frame = pl.read_csv(io.BytesIO(body.encode("utf-8")), infer_schema=False)
    if tuple(frame.columns) != table.columns:
        raise ValueError(
            f"{table.file} line 2: header {list(frame.columns)} != expected {list(table.columns)}"
        )

    problems: list[str] = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        line = i + _FIRST_DATA_LINE
        first_cell = row[table.columns[0]]
        if first_cell is not None and first_cell.startswith("#"):
            problems.append(f"{table.file} line {line}: only line 1 may be a comment")
        for column, value in row.items():
            if value is not None and value != value.strip():
                problems.append(f"{table.file} line {line}: {column} {value!r} has surrounding whitespace")
        for column in table.booleans:
            if row[column] not in ("true", "false"):
                problems.append(
                    f"{table.file} line {line}: {column} must be 'true' or 'false', got {row[column]!r}"
                )
        for column in table.integers:
            if row[column] is None or not row[column].isdigit():
                problems.append(
                    f"{table.file} line {line}: {column} must be a whole number, got {row[column]!r}"
                )
    _raise_if(problems)

    frame = frame.with_columns(
        *(pl.col(c) == "true" for c in table.booleans),
        *(pl.col(c).cast(pl.Int16) for c in table.integers),
    )
    for derived, source, function in table.derived:
        keys = [None if value is None else function(value) for value in frame[source]]
        frame = frame.with_columns(pl.Series(derived, keys, dtype=pl.String))
    return frame


def read_reference_csv(path: str | Path, table: str | None = None) -> pl.DataFrame:
    """Read a reference CSV from disk (e.g. an edited copy) exactly as the package loaders do.

    ``table`` is one of REFERENCE_FILES' keys; by default it is inferred from the file name.
    """
    path = Path(path)
    name = table if table is not None else _TABLE_BY_FILE.get(path.name)
    if name is None or name not in _TABLES:
        raise ValueError(f"{path}: not a reference file; expected one of {sorted(_TABLE_BY_FILE)}")
    return _parse(path.read_text(encoding="utf-8"), name)


def _read_package_csv(name: str) -> pl.DataFrame:
    text = resources.files(__name__).joinpath(_TABLES[name].file).read_text(encoding="utf-8")
    return _parse(text, name)


@functools.cache
def load_partners() -> pl.DataFrame:
    """One row per GACC country/region code plus the group rows (WLD, EU, ASEAN, ...)."""
    return _read_package_csv("partners")


@functools.cache
def load_partner_aliases() -> pl.DataFrame:
    """Published label variants -> partner_code, with ``alias_key`` = normalise_label(alias)."""
    return _read_package_csv("partner_aliases")


@functools.cache
def load_partner_groups() -> pl.DataFrame:
    """Group membership; valid_from/valid_to are ``YYYY-MM`` strings, inclusive, valid_to null when open."""
    return _read_package_csv("partner_groups")


@functools.cache
def load_hs_sections() -> pl.DataFrame:
    """The 21 HS sections; chapter_from/chapter_to are two-digit strings."""
    return _read_package_csv("hs_sections")


@functools.cache
def load_hs_chapters() -> pl.DataFrame:
    """HS chapters 01-97 (two-digit strings) with their section number."""
    return _read_package_csv("hs_chapters")


@functools.cache
def load_hs_headings() -> pl.DataFrame:
    """HS headings (four-digit strings) with their English text: the ones the reference and data use."""
    return _read_package_csv("hs_headings")


@functools.cache
def load_hs_names() -> pl.DataFrame:
    """(hs_code, description): the HS chapters (2 digits) and the listed headings (4 digits), in English."""
    chapters = load_hs_chapters().select(pl.col("chapter").alias("hs_code"), "description")
    headings = load_hs_headings().select(pl.col("heading").alias("hs_code"), "description")
    return pl.concat([chapters, headings])


@functools.cache
def load_commodities() -> pl.DataFrame:
    """Tables (5)/(6) commodity labels -> commodity_code, with ``label_key`` = normalise_label(label)."""
    return _read_package_csv("commodities")


@functools.cache
def load_commodity_aliases() -> pl.DataFrame:
    """Tables (5)/(6) labels as printed over the years -> commodity_code, valid_from/valid_to YYYY-MM."""
    return _read_package_csv("commodity_aliases")


@functools.cache
def load_quantity_units() -> pl.DataFrame:
    """Tables (5)/(6) quantity units as printed -> base unit and factor, with ``unit_key``."""
    return _read_package_csv("quantity_units")


@functools.cache
def load_trade_modes() -> pl.DataFrame:
    """The customs regimes (trade modes) of tables (2)/(3), with the processing-trade flag."""
    return _read_package_csv("trade_modes")


@functools.cache
def load_trade_mode_aliases() -> pl.DataFrame:
    """Tables (2)/(3) trade-mode labels as printed over the years -> trade_mode_code, with validity."""
    return _read_package_csv("trade_mode_aliases")


# ---------------------------------------------------------------------------------------------- resolving


class UnknownPartnerError(ValueError):
    """A partner label or GACC code the reference does not know: review it, then add it to the CSVs."""

    def __init__(self, unknown: Sequence[str], source: str, what: str = "label") -> None:
        self.unknown = tuple(unknown)
        self.source = source
        self.what = what  # "label" (table (4)) or "GACC code" (online-query exports)
        where = "partner_aliases.csv" if what == "label" else "partners.csv"
        listed = ", ".join(repr(u) for u in self.unknown)
        super().__init__(
            f"{source}: {len(self.unknown)} unknown partner {what}(s): {listed}; "
            f"review and add them to warehouse/reference/{where}"
        )


class UnknownCommodityError(ValueError):
    """A tables (5)/(6) commodity label the reference does not know."""

    def __init__(self, unknown: Sequence[str], source: str, direction: str) -> None:
        self.unknown = tuple(unknown)
        self.source = source
        listed = ", ".join(repr(u) for u in self.unknown)
        super().__init__(
            f"{source}: {len(self.unknown)} unknown {direction} commodity label(s): {listed}; "
            "review and add them to warehouse/reference/commodities.csv"
        )


@functools.cache
def _alias_index() -> dict[str, str]:
    frame = load_partner_aliases()
    return dict(zip(frame["alias_key"], frame["partner_code"], strict=True))


@functools.cache
def _gacc_index() -> dict[str, str]:
    frame = load_partners().filter(pl.col("gacc_code").is_not_null())
    return dict(zip(frame["gacc_code"], frame["partner_code"], strict=True))


@functools.cache
def _commodity_index() -> dict[tuple[str, str], str]:
    frame = load_commodities()
    keys = zip(frame["label_key"], frame["direction"], strict=True)
    return dict(zip(keys, frame["commodity_code"], strict=True))


def _resolve(values: Iterable[str], lookup: Callable[[str], str | None]) -> tuple[dict[str, str], list[str]]:
    resolved: dict[str, str] = {}
    unknown: list[str] = []
    for value in values:
        if value in resolved or value in unknown:
            continue
        code = lookup(value)
        if code is None:
            unknown.append(value)
        else:
            resolved[value] = code
    return resolved, unknown


def resolve_partner_labels(labels: Iterable[str], source: str) -> dict[str, str]:
    """Map each published partner label (as printed, indentation and all) to its partner_code.

    Raises UnknownPartnerError naming every label that does not resolve and ``source`` (e.g. the page).
    """
    index = _alias_index()
    resolved, unknown = _resolve(labels, lambda label: index.get(normalise_label(label)))
    if unknown:
        raise UnknownPartnerError(unknown, source, "label")
    return resolved


def resolve_gacc_codes(codes: Iterable[str], source: str) -> dict[str, str]:
    """Map GACC 3-digit partner codes (贸易伙伴编码) to partner_codes; unknown codes raise UnknownPartnerError."""
    index = _gacc_index()
    resolved, unknown = _resolve(codes, lambda code: index.get(code.strip()))
    if unknown:
        raise UnknownPartnerError(unknown, source, "GACC code")
    return resolved


def resolve_commodity_labels(labels: Iterable[str], direction: str, source: str) -> dict[str, str]:
    """Map tables (5)/(6) commodity labels of one direction ('export' or 'import') to commodity codes."""
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {sorted(_DIRECTIONS)}, got {direction!r}")
    index = _commodity_index()
    resolved, unknown = _resolve(labels, lambda label: index.get((normalise_label(label), direction)))
    if unknown:
        raise UnknownCommodityError(unknown, source, direction)
    return resolved


def group_members(group_code: str, month: str) -> frozenset[str]:
    """partner_codes that belong to ``group_code`` in ``month`` (``YYYY-MM``), bounds inclusive."""
    if not _MONTH.fullmatch(month):
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    groups = load_partner_groups()
    members = groups.filter(
        (pl.col("group_code") == group_code)
        & (pl.col("valid_from") <= month)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= month))
    )
    return frozenset(members["member_code"])


# ---------------------------------------------------------------------------------------------- validation

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_GACC_CODE = re.compile(r"\d{3}")
_COUNTRY_CODE = re.compile(r"[A-Z]{3}")
_GROUP_CODE = re.compile(r"[A-Z]{2,6}")
_CHAPTER = re.compile(r"\d{2}")
_HS_CODE = re.compile(r"\d{2}(\d{2}(\d{2})?)?")
_DIRECTIONS = {"export": "X-", "import": "M-"}
_COMMODITY_CODE = re.compile(r"[XM]-[A-Z0-9]+")
# GACC's code ranges: the first digit is the continent (7xx and 999 are not places).
_CONTINENT_BY_DIGIT = {
    "1": "Asia",
    "2": "Africa",
    "3": "Europe",
    "4": "Latin America",
    "5": "North America",
    "6": "Oceania",
    "7": "Other",
    "9": "Other",
}
_ALIAS_SOURCES = frozenset(
    {
        "gacc_en_release",
        "gacc_zh_release",
        "online_query_zh",
        "gacc_code_list_en",
        "reference",
        "iso3166",
        "variant",
    }
)
# iso_alpha3 values accepted although pycountry.countries lacks them, each with the reason.
_ISO_SPECIAL_CASES = {
    "XKX": "Kosovo: user-assigned code used by the EU and the IMF, not in ISO 3166-1",
}


@functools.cache
def _iso_alpha3() -> frozenset[str]:
    return frozenset(country.alpha_3 for country in pycountry.countries)


@functools.cache
def _iso_historic_alpha3() -> frozenset[str]:
    # Withdrawn codes (ISO 3166-3) such as ANT (Netherlands Antilles) and SCG (Serbia and Montenegro):
    # GACC still has codes for them, and old data uses them.
    return frozenset(country.alpha_3 for country in pycountry.historic_countries)


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for value, numeral in numerals:
        while number >= value:
            out.append(numeral)
            number -= value
    return "".join(out)


def _raise_if(problems: list[str]) -> None:
    if problems:
        shown = problems[:50]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise ValueError("reference data is invalid:\n  " + "\n  ".join(shown) + more)


def _rows(frame: pl.DataFrame) -> Iterable[tuple[int, dict[str, Any]]]:
    """(file line, row) pairs; the frame is assumed to be in file order."""
    for i, row in enumerate(frame.iter_rows(named=True)):
        yield i + _FIRST_DATA_LINE, row


def _duplicates(frame: pl.DataFrame, file: str, key: Callable[[dict[str, Any]], Any], what: str) -> list[str]:
    problems: list[str] = []
    seen: dict[Any, int] = {}
    for line, row in _rows(frame):
        value = key(row)
        if value is None:
            continue
        if value in seen:
            problems.append(f"{file} line {line}: duplicate {what} {value!r} (first on line {seen[value]})")
        else:
            seen[value] = line
    return problems


def _check_partners(partners: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["partners"]
    problems = _duplicates(partners, file, lambda r: r["partner_code"], "partner_code")
    problems += _duplicates(partners, file, lambda r: r["gacc_code"], "gacc_code")
    for line, row in _rows(partners):
        code, gacc, iso, is_group = row["partner_code"], row["gacc_code"], row["iso_alpha3"], row["is_group"]
        at = f"{file} line {line} ({code})"
        for column in ("partner_code", "partner_name", "partner_name_zh"):
            if row[column] is None:
                problems.append(f"{at}: {column} is empty")
        if code is None:
            continue
        if is_group:
            if not _GROUP_CODE.fullmatch(code):
                problems.append(f"{at}: group partner_code must be 2-6 capital letters")
            if gacc is not None or iso is not None or row["continent"] is not None:
                problems.append(f"{at}: a group row has no gacc_code, iso_alpha3 or continent")
            continue
        if not _COUNTRY_CODE.fullmatch(code):
            problems.append(f"{at}: partner_code must be 3 capital letters")
        if gacc is None or not _GACC_CODE.fullmatch(gacc):
            problems.append(f"{at}: gacc_code must be 3 digits, got {gacc!r}")
        elif row["continent"] != _CONTINENT_BY_DIGIT.get(gacc[0]):
            expected = _CONTINENT_BY_DIGIT.get(gacc[0])
            problems.append(f"{at}: continent {row['continent']!r} but GACC code {gacc} is {expected!r}")
        if iso is not None:
            known = iso in _iso_alpha3() or iso in _iso_historic_alpha3() or iso in _ISO_SPECIAL_CASES
            if not known:
                problems.append(f"{at}: iso_alpha3 {iso!r} is not an ISO 3166 code known to pycountry")
            if code != iso:
                problems.append(f"{at}: partner_code must equal iso_alpha3 {iso!r} for an ISO entity")
        elif not code.startswith("X") or code in _iso_alpha3():
            # Entities without an ISO code take codes from the user-assigned X.. range, so they can never
            # collide with a real country.
            problems.append(f"{at}: a partner without iso_alpha3 needs a user-assigned X.. code")
    return problems


def _check_aliases(aliases: pl.DataFrame, partners: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["partner_aliases"]
    known = set(partners["partner_code"].drop_nulls())
    # Keys are recomputed here rather than trusted from an alias_key column a caller may have built.
    problems = _duplicates(
        aliases,
        file,
        lambda r: None if r["alias"] is None else normalise_label(r["alias"]),
        "alias (normalised)",
    )
    index: dict[str, str] = {}
    for line, row in _rows(aliases):
        at = f"{file} line {line}"
        alias, code = row["alias"], row["partner_code"]
        if alias is None or not normalise_label(alias):
            problems.append(f"{at}: alias is empty")
            continue
        if code not in known:
            problems.append(f"{at}: alias {alias!r} points at unknown partner_code {code!r}")
        if row["source"] not in _ALIAS_SOURCES:
            problems.append(f"{at}: source {row['source']!r} is not one of {sorted(_ALIAS_SOURCES)}")
        index.setdefault(normalise_label(alias), code)
    # Every partner's own names must resolve to it, so no published spelling of a name can be lost.
    for line, row in _rows(partners):
        for column in ("partner_name", "partner_name_zh"):
            name = row[column]
            if name is None or row["partner_code"] is None:
                continue
            target = index.get(normalise_label(name))
            if target != row["partner_code"]:
                problems.append(
                    f"{REFERENCE_FILES['partners']} line {line} ({row['partner_code']}): {column} {name!r} "
                    f"resolves to {target!r} in {file}"
                )
    return problems


def _check_groups(groups: pl.DataFrame, partners: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["partner_groups"]
    is_group = dict(zip(partners["partner_code"], partners["is_group"], strict=True))
    problems = _duplicates(
        groups,
        file,
        lambda r: (r["group_code"], r["member_code"], r["valid_from"]),
        "group/member/valid_from",
    )
    spans: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for line, row in _rows(groups):
        group, member, start, end = row["group_code"], row["member_code"], row["valid_from"], row["valid_to"]
        at = f"{file} line {line} ({group}/{member})"
        if group == WORLD_CODE:
            problems.append(f"{at}: {WORLD_CODE} needs no membership rows")
        elif is_group.get(group) is not True:
            problems.append(f"{at}: group_code {group!r} is not a group in partners.csv")
        if member not in is_group:
            problems.append(f"{at}: member_code {member!r} is unknown in partners.csv")
        elif is_group[member]:
            problems.append(f"{at}: member_code {member!r} is itself a group")
        if start is None or not _MONTH.fullmatch(start):
            problems.append(f"{at}: valid_from must be YYYY-MM, got {start!r}")
            continue
        if end is not None and not _MONTH.fullmatch(end):
            problems.append(f"{at}: valid_to must be YYYY-MM or empty, got {end!r}")
            continue
        if end is not None and start > end:
            problems.append(f"{at}: valid_from {start} is after valid_to {end}")
            continue
        spans.setdefault((group, member), []).append((start, end or "9999-12", line))
    for (group, member), periods in spans.items():
        periods.sort()
        for (_, end, first_line), (start, _, line) in itertools.pairwise(periods):
            if start <= end:
                problems.append(
                    f"{file} line {line} ({group}/{member}): overlaps the period on line {first_line}"
                )
    for line, row in _rows(partners):
        code = row["partner_code"]
        if row["is_group"] and code != WORLD_CODE and not any(g == code for g, _ in spans):
            problems.append(
                f"{REFERENCE_FILES['partners']} line {line} ({code}): group has no members in {file}"
            )
    return problems


def _check_hs(sections: pl.DataFrame, chapters: pl.DataFrame) -> list[str]:
    sfile, cfile = REFERENCE_FILES["hs_sections"], REFERENCE_FILES["hs_chapters"]
    problems = _duplicates(sections, sfile, lambda r: r["section"], "section")
    problems += _duplicates(chapters, cfile, lambda r: r["chapter"], "chapter")
    ranges: dict[int, tuple[str, str]] = {}
    for line, row in _rows(sections):
        section, first, last = row["section"], row["chapter_from"], row["chapter_to"]
        at = f"{sfile} line {line} (section {section})"
        if row["roman"] != _roman(section):
            problems.append(f"{at}: roman {row['roman']!r} should be {_roman(section)!r}")
        if not (first and _CHAPTER.fullmatch(first) and last and _CHAPTER.fullmatch(last)) or first > last:
            problems.append(f"{at}: chapter range {first!r}-{last!r} is not two ordered 2-digit chapters")
            continue
        ranges[section] = (first, last)
    if sorted(ranges) != list(range(1, 22)):
        problems.append(f"{sfile}: sections must be 1-21, got {sorted(ranges)}")
    expected_chapters = [f"{n:02d}" for n in range(1, 98)]
    present = sorted(c for c in chapters["chapter"].drop_nulls())
    if present != expected_chapters:
        missing = sorted(set(expected_chapters) - set(present))
        extra = sorted(set(present) - set(expected_chapters))
        problems.append(f"{cfile}: chapters must be 01-97; missing {missing}, unexpected {extra}")
    for line, row in _rows(chapters):
        chapter, section = row["chapter"], row["section"]
        span = ranges.get(section)
        if span is None:
            problems.append(f"{cfile} line {line} (chapter {chapter}): unknown section {section!r}")
        elif chapter is None or not span[0] <= chapter <= span[1]:
            problems.append(
                f"{cfile} line {line} (chapter {chapter}): outside section {section} ({span[0]}-{span[1]})"
            )
    return problems


def _check_hs_headings(headings: pl.DataFrame, chapters: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["hs_headings"]
    problems = _duplicates(headings, file, lambda r: r["heading"], "heading")
    real_chapters = set(chapters["chapter"].drop_nulls()) - {"77"}
    for line, row in _rows(headings):
        heading = row["heading"]
        at = f"{file} line {line} (heading {heading})"
        if heading is None or not re.fullmatch(r"\d{4}", heading):
            problems.append(f"{at}: heading must be 4 digits")
        elif heading[:2] not in real_chapters:
            problems.append(f"{at}: chapter {heading[:2]} is not an HS chapter")
        if not row["description"]:
            problems.append(f"{at}: description is empty")
    return problems


def _check_commodities(commodities: pl.DataFrame, chapters: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["commodities"]
    real_chapters = set(chapters["chapter"].drop_nulls()) - {"77"}
    problems = _duplicates(
        commodities,
        file,
        lambda r: None if r["label"] is None else (normalise_label(r["label"]), r["direction"]),
        "label/direction",
    )
    headings: dict[str, tuple[str | None, int]] = {}
    for line, row in _rows(commodities):
        code, direction, heading = row["commodity_code"], row["direction"], row["hs_heading"]
        at = f"{file} line {line} ({row['label']!r})"
        if row["label"] is None:
            problems.append(f"{at}: label is empty")
        if direction not in _DIRECTIONS:
            problems.append(f"{at}: direction must be one of {sorted(_DIRECTIONS)}, got {direction!r}")
        elif (
            code is None or not _COMMODITY_CODE.fullmatch(code) or not code.startswith(_DIRECTIONS[direction])
        ):
            problems.append(
                f"{at}: {direction} commodity_code must look like {_DIRECTIONS[direction]}NAME, got {code!r}"
            )
        for part in (heading or "").split(";") if heading else []:
            if not _HS_CODE.fullmatch(part) or part[:2] not in real_chapters:
                problems.append(
                    f"{at}: hs_heading part {part!r} is not a 2/4/6-digit code of a real HS chapter"
                )
        if code is not None:
            first = headings.setdefault(code, (heading, line))
            if first[0] != heading:
                problems.append(
                    f"{at}: {code} has hs_heading {heading!r} but {first[0]!r} on line {first[1]}"
                )
    return problems


_LABEL_SOURCES = frozenset({"gacc_en_release", "gacc_en_bulletin", "variant"})
_UNIT_SOURCES = frozenset({"gacc_en_release"})
_BASE_UNITS = frozenset({"ton", "piece", "set", "vehicle", "pair", "ship", "aircraft", "cubic_metre", "unit"})
_FACTOR = re.compile(r"[1-9]\d*")


def _check_validity(
    frame: pl.DataFrame, file: str, key: Callable[[dict[str, Any]], Any], sources: frozenset[str]
) -> list[str]:
    """valid_from/valid_to are YYYY-MM (valid_to may be empty), in order; one key's windows never overlap."""
    problems: list[str] = []
    windows: dict[Any, list[tuple[str, str, int]]] = {}
    for line, row in _rows(frame):
        at = f"{file} line {line} ({row['alias']!r})"
        start, end = row["valid_from"], row["valid_to"]
        if start is None or not _MONTH.fullmatch(start):
            problems.append(f"{at}: valid_from must be YYYY-MM, got {start!r}")
            continue
        if end is not None and (not _MONTH.fullmatch(end) or end < start):
            problems.append(f"{at}: valid_to must be empty or a YYYY-MM not before valid_from, got {end!r}")
            continue
        if row["source"] not in sources:
            problems.append(f"{at}: source must be one of {sorted(sources)}, got {row['source']!r}")
        for other_start, other_end, other_line in windows.setdefault(key(row), []):
            if start <= other_end and other_start <= (end or "9999-12"):
                problems.append(f"{at}: validity overlaps the same label on line {other_line}")
        windows[key(row)].append((start, end or "9999-12", line))
    return problems


def _check_commodity_aliases(aliases: pl.DataFrame, commodities: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["commodity_aliases"]
    codes = set(commodities["commodity_code"])
    problems = _check_validity(
        aliases, file, lambda r: (normalise_label(r["alias"]), r["direction"]), _LABEL_SOURCES
    )
    for line, row in _rows(aliases):
        at = f"{file} line {line} ({row['alias']!r})"
        code, direction = row["commodity_code"], row["direction"]
        if direction not in _DIRECTIONS:
            problems.append(f"{at}: direction must be one of {sorted(_DIRECTIONS)}, got {direction!r}")
        elif code not in codes or not code.startswith(_DIRECTIONS[direction]):
            problems.append(
                f"{at}: {code!r} is not an {direction} commodity_code of {REFERENCE_FILES['commodities']}"
            )
        if row["why"] is not None and row["why"] != row["why"].strip():
            problems.append(f"{at}: why has surrounding whitespace")
    return problems


def _check_quantity_units(units: pl.DataFrame) -> list[str]:
    file = REFERENCE_FILES["quantity_units"]
    problems = _duplicates(units, file, lambda r: normalise_label(r["unit_as_printed"] or ""), "unit")
    for line, row in _rows(units):
        at = f"{file} line {line} ({row['unit_as_printed']!r})"
        if row["base_unit"] not in _BASE_UNITS:
            problems.append(f"{at}: base_unit must be one of {sorted(_BASE_UNITS)}, got {row['base_unit']!r}")
        if row["factor"] is None or not _FACTOR.fullmatch(row["factor"]):
            problems.append(f"{at}: factor must be a positive whole number, got {row['factor']!r}")
        if row["source"] not in _UNIT_SOURCES:
            problems.append(f"{at}: source must be one of {sorted(_UNIT_SOURCES)}, got {row['source']!r}")
    return problems


def _check_trade_modes(modes: pl.DataFrame, aliases: pl.DataFrame) -> list[str]:
    file, alias_file = REFERENCE_FILES["trade_modes"], REFERENCE_FILES["trade_mode_aliases"]
    problems = _duplicates(modes, file, lambda r: r["trade_mode_code"], "trade_mode_code")
    for line, row in _rows(modes):
        if row["trade_mode_code"] is None or not re.fullmatch(r"[A-Z][A-Z_]*", row["trade_mode_code"]):
            problems.append(
                f"{file} line {line}: trade_mode_code must be UPPER_SNAKE, got {row['trade_mode_code']!r}"
            )
    codes = set(modes["trade_mode_code"])
    problems += _check_validity(aliases, alias_file, lambda r: normalise_label(r["alias"]), _LABEL_SOURCES)
    for line, row in _rows(aliases):
        if row["trade_mode_code"] not in codes:
            problems.append(
                f"{alias_file} line {line} ({row['alias']!r}): {row['trade_mode_code']!r} is not in {file}"
            )
    return problems


def validate_reference(
    *,
    partners: pl.DataFrame | None = None,
    partner_aliases: pl.DataFrame | None = None,
    partner_groups: pl.DataFrame | None = None,
    hs_sections: pl.DataFrame | None = None,
    hs_chapters: pl.DataFrame | None = None,
    hs_headings: pl.DataFrame | None = None,
    commodities: pl.DataFrame | None = None,
    commodity_aliases: pl.DataFrame | None = None,
    quantity_units: pl.DataFrame | None = None,
    trade_modes: pl.DataFrame | None = None,
    trade_mode_aliases: pl.DataFrame | None = None,
) -> None:
    """Check the reference tables together; raise one ValueError listing every problem by file and line.

    Each frame defaults to the package's; pass a frame (e.g. from read_reference_csv on an edited copy)
    to check it against the others. Frames must be in file order for the line numbers to be right.
    """
    partners = load_partners() if partners is None else partners
    partner_aliases = load_partner_aliases() if partner_aliases is None else partner_aliases
    partner_groups = load_partner_groups() if partner_groups is None else partner_groups
    hs_sections = load_hs_sections() if hs_sections is None else hs_sections
    hs_chapters = load_hs_chapters() if hs_chapters is None else hs_chapters
    commodities = load_commodities() if commodities is None else commodities

    problems = _check_partners(partners)
    problems += _check_aliases(partner_aliases, partners)
    problems += _check_groups(partner_groups, partners)
    problems += _check_hs(hs_sections, hs_chapters)
    problems += _check_hs_headings(load_hs_headings() if hs_headings is None else hs_headings, hs_chapters)
    problems += _check_commodities(commodities, hs_chapters)
    problems += _check_commodity_aliases(
        load_commodity_aliases() if commodity_aliases is None else commodity_aliases, commodities
    )
    problems += _check_quantity_units(load_quantity_units() if quantity_units is None else quantity_units)
    problems += _check_trade_modes(
        load_trade_modes() if trade_modes is None else trade_modes,
        load_trade_mode_aliases() if trade_mode_aliases is None else trade_mode_aliases,
    )
    _raise_if(problems)
