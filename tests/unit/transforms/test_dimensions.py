"""Dimensions from reference frames (and HS8 codes from the online query)."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from transforms.dimensions import build_bridge_partner_group, build_dim_commodity, build_dim_partner
from warehouse.tables import BRIDGE_PARTNER_GROUP, DIM_COMMODITY, DIM_PARTNER, STG_ONLINE_QUERY

PARTNERS = pl.LazyFrame(
    {
        "partner_code": ["USA", "EU"],
        "gacc_code": ["502", None],
        "iso_alpha3": ["USA", None],
        "partner_name": ["United States", "European Union"],
        "partner_name_zh": ["美国", "欧盟"],
        "continent": ["North America", None],
        "is_group": [False, True],
    }
)


def test_dim_partner_adds_the_world_when_the_reference_lacks_it() -> None:
    result = DIM_PARTNER.conform(build_dim_partner(PARTNERS).collect())

    expected = pl.DataFrame(
        {
            "partner_code": ["EU", "USA", "WLD"],
            "gacc_code": [None, "502", None],
            "iso_alpha3": [None, "USA", None],
            "partner_name": ["European Union", "United States", "World"],
            "partner_name_zh": ["欧盟", "美国", "世界"],
            "continent": [None, "North America", None],
            "is_group": [True, False, True],
        }
    )
    assert_frame_equal(result, expected)


def test_dim_partner_keeps_the_references_own_world_row() -> None:
    with_world = pl.concat(
        [
            PARTNERS,
            pl.LazyFrame(
                {"partner_code": ["WLD"], "partner_name": ["World (all partners)"], "is_group": [True]}
            ),
        ],
        how="diagonal",
    )

    result = build_dim_partner(with_world).collect()

    assert result.filter(pl.col("partner_code") == "WLD")["partner_name"].to_list() == [
        "World (all partners)"
    ]


def test_bridge_partner_group_passes_its_contract() -> None:
    groups = pl.LazyFrame(
        {
            "group_code": ["EU", "EU"],
            "member_code": ["GBR", "DEU"],
            "valid_from": ["1973-01", "1958-01"],
            "valid_to": ["2020-01", None],
            "note": ["left 2020-01-31", None],
        }
    )

    result = BRIDGE_PARTNER_GROUP.conform(build_bridge_partner_group(groups).collect())

    expected = pl.DataFrame(
        {
            "group_code": ["EU", "EU"],
            "member_code": ["DEU", "GBR"],
            "valid_from": ["1958-01", "1973-01"],
            "valid_to": [None, "2020-01"],
        },
        schema_overrides={"valid_to": pl.String},
    )
    assert_frame_equal(result, expected)


def test_dim_commodity_names_an_hs8_code_by_its_chapter_where_its_heading_is_not_listed() -> None:
    online = pl.DataFrame(
        [{"period": "2024-01", "hs_code": "12019011", "commodity_name": "非转基因黄大豆", "release_id": "r1",
          "product": "online_query", "source_sha256": "x", "parser_version": "1", "currency": "USD",
          "direction": "import", "partner_code_gacc": "502", "amount_whole_units": 1}],
        schema=STG_ONLINE_QUERY.polars_schema(),
    ).lazy()  # fmt: skip
    no_reference = pl.LazyFrame(
        schema={c: pl.String for c in ("label", "commodity_code", "direction", "hs_heading")}
    )
    hs_names = pl.LazyFrame({"hs_code": ["12", "8517"], "description": ["Oil seeds", "Telephone sets"]})

    result = build_dim_commodity(no_reference, online, hs_names).collect()

    assert result.select(
        "commodity_code", "commodity_code_kind", "commodity_name_en", "commodity_name_zh"
    ).rows() == [("12019011", "hs8", "Oil seeds", "非转基因黄大豆")]


def test_dim_commodity_one_row_per_code_from_reference_and_online_query() -> None:
    """Label variants share a code (first label kept); HS8 codes give heading and chapter by their digits.

    | source        | code          | hs_heading given | hs_heading | hs_chapter |
    |---------------|---------------|------------------|------------|------------|
    | commodities   | M-SOYA        | 1201             | 1201       | 12         |
    | commodities   | X-RAREEARTH   | 2805;2846        | null       | 28         |
    | commodities   | X-FERTILIZER  | 31               | null       | 31         |
    | commodities   | X-AGRI        | (none)           | null       | null       |
    | online query  | 85171300      |                  | 8517       | 85         |
    """
    commodities = pl.LazyFrame(
        {
            "label": ["Soya beans", "Soybeans", "Rare earths", "Fertilizers", "Agricultural products"],
            "commodity_code": ["M-SOYA", "M-SOYA", "X-RAREEARTH", "X-FERTILIZER", "X-AGRI"],
            "direction": ["import", "import", "export", "export", "export"],
            "hs_heading": ["1201", "1201", "2805;2846", "31", None],
            "note": [None] * 5,
        }
    )
    records = [
        {"period": "2024-01", "hs_code": "85171300", "commodity_name": "手机（旧名）", "release_id": "r1"},
        {"period": "2024-02", "hs_code": "85171300", "commodity_name": "智能手机", "release_id": "r1"},
    ]
    online = pl.DataFrame(
        [
            {**r, "product": "online_query", "source_sha256": "x", "parser_version": "1", "currency": "USD",
             "direction": "export", "partner_code_gacc": "502", "amount_whole_units": 1}
            for r in records
        ],
        schema=STG_ONLINE_QUERY.polars_schema(),
    ).lazy()  # fmt: skip

    hs_names = pl.LazyFrame(
        {"hs_code": ["85", "8517"], "description": ["Electrical machinery", "Telephone sets"]}
    )

    result = DIM_COMMODITY.conform(build_dim_commodity(commodities, online, hs_names).collect())

    expected = pl.DataFrame(
        {
            "commodity_code": ["85171300", "M-SOYA", "X-AGRI", "X-FERTILIZER", "X-RAREEARTH"],
            "commodity_name": [
                "智能手机",
                "Soya beans",
                "Agricultural products",
                "Fertilizers",
                "Rare earths",
            ],
            "direction": [None, "import", "export", "export", "export"],
            "hs_heading": ["8517", "1201", None, None, None],
            "hs_chapter": ["85", "12", None, "31", "28"],
            "commodity_code_kind": ["hs8", "gacc_label", "gacc_label", "gacc_label", "gacc_label"],
            # The HS8 code's English name is its heading's; the labels are GACC's English already.
            "commodity_name_en": [
                "Telephone sets",
                "Soya beans",
                "Agricultural products",
                "Fertilizers",
                "Rare earths",
            ],
            "commodity_name_zh": ["智能手机", None, None, None, None],
        },
        schema=DIM_COMMODITY.polars_schema(),
    )
    assert_frame_equal(result, expected)
