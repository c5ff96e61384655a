"""The hand-entered release dates (`release_dates.csv` in `warehouse.reference`): dates known for certain."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Final

from domain.periods import Period
from release_calendar.periods import Product, check_product, checked_period_key, month_after

RELEASE_DATES_FILE: Final = "release_dates.csv"
_REFERENCE_PACKAGE = "warehouse.reference"
_PROVENANCE_PREFIX = "# provenance:"
_COLUMNS = ("product", "period", "due_date", "source")


@dataclass(frozen=True)
class OfficialDate:
    """A release date entered by hand in `release_dates.csv`, with where it comes from."""

    due_date: date
    source: str


def parse_release_dates(text: str, file: str = RELEASE_DATES_FILE) -> dict[tuple[Product, str], OfficialDate]:
    """Read the text of a release-dates file; one ValueError lists every problem by file and line.

    Line 1 is the provenance, line 2 the header, data rows start on line 3.
    """
    first, _, body = text.partition("\n")
    if not first.startswith(_PROVENANCE_PREFIX) or not first[len(_PROVENANCE_PREFIX) :].strip():
        raise ValueError(f"{file} line 1: must be a '{_PROVENANCE_PREFIX} ...' comment, got {first[:60]!r}")
    rows = list(csv.reader(io.StringIO(body)))
    if not rows or tuple(rows[0]) != _COLUMNS:
        raise ValueError(f"{file} line 2: header {rows[0] if rows else []} != expected {list(_COLUMNS)}")

    dates: dict[tuple[Product, str], OfficialDate] = {}
    first_line: dict[tuple[Product, str], int] = {}
    problems: list[str] = []
    for line, row in enumerate(rows[1:], start=3):
        at = f"{file} line {line}"
        if len(row) != len(_COLUMNS):
            problems.append(f"{at}: {len(row)} fields, expected {len(_COLUMNS)}")
            continue
        product, period, due, source = (cell.strip() for cell in row)
        try:
            checked = check_product(product)
            key = checked_period_key(checked, period)
            due_date = date.fromisoformat(due)
        except ValueError as exc:
            problems.append(f"{at}: {exc}")
            continue
        if not source:
            problems.append(f"{at}: source is empty: say where the date comes from")
        # A release comes out after its period: a due date inside the period is a typo.
        end_year = int(key) if checked == "yearbook" else Period.parse(key).year
        end_month = 12 if checked == "yearbook" else Period.parse(key).last_month
        if due_date < date(*month_after(end_year, end_month), 1):
            problems.append(f"{at}: due_date {due_date} is not after the period {key} ends")
        if (checked, key) in first_line:
            problems.append(f"{at}: {checked} {key} is already on line {first_line[checked, key]}")
            continue
        first_line[checked, key] = line
        dates[checked, key] = OfficialDate(due_date, source)
    if problems:
        raise ValueError("\n".join(problems))
    return dates


@functools.cache
def official_release_dates() -> Mapping[tuple[Product, str], OfficialDate]:
    """The package's hand-entered release dates, keyed by (product, period key)."""
    text = resources.files(_REFERENCE_PACKAGE).joinpath(RELEASE_DATES_FILE).read_text(encoding="utf-8")
    return parse_release_dates(text)
