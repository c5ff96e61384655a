"""Great Expectations suites generated from the table contracts.

A contract (`warehouse.tables`) is the single source of truth: the suite of a table is rendered from it
(columns in order, types, not-null, primary key, allowed values, patterns, ranges), never written by
hand, so a new column or constraint is checked the day it is declared.

A contract suite is a `Check` (`expectations.checks`) like a business rule, so the gate treats them
alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import polars as pl

from domain.partners import WORLD_CODE
from expectations.checks import CRITICAL, Check, ExpectationSpec
from warehouse.contracts import DType, TableContract

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

# The pandas dtype `.type` name GX compares against for each contract type, given `expectations.checks.to_pandas`
# (pandas nullable dtypes, so an integer column with nulls stays Int64 instead of turning float).
# DATE and TIMESTAMP differ only in the time zone on pandas: a naive datetime fails `Timestamp`.
PANDAS_TYPES: Mapping[DType, str] = {
    DType.STRING: "str",
    DType.INT64: "int64",
    DType.FLOAT64: "float64",
    DType.BOOL: "bool",
    DType.DATE: "datetime64",
    DType.TIMESTAMP: "Timestamp",
}


def full_match_regex(pattern: str) -> str:
    """`^(?:pattern)$` with capturing groups made non-capturing.

    Contract patterns must match a value in full; GX's pandas check uses `str.contains` (a search).
    pandas warns on a pattern with capturing groups, and the test suite turns warnings into errors,
    so `(` becomes `(?:` (an escaped `\\(` is left alone).
    """
    non_capturing = re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)
    return f"^(?:{non_capturing})$"


# --- contract suites ----------------------------------------------------------------------------------


def contract_suite_name(contract: TableContract) -> str:
    return f"contract.{contract.qualified_name}"


def contract_expectation_specs(
    contract: TableContract, partner_codes: Collection[str] | None = None
) -> tuple[ExpectationSpec, ...]:
    """Every expectation a contract implies, all critical; rule names are unique within the suite.

    `partner_codes`: the partner codes the reference data knows; given, a `partner_code` column must
    hold one of them (the World code is always known). None leaves partner codes unchecked.
    """
    specs: list[ExpectationSpec] = [
        ExpectationSpec(
            "columns_in_order",
            CRITICAL,
            "ExpectTableColumnsToMatchOrderedList",
            {"column_list": contract.column_names},
        )
    ]
    for f in contract.fields:
        column = f.name
        specs.append(
            ExpectationSpec(
                f"type:{column}",
                CRITICAL,
                "ExpectColumnValuesToBeOfType",
                {"column": column, "type_": PANDAS_TYPES[f.dtype]},
            )
        )
        if not f.nullable:
            specs.append(
                ExpectationSpec(
                    f"not_null:{column}", CRITICAL, "ExpectColumnValuesToNotBeNull", {"column": column}
                )
            )
        if f.allowed_values is not None:
            specs.append(
                ExpectationSpec(
                    f"allowed_values:{column}",
                    CRITICAL,
                    "ExpectColumnValuesToBeInSet",
                    {"column": column, "value_set": list(f.allowed_values)},
                )
            )
        if f.pattern is not None:
            specs.append(
                ExpectationSpec(
                    f"pattern:{column}",
                    CRITICAL,
                    "ExpectColumnValuesToMatchRegex",
                    {"column": column, "regex": full_match_regex(f.pattern)},
                )
            )
        if f.min_value is not None or f.max_value is not None:
            specs.append(
                ExpectationSpec(
                    f"range:{column}",
                    CRITICAL,
                    "ExpectColumnValuesToBeBetween",
                    {"column": column, "min_value": f.min_value, "max_value": f.max_value},
                )
            )
        if column == "partner_code" and partner_codes is not None:
            known = sorted({*partner_codes, WORLD_CODE})
            specs.append(
                ExpectationSpec(
                    f"known_partner:{column}",
                    CRITICAL,
                    "ExpectColumnValuesToBeInSet",
                    {"column": column, "value_set": known},
                )
            )
    if len(contract.primary_key) == 1:
        specs.append(
            ExpectationSpec(
                "primary_key_unique",
                CRITICAL,
                "ExpectColumnValuesToBeUnique",
                {"column": contract.primary_key[0]},
            )
        )
    elif contract.primary_key:
        specs.append(
            ExpectationSpec(
                "primary_key_unique",
                CRITICAL,
                "ExpectCompoundColumnsToBeUnique",
                {"column_list": list(contract.primary_key)},
            )
        )
    return tuple(specs)


def build_contract_suite(
    contract: TableContract, partner_codes: Collection[str] | None = None
) -> ExpectationSuite:
    """The GX suite of a contract (imports GX)."""
    return contract_check(contract, contract.empty_frame(), partner_codes).suite()


_DESCRIPTIVE_COLUMNS = (
    "release_id",
    "period",
    "table_id",
    "currency",
    "label",
    "partner_code",
    "direction",
    "span",
)


def _period_batches_safe(contract: TableContract) -> bool:
    """True if validating one period at a time still checks the whole primary key.

    That holds where the key contains the period, or where the table is partitioned by period (a
    staging file belongs to one period, so its key never spans two).
    """
    names = contract.column_names
    if "period" not in names or contract.field("period").nullable:
        return False
    return "period" in contract.primary_key or "period" in contract.partition_by


def contract_check(
    contract: TableContract, frame: pl.DataFrame, partner_codes: Collection[str] | None = None
) -> Check:
    """The contract suite of a table, with the frame to validate it on."""
    # Offending rows are shown by what identifies them to a reader, then by their key.
    key_columns = [c for c in (*_DESCRIPTIVE_COLUMNS, *contract.primary_key) if c in contract.column_names]
    return Check(
        suite_name=contract_suite_name(contract),
        object_name=contract.qualified_name,
        frame=frame,
        expectations=contract_expectation_specs(contract, partner_codes),
        blame_columns=("release_id",) if "release_id" in contract.column_names else (),
        example_columns=tuple(dict.fromkeys(key_columns)),
        period_batches=_period_batches_safe(contract),
        notes=f"Generated from the contract of {contract.qualified_name}: {contract.description}",
    )
