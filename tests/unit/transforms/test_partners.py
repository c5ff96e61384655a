"""Partner crosswalk (labels, GACC codes → partner codes) and group membership in time."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.partners import (
    AmbiguousPartnerError,
    UnknownPartnerError,
    attach_partner_codes,
    attach_partner_codes_from_gacc,
    members_at,
    membership_in_period,
    normalise_label_expr,
)

ALIAS_SCHEMA = {
    "alias": pl.String,
    "partner_code": pl.String,
    "source": pl.String,
    "note": pl.String,
    "alias_key": pl.String,
}


def aliases(*rows: tuple[str, str, str | None]) -> pl.LazyFrame:
    """(alias, partner_code, source); alias_key is the normalised alias."""
    return pl.LazyFrame(
        [(alias, code, source, None, alias.casefold()) for alias, code, source in rows],
        schema=ALIAS_SCHEMA,
        orient="row",
    )


ALIASES = aliases(
    ("United States (US)", "USA", "preliminary"),
    ("Germany", "DEU", "preliminary"),
    ("Hong Kong, China", "HKG", None),
)


def test_labels_map_through_aliases_after_normalising_them() -> None:
    """Case, GACC's non-breaking spaces, wrapped lines and 'of which:' do not matter; Total is the World.

    | label                     | partner_code |
    |---------------------------|--------------|
    | Total                     | WLD          |
    | 'of which:\\xa0Germany'    | DEU          |
    | 'United\\nStates  (US)'    | USA          |
    | HONG KONG, CHINA          | HKG          |
    """
    lf = pl.LazyFrame(
        {
            "label": ["Total", "of which:\xa0Germany", "United\nStates  (US)", "HONG KONG, CHINA"],
            "v": [1, 2, 3, 4],
        }
    )

    result = attach_partner_codes(lf, ALIASES, source="preliminary").collect()

    expected = lf.collect().with_columns(partner_code=pl.Series(["WLD", "DEU", "USA", "HKG"]))
    assert_frame_equal(result, expected)


def test_unknown_labels_raise_listing_every_one_and_the_source() -> None:
    lf = pl.LazyFrame({"label": ["Germany", "Atlantis", "Lilliput", "Atlantis"]})

    with pytest.raises(
        UnknownPartnerError, match=r"^preliminary: 2 unknown partner label\(s\): 'Atlantis', 'Lilliput';"
    ):
        attach_partner_codes(lf, ALIASES, source="preliminary")


def test_unknown_partner_error_is_the_reference_datas_value_error() -> None:
    from warehouse import reference

    assert UnknownPartnerError is reference.UnknownPartnerError
    assert issubclass(UnknownPartnerError, ValueError)


def test_an_alias_key_with_two_partner_codes_is_an_error() -> None:
    clash = aliases(("Korea", "KOR", "variant"), ("KOREA", "PRK", "variant"))

    with pytest.raises(AmbiguousPartnerError, match=r"korea.*'KOR', 'PRK'"):
        attach_partner_codes(pl.LazyFrame({"label": ["Korea"]}), clash, source="preliminary")


def test_gacc_codes_map_to_partner_codes_and_an_unknown_code_raises() -> None:
    partners = pl.LazyFrame({"partner_code": ["USA", "BRA", "EU"], "gacc_code": ["502", "410", None]})
    lf = pl.LazyFrame({"partner_code_gacc": ["410", "502", "410"]})

    result = attach_partner_codes_from_gacc(lf, partners, source="online query").collect()

    assert result["partner_code"].to_list() == ["BRA", "USA", "BRA"]
    with pytest.raises(
        UnknownPartnerError, match=r"^online query: 2 unknown partner GACC code\(s\): '142', '999';"
    ):
        attach_partner_codes_from_gacc(
            pl.LazyFrame({"partner_code_gacc": ["999", "142"]}), partners, source="online query"
        )


GROUPS = pl.LazyFrame(
    {
        "group_code": ["EU", "EU", "EU"],
        "member_code": ["DEU", "GBR", "HRV"],
        "valid_from": ["1958-01", "1973-01", "2013-07"],
        "valid_to": [None, "2020-01", None],
    },
    schema={
        "group_code": pl.String,
        "member_code": pl.String,
        "valid_from": pl.String,
        "valid_to": pl.String,
    },
)


def test_uk_is_in_the_eu_for_2020_01_and_not_from_2020_02() -> None:
    """valid_to is inclusive; a Jan-Feb period counts as its last month (February)."""
    periods = pl.LazyFrame({"period": ["2020-01", "2020-02", "2020-01..02", "2013-06"]})

    result = membership_in_period(GROUPS, periods).collect()

    expected = pl.DataFrame(
        {
            "group_code": ["EU"] * 9,
            "member_code": ["DEU", "GBR", "DEU", "GBR", "HRV", "DEU", "HRV", "DEU", "HRV"],
            "period": ["2013-06"] * 2 + ["2020-01"] * 3 + ["2020-01..02"] * 2 + ["2020-02"] * 2,
        }
    )
    assert_frame_equal(result, expected)


def test_members_at_one_period() -> None:
    assert members_at(GROUPS, "2020-01").collect()["member_code"].to_list() == ["DEU", "GBR", "HRV"]
    assert members_at(GROUPS, "2020-02").collect()["member_code"].to_list() == ["DEU", "HRV"]
    with pytest.raises(ValueError, match="not a period key"):
        members_at(GROUPS, "Feb 2020")


SAMPLES = [
    "  United\xa0States (US) ",
    "of which: Germany",
    "Of which:\xa0\xa0Netherlands",
    "Jointly build the countries\nalong Belt and Road Routes",
    "Hong Kong,\u3000China",
    "Cote d\u2019Ivoire",
    "其中：德国",
    "刚果（布）",
    "ASEAN",
]


def test_normalise_expression_agrees_with_the_reference_function() -> None:
    """The polars twin gives the reference's key for tricky labels and for every reviewed alias/label."""
    from warehouse.reference import load_commodities, load_partner_aliases, normalise_label

    labels = [*SAMPLES, *load_partner_aliases()["alias"], *load_commodities()["label"]]

    result = pl.DataFrame({"label": labels}).select(normalise_label_expr("label"))["label"].to_list()

    assert result == [normalise_label(label) for label in labels]


def test_labels_of_the_gacc_table_4_sample_map_through_the_reviewed_aliases() -> None:
    from warehouse.reference import load_partner_aliases

    labels = ["Total", "United States (US)", "Hong Kong, China", "R. O. Korea", "European Union",
              "Jointly build the countries along Belt and Road Routes", "United Kingdom (UK)"]  # fmt: skip

    result = attach_partner_codes(
        pl.LazyFrame({"label": labels}), load_partner_aliases().lazy(), source="sample"
    )

    assert result.collect()["partner_code"].to_list() == ["WLD", "USA", "HKG", "KOR", "EU", "BRI", "GBR"]
