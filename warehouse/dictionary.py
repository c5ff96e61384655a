"""The data dictionary and the DDL, rendered from the table contracts.

Three renderings of the same declarations: a frame for `meta.data_dictionary` (so BI users can query
it inside the warehouse), a Markdown page (`docs/data-dictionary.md`, committed, checked by a test)
and the DuckDB DDL (checked against a golden file, so a schema change shows up as a reviewed diff).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from warehouse.asof import AS_OF_MACROS, AS_OF_PARAMETER
from warehouse.codes import VINTAGE_PRECEDENCE_RULE
from warehouse.contracts import TableContract
from warehouse.tables import BI_VIEWS, META_DATA_DICTIONARY, WAREHOUSE_TABLES
from warehouse.traps import TRAPS, Trap

DEFAULT_CONTRACTS: tuple[TableContract, ...] = (*WAREHOUSE_TABLES, *BI_VIEWS)

# The committed Markdown page; `write_data_dictionary()` regenerates it from a source checkout.
DATA_DICTIONARY_PATH = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"
REGENERATE_HINT = (
    '.venv/bin/python -c "from warehouse.dictionary import write_data_dictionary; write_data_dictionary()"'
)

# The BI contract comes first: it is what most readers of the dictionary are looking for.
_SCHEMA_ORDER = ("bi", "core", "meta", "staging", "archive")
_SCHEMA_INTRO = {
    "bi": (
        "The BI contract: the views BI tools and reports rely on. Columns are added across releases of "
        "this project, never renamed or removed. They show the latest vintage of every period."
    ),
    "core": (
        "Facts and dimensions. Facts keep every release (vintage) except `fact_trade_surplus`, which "
        "holds the latest one; values are stored as published, in both currencies."
    ),
    "meta": "Lineage and bookkeeping: releases, the raw files behind them, pipeline runs, this dictionary.",
    "staging": "Parsed rows exactly as published (Parquet under the data root, not in the warehouse).",
    "archive": "The raw-file archive's manifest (Parquet under the data root, not in the warehouse).",
}


def data_dictionary_frame(contracts: Sequence[TableContract] = DEFAULT_CONTRACTS) -> pl.DataFrame:
    """One row per column of every table and view, conforming to `meta.data_dictionary`.

    The unit is a column of its own here (the description does not repeat it), so BI users can filter
    on it; the `COMMENT ON` texts carry it inline instead.
    """
    rows = [
        {
            "object_schema": c.schema,
            "object_name": c.name,
            "object_kind": c.kind,
            "object_description": c.description,
            "column_name": f.name,
            "ordinal_position": position,
            "data_type": f.dtype.duckdb,
            "unit": f.unit,
            "column_description": f.description,
            "is_primary_key": f.name in c.primary_key,
            "is_nullable": f.nullable,
        }
        for c in contracts
        for position, f in enumerate(c.fields, start=1)
    ]
    frame = pl.DataFrame(rows, schema=META_DATA_DICTIONARY.polars_schema())
    return META_DATA_DICTIONARY.conform(frame)


def schemas_of(contracts: Sequence[TableContract]) -> list[str]:
    """The schemas the contracts live in, in order of first appearance (tables before the views on them)."""
    return list(dict.fromkeys(c.schema for c in contracts))


def render_ddl(contracts: Sequence[TableContract] = DEFAULT_CONTRACTS) -> str:
    """Every `create_sql()`, in the given order, after the `CREATE SCHEMA` statements they need."""
    header = "-- Generated from warehouse/tables.py by warehouse.dictionary.render_ddl(); do not edit.\n"
    schemas = "\n".join(f"CREATE SCHEMA IF NOT EXISTS {s};" for s in schemas_of(contracts))
    bodies = "\n\n".join(c.create_sql() for c in contracts)
    return f"{header}\n{schemas}\n\n{bodies}\n"


def render_markdown(
    contracts: Sequence[TableContract] = DEFAULT_CONTRACTS, traps: Sequence[Trap] = TRAPS
) -> str:
    """A readable data dictionary: a section per schema (the BI contract first), a table per object."""
    by_schema: dict[str, list[TableContract]] = {}
    for c in contracts:
        by_schema.setdefault(c.schema, []).append(c)
    ordered = sorted(
        by_schema,
        key=lambda s: (_SCHEMA_ORDER.index(s) if s in _SCHEMA_ORDER else len(_SCHEMA_ORDER), s),
    )

    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated from warehouse/tables.py by warehouse.dictionary.write_data_dictionary(); "
        "do not edit by hand. -->",
        "",
        "Every table and view of the DuckDB warehouse, rendered from the table contracts (the same "
        "declarations produce the DDL, the column comments and `meta.data_dictionary`). Money is in "
        "whole currency units (US dollars or yuan, never thousands or 100 millions); a measure the "
        "loaded releases do not give is NULL, never 0. PK marks the columns of the primary key (for a "
        "view: the grain it guarantees).",
        "",
    ]
    lines.append("- [Traps](#traps): read these before the first query")
    for schema in ordered:
        lines.append(f"- [`{schema}`](#{schema}): " + ", ".join(f"`{c.name}`" for c in by_schema[schema]))
    lines.append("")
    lines += render_traps(traps)

    for schema in ordered:
        lines += [f"## {schema}", ""]
        if schema in _SCHEMA_INTRO:
            lines += [_SCHEMA_INTRO[schema], ""]
        for c in by_schema[schema]:
            lines += _render_object(c)
        if schema == "bi":
            lines += _render_as_of([c for c in by_schema[schema] if c.kind == "view"])
    return "\n".join(lines).rstrip("\n") + "\n"


def render_traps(traps: Sequence[Trap] = TRAPS) -> list[str]:
    """The "Traps" section: what goes wrong, why, what to do, and a query that does it right."""
    lines = [
        "## Traps",
        "",
        "What catches a first query of this warehouse, declared in `warehouse/traps.py`; every example runs "
        "against the published demo warehouse in the tests.",
        "",
    ]
    for trap in traps:
        lines += [
            f'<a id="{trap.name}"></a>',
            f"### {trap.title}",
            "",
            trap.what_goes_wrong,
            "",
            f"**Why:** {trap.why}",
            "",
            f"**Do:** {trap.what_to_do}",
            "",
            "Columns: " + ", ".join(f"`{c}`" for c in trap.columns),
            "",
            "```sql",
            trap.example_sql.strip(),
            "```",
            "",
        ]
    return lines


def _render_object(c: TableContract) -> list[str]:
    key = ", ".join(f"`{k}`" for k in c.primary_key) or "none"
    lines = [
        f"### {c.qualified_name}",
        "",
        f"*{c.kind}* · {_cell(c.description)}",
        "",
        f"Primary key: {key}"
        + (
            f" · partitioned by {', '.join(c.partition_by)} (the key is the grain, checked per period by the "
            "publish, not a DuckDB constraint)"
            if c.partition_by
            else ""
        ),
        "",
        "| # | column | type | unit | key | nullable | description |",
        "|---:|---|---|---|---|---|---|",
    ]
    for position, f in enumerate(c.fields, start=1):
        details = f.description
        if f.allowed_values:
            details += " (one of: " + ", ".join(f"`{v}`" for v in f.allowed_values) + ")"
        lines.append(
            f"| {position} | `{f.name}` | {f.dtype.duckdb} | {_cell(f.unit or '')} | "
            f"{'PK' if f.name in c.primary_key else ''} | {'yes' if f.nullable else 'no'} | {_cell(details)} |"
        )
    lines.append("")
    return lines


def _render_as_of(views: Sequence[TableContract]) -> list[str]:
    macros = [m for m in AS_OF_MACROS if m.view in views]
    if not macros:
        return []
    lines = [
        "### As of a date",
        "",
        f"Every vintage of every figure is kept. {VINTAGE_PRECEDENCE_RULE}; the views show the vintage it "
        "picks. These table macros return exactly what a view would have shown on a given day: the same "
        "SQL, with the vintage chosen by the same rule among the vintages public on or before that day "
        f"(`public_on`). `{AS_OF_PARAMETER}` is a DATE or an ISO date string, e.g. "
        f"`SELECT * FROM {macros[0].name}(DATE '2026-01-14')`; without macros, "
        '`customs query --as-of 2026-01-14 "SELECT ..."` reads the views as of that day.',
        "",
        "| macro | as of a date, the view |",
        "|---|---|",
    ]
    lines += [f"| `{m.name}({AS_OF_PARAMETER})` | `{m.view.qualified_name}` |" for m in macros]
    lines.append("")
    return lines


def _cell(text: str) -> str:
    # A pipe would end the Markdown table cell early.
    return text.replace("|", "\\|")


def write_data_dictionary(path: Path = DATA_DICTIONARY_PATH) -> Path:
    """Write `render_markdown()` to `path` (by default the committed `docs/data-dictionary.md`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(), encoding="utf-8")
    return path
