"""The data dictionary and DDL renderings, checked against reviewed golden files.

A change to a declaration shows up here as a diff to review. To accept it, regenerate the files:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/warehouse/test_dictionary.py
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from warehouse.contracts import DType, Field, TableContract
from warehouse.dictionary import (
    DATA_DICTIONARY_PATH,
    REGENERATE_HINT,
    data_dictionary_frame,
    render_ddl,
    render_markdown,
    write_data_dictionary,
)
from warehouse.tables import BI_VIEWS, META_DATA_DICTIONARY, WAREHOUSE_TABLES

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
HOW_TO_UPDATE = (
    "if the change is intended, regenerate with: UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/warehouse"
)


def _check_golden(path: Path, result: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result, encoding="utf-8")
    assert path.exists(), f"{path} is missing; {HOW_TO_UPDATE}"
    # A plain boolean keeps pytest from printing a huge diff; `git diff` after regenerating shows it.
    same = path.read_text(encoding="utf-8") == result
    assert same, f"{path.name} differs from what the contracts render; {HOW_TO_UPDATE}"


@pytest.mark.parametrize(
    ("golden", "render"),
    [
        pytest.param("warehouse_ddl.sql", render_ddl, id="ddl"),
        pytest.param("data_dictionary.md", render_markdown, id="markdown_dictionary"),
    ],
)
def test_rendering_matches_the_golden_file(golden: str, render: Callable[[], str]) -> None:
    _check_golden(GOLDEN / golden, render())


def test_committed_data_dictionary_is_up_to_date() -> None:
    if UPDATE:
        write_data_dictionary()
    assert DATA_DICTIONARY_PATH.exists(), (
        f"{DATA_DICTIONARY_PATH} is missing; create it with: {REGENERATE_HINT}"
    )
    same = DATA_DICTIONARY_PATH.read_text(encoding="utf-8") == render_markdown()
    assert same, (
        f"docs/data-dictionary.md is out of date with warehouse/tables.py; regenerate with: {REGENERATE_HINT}"
    )


def test_the_ddl_runs_in_duckdb_and_creates_every_object() -> None:
    con = duckdb.connect()
    try:
        con.execute(render_ddl())
        result = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN ('core', 'meta', 'bi')"
            ).fetchall()
        }
    finally:
        con.close()
    assert result == {c.qualified_name for c in (*WAREHOUSE_TABLES, *BI_VIEWS)}


def test_ddl_creates_schemas_before_anything_in_them() -> None:
    ddl = render_ddl()
    first_object = ddl.index("CREATE TABLE")
    for schema in ("core", "meta", "bi"):
        assert ddl.index(f"CREATE SCHEMA IF NOT EXISTS {schema};") < first_object
    # Views come after the tables they read.
    assert ddl.index("CREATE VIEW") > ddl.rindex("CREATE TABLE")


# --- the frame behind meta.data_dictionary ---------------------------------------------------------
_TOY = TableContract(
    "core",
    "toy",
    "A toy table",
    (
        Field("code", DType.STRING, "The code", nullable=False),
        Field("value_usd", DType.INT64, "A value", unit="US dollars"),
    ),
    primary_key=("code",),
)


def test_dictionary_frame_has_a_row_per_column() -> None:
    result = data_dictionary_frame([_TOY])
    expected = pl.DataFrame(
        {
            "object_schema": ["core", "core"],
            "object_name": ["toy", "toy"],
            "object_kind": ["table", "table"],
            "object_description": ["A toy table", "A toy table"],
            "column_name": ["code", "value_usd"],
            "ordinal_position": [1, 2],
            "data_type": ["VARCHAR", "BIGINT"],
            "unit": [None, "US dollars"],
            "column_description": ["The code", "A value"],
            "is_primary_key": [True, False],
            "is_nullable": [False, True],
        },
        schema=META_DATA_DICTIONARY.polars_schema(),
    )
    assert_frame_equal(result, expected)


def test_dictionary_frame_covers_every_table_and_view() -> None:
    result = data_dictionary_frame()
    contracts = (*WAREHOUSE_TABLES, *BI_VIEWS)
    assert result.height == sum(len(c.fields) for c in contracts)
    assert result.schema == META_DATA_DICTIONARY.polars_schema()
    keys = result.select("object_schema", "object_name", "column_name")
    assert keys.is_unique().all(), "the dictionary's primary key must hold, it is loaded into the warehouse"
    kinds = dict(result.select("object_name", "object_kind").unique().iter_rows())
    assert kinds["monthly_trade"] == "view"
    assert kinds["fact_trade_surplus"] == "table"


# --- the Markdown page ------------------------------------------------------------------------------
def test_markdown_puts_the_bi_contract_first_and_marks_keys_and_units() -> None:
    result = render_markdown()
    sections = [line for line in result.splitlines() if line.startswith("## ")]
    # The traps come first: they are what a first query runs into; then the BI contract.
    assert sections == ["## Traps", "## bi", "## core", "## meta"]
    for c in (*WAREHOUSE_TABLES, *BI_VIEWS):
        assert f"### {c.qualified_name}\n" in result
    assert "| 1 | `period` | VARCHAR |  | PK | no |" in result  # bi.monthly_trade's key
    assert "| 4 | `exports_usd` | BIGINT | US dollars |  | yes |" in result


def test_markdown_escapes_pipes_in_descriptions() -> None:
    toy = TableContract(
        "core", "toy", "a | b", (Field("code", DType.STRING, "x | y", nullable=False),), primary_key=("code",)
    )
    result = render_markdown([toy])
    assert "a \\| b" in result
    assert "x \\| y" in result


def test_write_data_dictionary_writes_the_rendered_page(tmp_path: Path) -> None:
    path = write_data_dictionary(tmp_path / "docs" / "dictionary.md")
    assert path.read_text(encoding="utf-8") == render_markdown()


@pytest.mark.parametrize("contract", [*WAREHOUSE_TABLES, *BI_VIEWS], ids=lambda c: c.qualified_name)
def test_every_object_and_column_has_a_description(contract: TableContract) -> None:
    assert contract.description.strip()
    assert all(f.description.strip() for f in contract.fields)
