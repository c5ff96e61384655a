"""parse_online_query and direction_from_filename on tiny GBK exports and on the real sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from domain.periods import Period
from flows.ingest.model import OnlineQueryExport, ParseError
from flows.ingest.parsers import direction_from_filename, parse_online_query, read_online_query, sniff

FIXTURES = Path(__file__).parents[2] / "fixtures" / "online_query"
CNY_EXPORTS = "hs8_partner_2024_exports_cny_gbk.csv"
USD_IMPORTS = "hs8_partner_2025_imports_usd_gbk_crlf.csv"
HEADER = '"数据年月","贸易伙伴编码","贸易伙伴名称","商品编码","商品名称","第一数量","第一计量单位","第二数量","第二计量单位","人民币",'
GOOD_LINE = '"202401","502","美国","12019011","非转基因黄大豆","18,350","千克","0","?","171,204",'


def _parse(name: str) -> OnlineQueryExport:
    return parse_online_query((FIXTURES / name).read_bytes(), name, "export")


def _gbk(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("gbk")


# --- records --------------------------------------------------------------------------------------------
def test_first_record_of_a_gbk_export() -> None:
    record = _parse(CNY_EXPORTS).records[0]
    assert (
        record.period,
        record.partner_code_gacc,
        record.partner_name_zh,
        record.hs_code,
        record.commodity_name,
        record.amount_whole_units,
    ) == (Period.month(2024, 1), "502", "美国", "12019011", "非转基因黄大豆", 171_204)


def test_every_line_is_a_record() -> None:
    assert [record.partner_code_gacc for record in _parse(CNY_EXPORTS).records] == ["502", "410", "141"]


def test_renminbi_column_means_cny() -> None:
    assert _parse(CNY_EXPORTS).currency == "CNY"


def test_dollar_column_means_usd() -> None:
    export = _parse(USD_IMPORTS)
    assert (export.currency, export.records[0].amount_whole_units) == ("USD", 521_988)


def test_direction_is_the_one_given() -> None:
    export = parse_online_query((FIXTURES / USD_IMPORTS).read_bytes(), USD_IMPORTS, "import")
    assert export.direction == "import"


def test_thousands_commas_in_quantities_and_values() -> None:
    record = _parse(CNY_EXPORTS).records[2]
    assert (record.quantity_2, record.amount_whole_units) == (16080.0, 1_480_562)


@pytest.mark.parametrize(
    ("index", "quantities"),
    [
        pytest.param(
            0, (18350.0, "千克", None, None), id="question_mark_second_unit_means_no_second_quantity"
        ),
        pytest.param(2, (12.0, "辆", 16080.0, "千克"), id="second_quantity_with_its_unit_is_kept"),
    ],
)
def test_quantities_and_their_units(index: int, quantities: tuple[object, ...]) -> None:
    record = _parse(CNY_EXPORTS).records[index]
    assert (
        record.quantity_1,
        record.quantity_1_unit,
        record.quantity_2,
        record.quantity_2_unit,
    ) == quantities


def test_crlf_line_ends() -> None:
    assert [record.period for record in _parse(USD_IMPORTS).records] == [
        Period.month(2025, 1),
        Period.month(2025, 12),
    ]


def test_blank_lines_are_skipped() -> None:
    export = parse_online_query(_gbk(HEADER, "", GOOD_LINE, ""), "q.csv", "export")
    assert len(export.records) == 1


# --- encoding -------------------------------------------------------------------------------------------
def test_utf8_file_is_rejected_as_utf8() -> None:
    with pytest.raises(
        ParseError, match=r"hs8_partner_2024_exports_cny_utf8\.csv: encoded UTF-8, expected GBK"
    ):
        _parse("hs8_partner_2024_exports_cny_utf8.csv")


def test_utf8_file_with_byte_order_mark_is_rejected_as_utf8() -> None:
    content = b"\xef\xbb\xbf" + (HEADER + "\n" + GOOD_LINE + "\n").encode("utf-8")
    with pytest.raises(ParseError, match=r"encoded UTF-8, expected GBK"):
        parse_online_query(content, "q.csv", "export")


def test_gbk_decoding_to_mojibake_is_rejected() -> None:
    name = "hs8_partner_2024_exports_cny_gbk_read_as_latin1_saved_as_utf8.csv"
    with pytest.raises(
        ParseError, match=r"no GACC online-query header after decoding as GBK \(wrong encoding\?\)"
    ):
        _parse(name)


def test_bytes_that_are_not_gbk_are_rejected() -> None:
    with pytest.raises(ParseError, match=r"q\.csv: not GBK: undecodable byte at offset 1"):
        parse_online_query(b'"\xff\xff"\n', "q.csv", "export")


# --- header ---------------------------------------------------------------------------------------------
def test_missing_columns_are_named() -> None:
    header = '"数据年月","贸易伙伴编码","贸易伙伴名称","商品名称","第一数量","第一计量单位","人民币",'
    with pytest.raises(ParseError, match=r"q\.csv: missing columns: 商品编码, 第二数量, 第二计量单位$"):
        parse_online_query(_gbk(header), "q.csv", "export")


def test_file_without_currency_column_is_rejected() -> None:
    header = HEADER.replace('"人民币",', "")
    with pytest.raises(ParseError, match=r"q\.csv: no currency column \(人民币 or 美元\)"):
        parse_online_query(_gbk(header, GOOD_LINE.rsplit(",", 2)[0] + ","), "q.csv", "export")


def test_file_with_both_currency_columns_is_rejected() -> None:
    with pytest.raises(ParseError, match=r"more than one currency column: 人民币, 美元"):
        parse_online_query(_gbk(HEADER + '"美元",', GOOD_LINE + '"1",'), "q.csv", "export")


def test_file_without_records_is_rejected() -> None:
    with pytest.raises(ParseError, match=r"q\.csv: no data rows"):
        parse_online_query(_gbk(HEADER), "q.csv", "export")


# --- bad lines: each names the line and the column ------------------------------------------------------
@pytest.mark.parametrize(
    ("broken", "message"),
    [
        pytest.param(
            '"17l,204"',
            r"q\.csv, row 3, column '人民币': not a number: '17l,204'",
            id="value_that_does_not_parse",
        ),
        pytest.param(
            '"5"',
            r"row 3: repeats line 2 \(same month, partner and HS code\)",
            id="repeated_month_partner_and_hs",
        ),
    ],
)
def test_a_bad_line_after_a_good_one_is_rejected_naming_its_line(broken: str, message: str) -> None:
    bad = GOOD_LINE.replace('"171,204"', broken)
    with pytest.raises(ParseError, match=message):
        parse_online_query(_gbk(HEADER, GOOD_LINE, bad), "q.csv", "export")


@pytest.mark.parametrize(
    ("published", "broken", "message"),
    [
        pytest.param(
            '"18,350"',
            '"18.350.1"',
            r"row 2, column '第一数量': not a number",
            id="quantity_that_does_not_parse",
        ),
        pytest.param('"171,204"', '""', r"row 2, column '人民币': no value", id="missing_value"),
        pytest.param(
            '"171,204"',
            '"171,204.5"',
            r"row 2, column '人民币': value '171,204\.5' is not a whole amount",
            id="fractional_value",
        ),
        pytest.param(
            '"502"',
            '"US"',
            r"row 2, column '贸易伙伴编码': partner code 'US' is not 3 digits",
            id="partner_code_not_three_digits",
        ),
        pytest.param(
            '"202401"',
            '"202413"',
            r"row 2, column '数据年月': '202413' is not a month \(YYYYMM\)",
            id="year_month_that_is_not_a_month",
        ),
        pytest.param(
            '"12019011"',
            '"120190"',
            r"row 2, column '商品编码': HS code '120190' is not 8 digits",
            id="hs_code_not_eight_digits",
        ),
        pytest.param(
            '"0","?"',
            '"25","?"',
            r"row 2, column '第二数量': quantity '25' has no unit",
            id="quantity_without_unit",
        ),
    ],
)
def test_a_bad_field_is_rejected_naming_line_and_column(published: str, broken: str, message: str) -> None:
    bad = GOOD_LINE.replace(published, broken)
    assert bad != GOOD_LINE
    with pytest.raises(ParseError, match=message):
        parse_online_query(_gbk(HEADER, bad), "q.csv", "export")


def test_line_with_missing_fields_is_rejected() -> None:
    short = '"202401","502","美国","12019011","非转基因黄大豆","18,350","千克","0",'
    with pytest.raises(ParseError, match=r"row 2: 8 fields where the header has 10"):
        parse_online_query(_gbk(HEADER, short), "q.csv", "export")


# --- limits: numbers that do not fit, fields too long ----------------------------------------------------
def test_value_beyond_int64_is_an_error_not_an_overflow() -> None:
    bad = GOOD_LINE.replace('"171,204"', '"9,223,372,036,854,775,808"')
    with pytest.raises(
        ParseError,
        match=r"row 2, column '人民币': value '9,223,372,036,854,775,808' is out of range \(more than 18 digits\)",
    ):
        parse_online_query(_gbk(HEADER, bad), "q.csv", "export")


def test_eighteen_digit_value_is_read_exactly() -> None:
    line = GOOD_LINE.replace('"171,204"', '"999,999,999,999,999,999"')
    export = parse_online_query(_gbk(HEADER, line), "q.csv", "export")
    assert export.records[0].amount_whole_units == 999_999_999_999_999_999


def test_quantity_of_four_hundred_digits_is_an_error() -> None:
    bad = GOOD_LINE.replace('"18,350"', '"' + "9" * 400 + '"')
    with pytest.raises(ParseError, match=r"row 2, column '第一数量': number '9{400}' is out of range"):
        parse_online_query(_gbk(HEADER, bad), "q.csv", "export")


def test_field_longer_than_the_setting_names_line_and_column() -> None:
    long_name = "大豆" * 30
    bad = GOOD_LINE.replace('"非转基因黄大豆"', f'"{long_name}"')
    with pytest.raises(
        ParseError,
        match=r"q\.csv, row 3, column '商品名称': a field of 60 characters, over the field limit of 40 "
        r"\(CUSTOMS_MAX_FIELD_BYTES\)",
    ):
        parse_online_query(_gbk(HEADER, GOOD_LINE, bad), "q.csv", "export", max_field_chars=40)


def test_default_field_limit_is_the_setting_and_a_longer_field_is_refused() -> None:
    limit = Settings.model_fields["max_field_bytes"].default
    bad = GOOD_LINE.replace('"非转基因黄大豆"', '"' + "豆" * (limit + 1) + '"')
    with pytest.raises(
        ParseError, match=rf"row 2, column '商品名称': a field of {limit + 1:,} characters, .*{limit:,}"
    ):
        parse_online_query(_gbk(HEADER, bad), "q.csv", "export")


def test_field_limit_also_holds_on_a_line_with_the_wrong_field_count() -> None:
    bad = '"202401","502","' + "美" * 50 + '",'
    with pytest.raises(ParseError, match=r"row 2, column '贸易伙伴名称': a field of 50 characters"):
        parse_online_query(_gbk(HEADER, bad), "q.csv", "export", max_field_chars=40)


def test_line_with_an_extra_field_is_rejected() -> None:
    with pytest.raises(ParseError, match=r"row 3: 11 fields where the header has 10"):
        parse_online_query(_gbk(HEADER, GOOD_LINE, GOOD_LINE + '"x",'), "q.csv", "export")


# --- files that are not plain quoted fields read the same ---------------------------------------------
def _records_of(content: bytes) -> list[tuple[object, ...]]:
    return read_online_query(content, "q.csv", "export").records.rows()


def test_unquoted_values_read_as_quoted_ones() -> None:
    quoted = (FIXTURES / CNY_EXPORTS).read_bytes()
    lines = quoted.decode("gbk").splitlines()
    unquoted = [lines[0]] + [line.replace('"202401"', "202401") for line in lines[1:]]
    assert _records_of(_gbk(*unquoted)) == _records_of(quoted)


def test_quote_and_line_break_inside_a_value() -> None:
    name = GOOD_LINE.replace('"非转基因黄大豆"', '"非转基因""黄""\n大豆"')
    export = parse_online_query(_gbk(HEADER, name), "q.csv", "export")
    assert export.records[0].commodity_name == '非转基因"黄"\n大豆'


def test_line_numbers_count_the_lines_of_a_value_with_a_line_break() -> None:
    name = GOOD_LINE.replace('"非转基因黄大豆"', '"非转基因\n黄大豆"').replace('"502"', '"410"')
    bad = GOOD_LINE.replace('"171,204"', '"17l,204"')
    with pytest.raises(ParseError, match=r"row 4, column '人民币': not a number: '17l,204'"):
        parse_online_query(_gbk(HEADER, name, bad), "q.csv", "export")


def test_lines_with_and_without_the_trailing_comma_mixed() -> None:
    without = GOOD_LINE.removesuffix(",").replace('"502"', '"410"')
    export = parse_online_query(_gbk(HEADER, GOOD_LINE, without), "q.csv", "export")
    assert [(r.partner_code_gacc, r.amount_whole_units) for r in export.records] == [
        ("502", 171_204),
        ("410", 171_204),
    ]


def test_file_without_trailing_commas() -> None:
    lines = [HEADER.removesuffix(","), GOOD_LINE.removesuffix(",")]
    assert _records_of(_gbk(*lines)) == _records_of(_gbk(HEADER, GOOD_LINE))


def test_whitespace_only_line_is_blank() -> None:
    export = parse_online_query(_gbk(HEADER, GOOD_LINE, "   "), "q.csv", "export")
    assert len(export.records) == 1


def test_line_of_empty_quoted_fields_is_blank() -> None:
    export = parse_online_query(_gbk(HEADER, GOOD_LINE, '"","",'), "q.csv", "export")
    assert len(export.records) == 1


def test_spaces_around_numbers_and_inside_them() -> None:
    line = GOOD_LINE.replace('"18,350"', '" 18 350 "').replace('"171,204"', '"171\u3000204 "')
    record = parse_online_query(_gbk(HEADER, line), "q.csv", "export").records[0]
    assert (record.quantity_1, record.amount_whole_units) == (18350.0, 171_204)


def test_first_of_several_problems_is_the_earliest_line() -> None:
    repeat = GOOD_LINE.replace('"171,204"', '"5"')
    bad_partner = GOOD_LINE.replace('"502"', '"US"')
    with pytest.raises(ParseError, match=r"row 3, column '贸易伙伴编码': partner code 'US'"):
        parse_online_query(_gbk(HEADER, GOOD_LINE, bad_partner, repeat), "q.csv", "export")


def test_on_one_line_the_quantity_is_checked_before_the_value() -> None:
    bad = GOOD_LINE.replace('"18,350"', '"x"').replace('"171,204"', '"y"')
    with pytest.raises(ParseError, match=r"row 2, column '第一数量': not a number: 'x'"):
        parse_online_query(_gbk(HEADER, bad), "q.csv", "export")


def test_columnar_records_match_the_record_objects() -> None:
    content = (FIXTURES / CNY_EXPORTS).read_bytes()
    table = read_online_query(content, CNY_EXPORTS, "export")
    export = parse_online_query(content, CNY_EXPORTS, "export")
    assert (table.currency, table.last_period) == (export.currency, "2024-03")
    assert [row[1:] for row in table.records.rows()] == [
        (
            r.partner_code_gacc,
            r.partner_name_zh,
            r.hs_code,
            r.commodity_name,
            r.quantity_1,
            r.quantity_1_unit,
            r.quantity_2,
            r.quantity_2_unit,
            r.amount_whole_units,
        )
        for r in export.records
    ]


# --- direction from the landing path --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("hs8_partner_2024_exports_gbk.csv", "export"),
        ("landing/online_query/Imports/2024.csv", "import"),
        ("海关_出口_2024.csv", "export"),
        ("海关_进口_2024.csv", "import"),
        ("2024in.csv", "import"),
        ("2024out.csv", "export"),
        ("downloads/2024-in.csv", "import"),
        ("大豆_出口.csv", "export"),
        ("in/2024out.csv", "export"),  # a folder named `in` is an inbox, not a flow
    ],
)
def test_direction_from_filename(name: str, direction: str) -> None:
    assert direction_from_filename(name) == direction


@pytest.mark.parametrize(
    ("name", "given", "direction"),
    [
        ("hs8_2024.csv", "export", "export"),
        ("in/hs8_2024.csv", "import", "import"),
        ("2024in.csv", "import", "import"),
        ("imports/hs8_exports.csv", "export", "export"),  # the operator settles a name saying both
        ("online_2024.csv", "import", "import"),  # `online` is no `in`
    ],
)
def test_direction_given_for_names_that_do_not_say_it(name: str, given: str, direction: str) -> None:
    assert direction_from_filename(name, given) == direction  # type: ignore[arg-type]


def test_a_name_naming_the_other_flow_than_the_given_direction_is_rejected() -> None:
    with pytest.raises(
        ParseError, match=r"file 2024out\.csv: the name says export but --direction says import"
    ):
        direction_from_filename("2024out.csv", "import")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "hs8_2024.csv",
            r"file hs8_2024\.csv: the name says neither export nor import .*give --direction import\|export",
            id="neither",
        ),
        pytest.param("online_2024.csv", r"the name says neither export nor import", id="online-is-no-in"),
        pytest.param("2024in_out.csv", r"the name says both export and import", id="in-and-out"),
        pytest.param("imports/hs8_exports.csv", r"the name says both export and import", id="both"),
    ],
)
def test_a_filename_naming_neither_or_both_flows_is_rejected(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        direction_from_filename(name)


# --- sniff ----------------------------------------------------------------------------------------------
def test_sniff_recognises_a_gbk_export_by_its_header() -> None:
    assert sniff((FIXTURES / CNY_EXPORTS).read_bytes(), "download.html") == "online_query"


def test_sniff_recognises_a_utf8_export_for_the_parser_to_reject() -> None:
    assert sniff((FIXTURES / "hs8_partner_2024_exports_cny_utf8.csv").read_bytes(), "q.csv") == "online_query"


# --- the real sample ------------------------------------------------------------------------------------
def test_sample_online_query_export(gacc_samples: Path) -> None:
    path = gacc_samples / "online_query_hs8_partner_2024_exports_gbk.csv"
    export = parse_online_query(path.read_bytes(), path.name, direction_from_filename(path.name))
    first = export.records[0]
    assert (export.currency, export.direction, len(export.records)) == ("CNY", "export", 29)
    assert (first.period, first.partner_code_gacc, first.hs_code, first.amount_whole_units) == (
        Period.month(2024, 1),
        "502",
        "12011000",
        23_416,
    )
    assert {record.quantity_2_unit for record in export.records} == {None}
