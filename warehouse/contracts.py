"""The machinery of table contracts: one declaration, rendered into every schema the project needs.

A `Field` is declared once in `warehouse.fields`; a `TableContract` (in `warehouse.tables`) lists
fields by name. From a contract come the polars schema, the Arrow schema, the DuckDB DDL with its
`COMMENT ON` statements, the expectation suites and the data dictionary, so a column's type or
meaning is never written twice.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pyarrow as pa


class DType(enum.Enum):
    STRING = "string"
    INT64 = "int64"
    FLOAT64 = "float64"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"  # UTC, microseconds

    @property
    def polars(self) -> pl.DataType:
        return _POLARS[self]

    @property
    def duckdb(self) -> str:
        return _DUCKDB[self]

    def arrow(self) -> pa.DataType:
        import pyarrow as pa

        return {
            DType.STRING: pa.string(),
            DType.INT64: pa.int64(),
            DType.FLOAT64: pa.float64(),
            DType.BOOL: pa.bool_(),
            DType.DATE: pa.date32(),
            DType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
        }[self]


_POLARS: dict[DType, pl.DataType] = {
    DType.STRING: pl.String(),
    DType.INT64: pl.Int64(),
    DType.FLOAT64: pl.Float64(),
    DType.BOOL: pl.Boolean(),
    DType.DATE: pl.Date(),
    DType.TIMESTAMP: pl.Datetime("us", "UTC"),
}
_DUCKDB: dict[DType, str] = {
    DType.STRING: "VARCHAR",
    DType.INT64: "BIGINT",
    DType.FLOAT64: "DOUBLE",
    DType.BOOL: "BOOLEAN",
    DType.DATE: "DATE",
    DType.TIMESTAMP: "TIMESTAMPTZ",
}


@dataclass(frozen=True)
class Field:
    """A column's meaning, declared once and shared by every table that carries it."""

    name: str
    dtype: DType
    description: str
    unit: str | None = None
    nullable: bool = True
    allowed_values: tuple[str, ...] | None = None
    pattern: str | None = None  # a regular expression every non-null value must match in full
    min_value: float | None = None
    max_value: float | None = None

    def but(self, **changes: object) -> Field:
        """The same field with a table-specific difference (a narrower nullability, say)."""
        return replace(self, **changes)  # type: ignore[arg-type]


class ContractError(ValueError):
    """A frame that does not fit its contract: names the table and the columns."""


@dataclass(frozen=True)
class TableContract:
    schema: str  # "staging", "core", "meta" (warehouse schemas), or "archive"
    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    partition_by: tuple[str, ...] = ()
    kind: str = "table"  # "table" or "view"
    sql: str | None = None  # for views: the SELECT that defines it
    # Left out of the hash (a dict is unhashable) so a contract can key a mapping, as
    # `publish_warehouse(tables={contract: frame})` does; equality still compares it.
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ContractError(f"{self.qualified_name}: columns declared twice: {duplicated}")
        missing = [c for c in (*self.primary_key, *self.partition_by) if c not in names]
        if missing:
            raise ContractError(f"{self.qualified_name}: key columns not among its fields: {missing}")
        if (self.kind == "view") != (self.sql is not None):
            raise ContractError(f"{self.qualified_name}: a view needs SQL, and only a view has it")

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.qualified_name} has no column {name!r}")

    # --- renderings -------------------------------------------------------------------------
    def polars_schema(self) -> pl.Schema:
        return pl.Schema({f.name: f.dtype.polars for f in self.fields})

    def arrow_schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([pa.field(f.name, f.dtype.arrow(), nullable=f.nullable) for f in self.fields])

    def empty_frame(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema())

    def conform(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Select the contract's columns in order, cast to its types; fail on missing or null keys.

        Casting is strict: a value that does not fit its type is an error, never silently nulled.
        """
        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise ContractError(f"{self.qualified_name}: missing columns {missing}")
        try:
            out = frame.select(pl.col(f.name).cast(f.dtype.polars, strict=True) for f in self.fields)
        except pl.exceptions.InvalidOperationError as exc:
            raise ContractError(
                f"{self.qualified_name}: a value does not fit its column type: {exc}"
            ) from exc
        not_nullable = [f.name for f in self.fields if not f.nullable]
        if not_nullable and out.height:
            null_counts = out.select(pl.col(not_nullable).null_count()).row(0, named=True)
            offending = {k: v for k, v in null_counts.items() if v}
            if offending:
                raise ContractError(f"{self.qualified_name}: nulls in non-nullable columns {offending}")
        return out

    def create_sql(self) -> str:
        """`CREATE TABLE` (or `CREATE VIEW`) with `COMMENT ON` for the table and every column."""
        parts: list[str] = []
        if self.kind == "view":
            assert self.sql is not None
            parts.append(f"CREATE VIEW {self.qualified_name} AS\n{self.sql.strip()};")
        else:
            cols = []
            for f in self.fields:
                null = "" if f.nullable else " NOT NULL"
                cols.append(f"    {f.name} {f.dtype.duckdb}{null}")
            if self.primary_key and not self.partition_by:
                # A partitioned table's key is its grain, checked per changed period by the publish:
                # as a DuckDB constraint it doubled the publish's cost and made the file ~10x larger.
                cols.append(f"    PRIMARY KEY ({', '.join(self.primary_key)})")
            parts.append(f"CREATE TABLE {self.qualified_name} (\n" + ",\n".join(cols) + "\n);")
        parts.append(self.comment_sql())
        return "\n".join(parts)

    def comment_sql(self) -> str:
        """The `COMMENT ON` statements for the table or view and every column (part of `create_sql`)."""
        kind = "VIEW" if self.kind == "view" else "TABLE"
        parts = [f"COMMENT ON {kind} {self.qualified_name} IS {_sql_literal(self.description)};"]
        for f in self.fields:
            parts.append(f"COMMENT ON COLUMN {self.qualified_name}.{f.name} IS {_sql_literal(describe(f))};")
        return "\n".join(parts)


def describe(f: Field) -> str:
    """A field's description with its unit, as shown in comments and the data dictionary."""
    return f"{f.description} [{f.unit}]" if f.unit else f.description


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class FieldRegistry:
    """Fields by name; tables pick theirs with `pick`, so a shared column is declared once."""

    def __init__(self, fields: Iterable[Field]) -> None:
        self._fields: dict[str, Field] = {}
        for f in fields:
            if f.name in self._fields:
                raise ContractError(f"field {f.name!r} declared twice")
            self._fields[f.name] = f

    def __getitem__(self, name: str) -> Field:
        return self._fields[name]

    def pick(self, *names: str | Field) -> tuple[Field, ...]:
        """Fields by name, or a `Field` given directly (a table-specific variant)."""
        return tuple(n if isinstance(n, Field) else self._fields[n] for n in names)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._fields.values())
