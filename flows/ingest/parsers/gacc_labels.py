"""Row labels and quantity units of tables (2)/(3) and (5)/(6), resolved through the reviewed reference CSVs.

`warehouse/reference/commodity_aliases.csv` (and the canonical labels of `commodities.csv`),
`trade_mode_aliases.csv` and `quantity_units.csv` are the source of truth: a label or unit they do not
know is an error for the caller to report with its file, row and column, never a guess.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from domain.periods import Period
from warehouse.reference import (
    REFERENCE_FILES,
    load_commodities,
    load_commodity_aliases,
    load_quantity_units,
    load_trade_mode_aliases,
    normalise_label,
)


class UnknownLabelError(LookupError):
    """A label or unit the reference does not know (or not for this period); the message says which file."""


@dataclass(frozen=True)
class QuantityUnit:
    base_unit: str  # the counted thing: "ton", "piece", "set", "vehicle", "pair", ...
    factor: Decimal  # base units per printed unit: 10,000 for "10,000 Tons"


@dataclass(frozen=True)
class _Alias:
    code: str
    valid_from: str | None  # YYYY-MM, inclusive; None = open
    valid_to: str | None

    def covers(self, month: str) -> bool:
        return (self.valid_from is None or self.valid_from <= month) and (
            self.valid_to is None or month <= self.valid_to
        )

    def validity(self) -> str:
        return f"{self.valid_from or '...'}..{self.valid_to or '...'}"


def _reference_month(period: Period) -> str:
    return f"{period.year}-{period.last_month:02d}"


@functools.cache
def _units() -> dict[str, QuantityUnit]:
    frame = load_quantity_units()
    return {
        key: QuantityUnit(base, Decimal(factor))
        for key, base, factor in frame.select("unit_key", "base_unit", "factor").iter_rows()
    }


@functools.cache
def _commodity_aliases() -> dict[tuple[str, str], tuple[_Alias, ...]]:
    index: dict[tuple[str, str], list[_Alias]] = {}
    for key, direction, code, start, end in (
        load_commodity_aliases()
        .select("alias_key", "direction", "commodity_code", "valid_from", "valid_to")
        .iter_rows()
    ):
        index.setdefault((key, direction), []).append(_Alias(code, start, end))
    # The canonical labels of commodities.csv (the demo's wording among them) hold for every period.
    for key, direction, code in (
        load_commodities().select("label_key", "direction", "commodity_code").iter_rows()
    ):
        index.setdefault((key, direction), []).append(_Alias(code, None, None))
    return {key: tuple(aliases) for key, aliases in index.items()}


@functools.cache
def _trade_mode_aliases() -> dict[str, tuple[_Alias, ...]]:
    index: dict[str, list[_Alias]] = {}
    for key, code, start, end in (
        load_trade_mode_aliases().select("alias_key", "trade_mode_code", "valid_from", "valid_to").iter_rows()
    ):
        index.setdefault(key, []).append(_Alias(code, start, end))
    return {key: tuple(aliases) for key, aliases in index.items()}


def quantity_unit(printed: str) -> QuantityUnit:
    """The base unit and factor of a printed quantity unit; UnknownLabelError if the reference lacks it."""
    unit = _units().get(normalise_label(printed))
    if unit is None:
        raise UnknownLabelError(
            f"unknown quantity unit {printed!r}: review it and add it to "
            f"warehouse/reference/{REFERENCE_FILES['quantity_units']}"
        )
    return unit


def _pick(aliases: tuple[_Alias, ...], label: str, period: Period, file: str, what: str) -> str:
    month = _reference_month(period)
    codes = {alias.code for alias in aliases if alias.covers(month)}
    if len(codes) == 1:
        return codes.pop()
    if len(codes) > 1:
        raise UnknownLabelError(
            f"{what} {label!r} maps to several codes in {period}: {sorted(codes)} ({file})"
        )
    known = ", ".join(sorted(alias.validity() for alias in aliases))
    raise UnknownLabelError(
        f"{what} {label!r} is known only for {known}, not {period}: review it and widen its row in "
        f"warehouse/reference/{file}"
    )


def commodity_code(label: str, direction: str, period: Period) -> str:
    """The commodity code of a tables (5)/(6) label (without its `*`) in `direction` for `period`."""
    aliases = _commodity_aliases().get((normalise_label(label), direction))
    file = REFERENCE_FILES["commodity_aliases"]
    if aliases is None:
        raise UnknownLabelError(
            f"unknown {direction} commodity label {label!r}: review it and add it to warehouse/reference/{file}"
        )
    return _pick(aliases, label, period, file, f"{direction} commodity label")


def trade_mode_code(label: str, period: Period) -> str:
    """The trade-mode code of a tables (2)/(3) row label for `period`."""
    aliases = _trade_mode_aliases().get(normalise_label(label))
    file = REFERENCE_FILES["trade_mode_aliases"]
    if aliases is None:
        raise UnknownLabelError(
            f"unknown trade-mode label {label!r}: review it and add it to warehouse/reference/{file}"
        )
    return _pick(aliases, label, period, file, "trade-mode label")
