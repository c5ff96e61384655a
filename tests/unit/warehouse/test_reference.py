"""Reviewed reference data: it validates, resolves every label of the real GACC samples, and a broken copy
is reported with its file and line."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from warehouse.reference import (
    REFERENCE_FILES,
    UnknownCommodityError,
    UnknownPartnerError,
    group_members,
    load_commodities,
    load_hs_chapters,
    load_hs_sections,
    load_partner_aliases,
    load_partner_groups,
    load_partners,
    normalise_label,
    read_reference_csv,
    resolve_commodity_labels,
    resolve_gacc_codes,
    resolve_partner_labels,
    validate_reference,
)


def test_reference_validates() -> None:
    validate_reference()


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("\xa0\xa0\xa0\xa0\xa0\xa0\xa0of which: Germany\n\t\t\t", "germany"),
        ("Of  Which :\tVietnam", "vietnam"),
        ("of which:Brazil", "brazil"),
        ("\n\t\t\t\t\xa0\xa0\xa0ASEAN\xa0\n\t\t\t", "asean"),
        (
            "Jointly build the countries along\nBelt and Road Routes",
            "jointly build the countries along belt and road routes",
        ),
        ("United States (US)", "united states (us)"),
        ("其中：德国", "德国"),
        ("刚果（布）", "刚果(布)"),
        ("Cote d’Ivoire", "cote d'ivoire"),
        ("Which: not a prefix", "which: not a prefix"),
    ],
)
def test_normalise_label(label: str, expected: str) -> None:
    assert normalise_label(label) == expected


def test_loaders_are_typed_and_cached() -> None:
    partners = load_partners()
    assert partners.schema["is_group"] == pl.Boolean
    assert load_hs_sections().schema["section"] == pl.Int16
    assert load_hs_chapters()["chapter"].to_list()[:2] == ["01", "02"]
    assert "alias_key" in load_partner_aliases().columns
    assert load_partners() is partners

    groups = load_partner_groups()
    result = groups.filter((pl.col("group_code") == "EU") & pl.col("member_code").is_in(["GBR", "HRV"]))
    expected = pl.DataFrame(
        {
            "member_code": ["HRV", "GBR"],
            "valid_from": ["2013-07", "1973-01"],
            "valid_to": [None, "2020-01"],
        },
        schema={"member_code": pl.String, "valid_from": pl.String, "valid_to": pl.String},
    )
    assert_frame_equal(result.select(expected.columns), expected, check_row_order=False)


def test_partner_table_covers_gacc_code_list() -> None:
    partners = load_partners()
    countries = partners.filter(~pl.col("is_group"))
    assert countries.height >= 240
    by_gacc = dict(zip(countries["gacc_code"], countries["partner_code"], strict=True))
    expected = {
        "110": "HKG",
        "111": "IND",
        "112": "IDN",
        "113": "IRN",
        "116": "JPN",
        "121": "MAC",
        "122": "MYS",
        "129": "PHL",
        "132": "SGP",
        "133": "KOR",
        "136": "THA",
        "141": "VNM",
        "142": "CHN",
        "143": "TWN",
        "244": "ZAF",
        "303": "GBR",
        "304": "DEU",
        "305": "FRA",
        "307": "ITA",
        "309": "NLD",
        "344": "RUS",
        "410": "BRA",
        "501": "CAN",
        "502": "USA",
        "601": "AUS",
        "609": "NZL",
        "701": "XXX",
    }
    assert {code: by_gacc[code] for code in expected} == expected
    groups = set(partners.filter(pl.col("is_group"))["partner_code"])
    assert groups == {"WLD", "EU", "ASEAN", "RCEP", "BRI", "LATAM", "AFRICA", "APEC"}


def test_group_sizes() -> None:
    partners = load_partners().filter(~pl.col("is_group"))
    in_range = {
        digit: set(partners.filter(pl.col("gacc_code").str.starts_with(digit))["partner_code"])
        for digit in "24"
    }
    assert len(group_members("EU", "2026-03")) == 27
    assert len(group_members("ASEAN", "2026-03")) == 10
    assert len(group_members("RCEP", "2026-03")) == 14
    assert group_members("RCEP", "2021-12") == frozenset()
    assert len(group_members("APEC", "2026-03")) == 20
    assert group_members("AFRICA", "2026-03") == in_range["2"]
    assert group_members("LATAM", "2026-03") == in_range["4"]
    assert 140 <= len(group_members("BRI", "2026-03")) <= 160
    assert "CHN" not in group_members("RCEP", "2026-03") | group_members("APEC", "2026-03")


def test_uk_leaves_the_eu_after_january_2020() -> None:
    assert "GBR" in group_members("EU", "2020-01")
    assert "GBR" not in group_members("EU", "2020-02")
    assert "HRV" not in group_members("EU", "2013-06")
    assert "HRV" in group_members("EU", "2013-07")
    with pytest.raises(ValueError, match="YYYY-MM"):
        group_members("EU", "2020-1")


def test_every_partner_name_resolves() -> None:
    partners = load_partners()
    names = partners["partner_name"].to_list() + partners["partner_name_zh"].to_list()
    result = resolve_partner_labels(names, source="partners.csv")
    expected_codes = partners["partner_code"].to_list() * 2
    assert [result[name] for name in names] == expected_codes


class _TableCells(HTMLParser):
    """Collects the text of each <td> per <tr>; enough for GACC's plain table markup."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


# English pages round to 0.1, so a figure always has a decimal point; header cells ("3", "1- to-3") do not.
_FIGURE = re.compile(r"-?[\d,]+\.\d+")


def _table4_labels(page: Path) -> list[str]:
    parser = _TableCells()
    parser.feed(page.read_text(encoding="utf-8"))
    # Data rows: a label, then figures; header rows ("Export Destination", months) have none.
    return [row[0] for row in parser.rows if len(row) >= 3 and _FIGURE.fullmatch(row[1].strip())]


def test_table4_sample_labels_resolve(gacc_samples: Path) -> None:
    labels = _table4_labels(gacc_samples / "preliminary_t4_by_country_2026-03_cny.html")
    assert len(labels) >= 30
    result = resolve_partner_labels(labels, source="preliminary_t4_by_country_2026-03_cny.html")
    by_key = {normalise_label(label): code for label, code in result.items()}
    expected = {
        "total": "WLD",
        "european union": "EU",
        "germany": "DEU",
        "netherlands": "NLD",
        "united states (us)": "USA",
        "asean": "ASEAN",
        "vietnam": "VNM",
        "hong kong, china": "HKG",
        "r. o. korea": "KOR",
        "taiwan, china": "TWN",
        "russian federation": "RUS",
        "united kingdom (uk)": "GBR",
        "latin america": "LATAM",
        "brazil": "BRA",
        "africa": "AFRICA",
        "south africa": "ZAF",
        "regional comprehensive economic partnership": "RCEP",
        "jointly build the countries along belt and road routes": "BRI",
    }
    assert {key: by_key[key] for key in expected} == expected


def test_online_query_sample_codes_and_names_agree(gacc_samples: Path) -> None:
    path = gacc_samples / "online_query_hs8_partner_2024_exports_gbk.csv"
    with path.open(encoding="gbk", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pairs = {(row["贸易伙伴编码"], row["贸易伙伴名称"]) for row in rows}
    by_code = resolve_gacc_codes([code for code, _ in pairs], source=path.name)
    by_name = resolve_partner_labels([name for _, name in pairs], source=path.name)
    assert {code: by_name[name] for code, name in pairs} == by_code
    assert by_code == {"502": "USA", "410": "BRA"}


def test_unknown_label_raises_naming_it_and_the_source() -> None:
    with pytest.raises(
        UnknownPartnerError, match=r"t4 2026-03: 2 unknown partner label\(s\): 'Atlantis', 'Lemuria'"
    ) as info:
        resolve_partner_labels(["Germany", "Atlantis", "Lemuria", "Atlantis"], source="t4 2026-03")
    assert info.value.unknown == ("Atlantis", "Lemuria")
    assert info.value.source == "t4 2026-03"


def test_unknown_gacc_code_raises_naming_it() -> None:
    assert resolve_gacc_codes(["502", " 142 "], source="q") == {"502": "USA", " 142 ": "CHN"}
    with pytest.raises(
        UnknownPartnerError, match=r"export\.csv: 2 unknown partner GACC code\(s\): '341', '888'"
    ):
        resolve_gacc_codes(["502", "341", "888"], source="export.csv")


def test_commodity_labels_resolve_by_direction() -> None:
    result = resolve_commodity_labels(
        ["Rare earths", "  of which: Mobile phones", "Integrated circuits"], direction="export", source="t5"
    )
    assert result == {
        "Rare earths": "X-RAREEARTH",
        "  of which: Mobile phones": "X-MOBILE",
        "Integrated circuits": "X-IC",
    }
    assert resolve_commodity_labels(["Soya beans", "Iron ore"], "import", "t6") == {
        "Soya beans": "M-SOYBEAN",
        "Iron ore": "M-IRONORE",
    }
    with pytest.raises(UnknownCommodityError, match=r"t6: 1 unknown import commodity label.*'Rare earths'"):
        resolve_commodity_labels(["Rare earths"], "import", "t6")
    assert load_commodities().height >= 30


# ---------------------------------------------------------------------------------------- broken copies


def _broken_copy(tmp_path: Path, table: str, old: str, new: str) -> tuple[pl.DataFrame, int]:
    """A copy of a package CSV with one edit; returns it read back and the edited line's number (1-based)."""
    file = REFERENCE_FILES[table]
    text = resources.files("warehouse.reference").joinpath(file).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    before = text[: text.index(old)]
    path = tmp_path / file
    path.write_text(text.replace(old, new), encoding="utf-8")
    return read_reference_csv(path), before.count("\n") + 1


_Case = tuple[str, str, str, str]
BROKEN: dict[str, _Case] = {
    # name: (table, old text, new text, expected message after "<file> line N")
    "duplicate partner_code": (
        "partners",
        "\nFRA,305,FRA,",
        "\nDEU,305,FRA,",
        "duplicate partner_code 'DEU'",
    ),
    "gacc_code not 3 digits": ("partners", "\nUSA,502,", "\nUSA,5020,", "gacc_code must be 3 digits"),
    "duplicate gacc_code": ("partners", "\nUSA,502,", "\nUSA,501,", "duplicate gacc_code '501'"),
    "iso not in pycountry": (
        "partners",
        "\nDEU,304,DEU,",
        "\nDEX,304,DEX,",
        "iso_alpha3 'DEX' is not an ISO 3166 code",
    ),
    "alias to unknown partner": (
        "partner_aliases",
        "\nR. O. Korea,KOR,",
        "\nR. O. Korea,KRR,",
        "alias 'R. O. Korea' points at unknown partner_code 'KRR'",
    ),
    "duplicate alias": (
        "partner_aliases",
        "\nKorea Rep.,KOR,",
        "\nSouth  KOREA,KOR,",
        "duplicate alias \\(normalised\\) 'south korea'",
    ),
    "unknown group member": (
        "partner_groups",
        "\nEU,HRV,2013-07,",
        "\nEU,HRX,2013-07,",
        "member_code 'HRX' is unknown",
    ),
    "valid_from after valid_to": (
        "partner_groups",
        "\nEU,GBR,1973-01,2020-01,",
        "\nEU,GBR,2021-01,2020-01,",
        "valid_from 2021-01 is after valid_to 2020-01",
    ),
    "bad month": ("partner_groups", "\nEU,HRV,2013-07,", "\nEU,HRV,2013-7,", "valid_from must be YYYY-MM"),
    "wrong roman numeral": ("hs_sections", "\n4,IV,", "\n4,VI,", "roman 'VI' should be 'IV'"),
    "chapter in wrong section": ("hs_chapters", "\n72,15,", "\n72,16,", "outside section 16"),
    "heading not 4 digits": ("hs_headings", "\n1201,", "\n120,", "heading must be 4 digits"),
    "heading in the reserved chapter": (
        "hs_headings",
        "\n8542,",
        "\n7742,",
        "chapter 77 is not an HS chapter",
    ),
    "duplicate heading": ("hs_headings", "\n2603,", "\n2601,", "duplicate heading '2601'"),
    "commodity code of the other direction": (
        "commodities",
        "\nSoya beans,M-SOYBEAN,import,",
        "\nSoya beans,X-SOYBEAN,import,",
        "import commodity_code must look like M-NAME",
    ),
    "commodity alias to an unknown code": (
        "commodity_aliases",
        "\nRice,export,X-RICE,",
        "\nRice,export,X-RICEX,",
        "'X-RICEX' is not an export commodity_code of commodities.csv",
    ),
    "commodity alias validity overlapping": (
        "commodity_aliases",
        "\nFootwear,export,X-FOOTWEAR,2018-01,2019-12,",
        "\nFootwear,export,X-FOOTWEAR,2018-01,2025-06,",
        "validity overlaps the same label on line",
    ),
    "quantity unit factor not whole": (
        "quantity_units",
        "\nTon,ton,1,",
        "\nTon,ton,0.5,",
        "factor must be a positive whole number, got '0.5'",
    ),
    "trade-mode alias to an unknown code": (
        "trade_mode_aliases",
        "\nLeasing Trade,LEASING,",
        "\nLeasing Trade,LEASE,",
        "'LEASE' is not in trade_modes.csv",
    ),
}


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_broken_copy_is_reported_with_file_and_line(tmp_path: Path, case: _Case) -> None:
    table, old, new, message = case
    frame, line = _broken_copy(tmp_path, table, old, new)
    # old/new start with the newline that ends the previous line: the edited row is on the next line.
    expected = rf"{re.escape(REFERENCE_FILES[table])} line {line + 1}\b[^\n]*{message}"
    with pytest.raises(ValueError, match=expected):
        validate_reference(**{table: frame})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda text: text.split("\n", 1)[1],
            r"partners\.csv line 1: must be a '# provenance: \.\.\.' comment",
        ),
        (
            lambda text: text.replace("partner_code,gacc_code", "code,gacc_code", 1),
            r"partners\.csv line 2: header",
        ),
        (
            lambda text: text.replace(",Asia,false\n", ",Asia,no\n", 1),
            r"partners\.csv line 3: is_group must be",
        ),
        (
            lambda text: text.replace("\nBHR,", "\n# BHR,", 1),
            r"partners\.csv line 4: only line 1 may be a comment",
        ),
    ],
    ids=["no provenance", "wrong header", "bad boolean", "second comment"],
)
def test_malformed_file_is_rejected_on_read(tmp_path: Path, edit: Callable[[str], str], message: str) -> None:
    text = resources.files("warehouse.reference").joinpath("partners.csv").read_text(encoding="utf-8")
    path = tmp_path / "partners.csv"
    path.write_text(edit(text), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_reference_csv(path)


def test_group_without_members_is_reported(tmp_path: Path) -> None:
    text = resources.files("warehouse.reference").joinpath("partner_groups.csv").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines(keepends=True) if not line.startswith("APEC,")]
    path = tmp_path / "partner_groups.csv"
    path.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(ValueError, match=r"partners\.csv line \d+ \(APEC\): group has no members"):
        validate_reference(partner_groups=read_reference_csv(path))
