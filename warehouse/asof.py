"""As-of access to the BI views: what each view would have shown on a given day.

Each macro is generated from its view's own SQL (`TableContract.sql`), never written twice: every vintaged
fact the view reads is replaced by the same relation as of the day, in which the vintage choice is made
over the vintages public on or before it (never the `is_latest_vintage` flag of the published build):
- `core.fact_trade_surplus` by the version of `core.fact_trade_surplus_history` current on that day
  (the fact rebuilt from the vintages then public, by the transforms, at publish time);
- `core.fact_trade_flows` by its rows public by then, `is_latest_vintage` recomputed as the row of each
  figure with the highest `vintage_precedence` among them (the precedence rule, stored per row).
What the view's SQL does with the fact comes along: a combined Jan-Feb period left out once its split
months are known (`warehouse.tables`) is so left out as of the day the split became public, and not before.
A view that reads another vintaged fact (bi.trade_mode: its derived y/y and shares come from the latest
vintage) gets no macro rather than an approximate one.

DuckDB table macros (`bi.<view>_as_of(as_of)`), stored in the published file and read by DuckDB 1.5
clients; `as_of_relations` gives the same SQL for clients without macros (`customs query --as-of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from warehouse.contracts import TableContract
from warehouse.tables import (
    BI_VIEWS,
    FACT_TRADE_FLOWS,
    FACT_TRADE_SURPLUS,
    FACT_TRADE_SURPLUS_HISTORY,
)

AS_OF_PARAMETER = "as_of"
_VINTAGED_FACT = re.compile(r"\bcore\.fact_\w+\b")


def _grain(fact: TableContract) -> str:
    """A fact's figure: its primary key without the release (every vintage of it shares this)."""
    return ", ".join(column for column in fact.primary_key if column != "release_id")


def _as_of_sources(day: str) -> dict[str, str]:
    """Each vintaged fact a view may read -> the SELECT giving it as of `day` (an SQL date expression)."""
    history = FACT_TRADE_SURPLUS_HISTORY
    surplus_columns = ", ".join(FACT_TRADE_SURPLUS.column_names)
    return {
        FACT_TRADE_SURPLUS.qualified_name: (
            f"SELECT {surplus_columns} FROM {history.qualified_name} "
            f"WHERE visible_from <= {day} AND (visible_until IS NULL OR {day} < visible_until)"
        ),
        FACT_TRADE_FLOWS.qualified_name: (
            f"SELECT * REPLACE (coalesce(vintage_precedence = max(vintage_precedence) OVER "
            f"(PARTITION BY {_grain(FACT_TRADE_FLOWS)}), false) AS is_latest_vintage) "
            f"FROM {FACT_TRADE_FLOWS.qualified_name} WHERE public_on <= {day}"
        ),
    }


@dataclass(frozen=True)
class AsOfMacro:
    view: TableContract
    name: str  # schema-qualified

    def body(self, day: str = AS_OF_PARAMETER) -> str:
        """The view's SQL with each vintaged fact read as of `day` (an SQL date expression)."""
        return as_of_sql(self.view, day)

    def create_sql(self) -> str:
        return (
            f"CREATE MACRO {self.name}({AS_OF_PARAMETER}) AS TABLE\n"
            f"{self.body(f'CAST({AS_OF_PARAMETER} AS DATE)')};"
        )


def as_of_sql(view: TableContract, day: str) -> str:
    """`view`'s SQL as of `day` (an SQL expression of type DATE); KeyError if the view has no as-of form."""
    assert view.sql is not None
    sources = _as_of_sources(day)
    unknown = sorted(set(_VINTAGED_FACT.findall(view.sql)) - sources.keys())
    if unknown:
        raise KeyError(f"{view.qualified_name} reads {unknown}, which have no as-of form")
    # One pass, so a substituted relation is never substituted again.
    return _VINTAGED_FACT.sub(lambda m: f"({sources[m.group(0)]})", view.sql.strip())


def _has_as_of_form(view: TableContract) -> bool:
    assert view.sql is not None
    return set(_VINTAGED_FACT.findall(view.sql)) <= _as_of_sources(AS_OF_PARAMETER).keys()


AS_OF_MACROS: tuple[AsOfMacro, ...] = tuple(
    AsOfMacro(view, f"{view.qualified_name}_as_of") for view in BI_VIEWS if _has_as_of_form(view)
)


def as_of_relations(day: date) -> dict[str, str]:
    """Each BI view with an as-of form -> its SELECT as of `day`, for a client that cannot call macros."""
    literal = f"DATE '{day.isoformat()}'"
    return {macro.view.qualified_name: macro.body(literal) for macro in AS_OF_MACROS}


__all__ = ["AS_OF_MACROS", "AS_OF_PARAMETER", "AsOfMacro", "as_of_relations", "as_of_sql"]
