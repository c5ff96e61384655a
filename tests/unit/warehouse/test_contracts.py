"""Table contracts: the renderings (polars, Arrow, DDL) and `conform`, on a toy contract and the real ones."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

from warehouse.contracts import ContractError, DType, Field, FieldRegistry, TableContract, describe
from warehouse.tables import ALL_CONTRACTS, BI_VIEWS, DIM_PARTNER, WAREHOUSE_TABLES, contract

_CODE = Field("code", DType.STRING, "The code", nullable=False)
_VALUE = Field("value_usd", DType.INT64, "A value", unit="US dollars")
_SEEN = Field("seen_at", DType.TIMESTAMP, "When it was seen")
TOY = TableContract("core", "toy", "A toy table", (_CODE, _VALUE, _SEEN), primary_key=("code",))


def test_polars_and_arrow_schemas_follow_the_declared_types() -> None:
    assert TOY.polars_schema() == pl.Schema(
        {"code": pl.String(), "value_usd": pl.Int64(), "seen_at": pl.Datetime("us", "UTC")}
    )
    assert TOY.arrow_schema() == pa.schema(
        [
            pa.field("code", pa.string(), nullable=False),
            pa.field("value_usd", pa.int64()),
            pa.field("seen_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    assert TOY.empty_frame().schema == TOY.polars_schema()


@pytest.mark.parametrize("dtype", list(DType))
def test_every_dtype_has_a_polars_arrow_and_duckdb_type(dtype: DType) -> None:
    assert isinstance(dtype.polars, pl.DataType)
    assert isinstance(dtype.arrow(), pa.DataType)
    assert dtype.duckdb.isupper()


def test_conform_selects_orders_and_casts_the_columns() -> None:
    frame = pl.DataFrame(
        {
            "extra": ["dropped"],
            "seen_at": [dt.datetime(2025, 3, 7, 3, tzinfo=dt.UTC)],
            "value_usd": [12],  # Int64 already; an Int32 would be cast
            "code": ["A"],
        },
        schema_overrides={"value_usd": pl.Int32},
    )
    result = TOY.conform(frame)
    expected = pl.DataFrame(
        {"code": ["A"], "value_usd": [12], "seen_at": [dt.datetime(2025, 3, 7, 3, tzinfo=dt.UTC)]},
        schema=TOY.polars_schema(),
    )
    assert_frame_equal(result, expected)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        pytest.param(
            pl.DataFrame({"code": ["A"]}),
            r"core\.toy: missing columns \['value_usd', 'seen_at'\]",
            id="names_the_missing_columns",
        ),
        pytest.param(
            pl.DataFrame({"code": ["A"], "value_usd": ["twelve"], "seen_at": [None]}),
            r"core\.toy: a value does not fit its column type",
            id="refuses_a_value_that_does_not_fit_rather_than_nulling_it",
        ),
        pytest.param(
            pl.DataFrame({"code": [None, "B"], "value_usd": [1, None], "seen_at": [None, None]}),
            r"core\.toy: nulls in non-nullable columns \{'code': 1\}",
            id="refuses_nulls_in_non_nullable_columns",
        ),
    ],
)
def test_conform_refuses_a_frame_that_does_not_fit(frame: pl.DataFrame, message: str) -> None:
    with pytest.raises(ContractError, match=message):
        TOY.conform(frame)


def test_create_sql_renders_the_table_with_its_comments() -> None:
    toy = TableContract("core", "toy", "It's a toy", (_CODE, _VALUE), primary_key=("code",))
    assert toy.create_sql() == (
        "CREATE TABLE core.toy (\n"
        "    code VARCHAR NOT NULL,\n"
        "    value_usd BIGINT,\n"
        "    PRIMARY KEY (code)\n"
        ");\n"
        "COMMENT ON TABLE core.toy IS 'It''s a toy';\n"
        "COMMENT ON COLUMN core.toy.code IS 'The code';\n"
        "COMMENT ON COLUMN core.toy.value_usd IS 'A value [US dollars]';"
    )


def test_create_sql_renders_a_view() -> None:
    view = TableContract(
        "bi", "v", "A view", (_CODE,), primary_key=(), kind="view", sql="\nSELECT code FROM t\n"
    )
    assert view.create_sql().startswith(
        "CREATE VIEW bi.v AS\nSELECT code FROM t;\nCOMMENT ON VIEW bi.v IS 'A view';"
    )


def test_describe_appends_the_unit() -> None:
    assert describe(_VALUE) == "A value [US dollars]"
    assert describe(_CODE) == "The code"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fields": (_CODE, _CODE)}, r"columns declared twice: \['code'\]"),
        ({"primary_key": ("nope",)}, r"key columns not among its fields: \['nope'\]"),
        ({"kind": "view"}, "a view needs SQL"),
        ({"sql": "SELECT 1"}, "only a view has it"),
    ],
)
def test_a_malformed_contract_is_refused(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"fields": (_CODE,), "primary_key": ("code",)}
    with pytest.raises(ContractError, match=message):
        TableContract("core", "bad", "Bad", **(base | kwargs))  # type: ignore[arg-type]


def test_contracts_are_hashable_so_they_can_key_the_frames_to_publish() -> None:
    frames = {DIM_PARTNER: DIM_PARTNER.empty_frame()}
    assert frames[DIM_PARTNER].width == len(DIM_PARTNER.fields)
    with_extra = TableContract(
        "core", "toy", "A toy table", (_CODE,), primary_key=("code",), extra={"a": "b"}
    )
    assert hash(with_extra) == hash(
        TableContract("core", "toy", "A toy table", (_CODE,), primary_key=("code",))
    )


def test_field_registry_refuses_a_field_declared_twice() -> None:
    with pytest.raises(ContractError, match="field 'code' declared twice"):
        FieldRegistry([_CODE, _CODE])
    registry = FieldRegistry([_CODE, _VALUE])
    assert registry.pick("code", _SEEN) == (_CODE, _SEEN)


# --- the real declarations ---------------------------------------------------------------------------
def test_qualified_names_are_unique_and_found_by_name() -> None:
    names = [c.qualified_name for c in ALL_CONTRACTS]
    assert len(names) == len(set(names))
    assert contract("core.dim_partner") is DIM_PARTNER
    with pytest.raises(KeyError, match=r"no table or view 'core\.nope'"):
        contract("core.nope")


@pytest.mark.parametrize("table", WAREHOUSE_TABLES, ids=lambda c: c.qualified_name)
def test_warehouse_tables_have_non_nullable_primary_keys(table: TableContract) -> None:
    # DuckDB makes primary-key columns NOT NULL whatever is declared: a nullable key column would show
    # as drift in every published warehouse.
    assert table.kind == "table"
    assert table.primary_key
    assert [k for k in table.primary_key if table.field(k).nullable] == []


@pytest.mark.parametrize("view", BI_VIEWS, ids=lambda c: c.qualified_name)
def test_bi_views_are_views_in_the_bi_schema(view: TableContract) -> None:
    assert (view.schema, view.kind) == ("bi", "view")
    assert view.sql is not None
    assert view.sql.strip().upper().startswith("SELECT")
