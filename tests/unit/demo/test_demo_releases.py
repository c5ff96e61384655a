"""The bundled demo releases: committed = rendered, the series reproduce facts.md, the files are well formed.

The facts are checked here on the published figures the generator renders (a guard on the series);
the warehouse-level check of the same figures belongs to the integration tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from domain.periods import Period
from flows.ingest.model import BulletinTable, Cell, OnlineQueryExport, OnlineQueryRecord, PreliminaryTable
from flows.ingest.parsers import parse_index_page
from flows.ingest.parsers.bulletin_index import parse_bulletin_index
from tests.conftest import REPO_ROOT
from tools.demo import SERIES_DIR, bulletin, design_series, generate, releases
from tools.demo.render import (
    INDEX_ROWS,
    format_bulletin_figure,
    format_figure,
    render_index_page,
    render_online_query_csv,
)
from warehouse.codes import Currency, Direction, Measure, Span, TableId

BN = 1_000_000_000
NBSP = "\xa0"
PERIODS = [p for year in releases.RENDERED_YEARS for p in releases.release_periods(year)]


@pytest.fixture(scope="module")
def series() -> releases.DemoSeries:
    return releases.load_series()


@pytest.fixture(scope="module")
def tables(series: releases.DemoSeries) -> dict[tuple[TableId, Currency, str], PreliminaryTable]:
    built = releases.build_tables(series)
    return {(t.table_id, t.currency, t.period.key): t for t in built}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return generate.committed_files()


def _cell(table: PreliminaryTable, label: str, measure: Measure, span: Span, direction: Direction) -> Cell:
    row = next(r for r in table.rows if r.label == label)
    matches = [c for c in row.cells if (c.measure, c.span, c.direction) == (measure, span, direction)]
    assert len(matches) == 1, (table.title, label, measure, span, direction)
    return matches[0]


def _amount(table: PreliminaryTable, label: str, span: Span, direction: Direction) -> int:
    amount = _cell(table, label, "value", span, direction).amount_whole_units
    assert amount is not None
    return amount


def _figure(table: PreliminaryTable, label: str, measure: Measure, span: Span, direction: Direction) -> float:
    figure = _cell(table, label, measure, span, direction).figure_as_published
    assert figure is not None
    return figure


# --- (a) committed = rendered ----------------------------------------------------------------------


def test_committed_releases_are_what_the_series_render() -> None:
    assert generate.check() == []


def test_rendering_is_deterministic() -> None:
    assert generate.render_release_files() == generate.render_release_files()


def test_committed_series_are_what_the_design_script_writes() -> None:
    for name, text in design_series.design().items():
        assert (SERIES_DIR / name).read_text(encoding="utf-8") == text, name
        assert text.startswith("# provenance/why: SYNTHETIC")


# --- (b) facts.md, from the published figures ------------------------------------------------------


def test_full_year_2025_and_2024(tables: dict) -> None:
    dec25, dec24 = tables[("totals", "USD", "2025-12")], tables[("totals", "USD", "2024-12")]
    exports25, imports25 = (
        _amount(dec25, "Export", "ytd", "export"),
        _amount(dec25, "Import", "ytd", "import"),
    )
    exports24, imports24 = (
        _amount(dec24, "Export", "ytd", "export"),
        _amount(dec24, "Import", "ytd", "import"),
    )
    assert abs(exports25 / BN - 3770) <= 5
    assert abs(imports25 / BN - 2580) <= 5
    assert abs((exports25 - imports25) / BN - 1190) <= 5
    assert abs((exports24 - imports24) / BN - 992) <= 5
    # Annual y/y as the warehouse derives it (Jan-Dec vs Jan-Dec) and as GACC prints it.
    assert abs((exports25 / exports24 - 1) * 100 - 5.5) <= 0.1
    assert abs((imports25 / imports24 - 1) * 100 - 0.0) <= 0.1
    assert abs(_figure(dec25, "Export", "yoy_pct", "ytd", "export") - 5.5) <= 0.1
    assert abs(_figure(dec25, "Import", "yoy_pct", "ytd", "import") - 0.0) <= 0.1
    # Table (4)'s Total row gives the same annual figures (partners' annual figures come from it).
    by_partner = tables[("by_partner", "USD", "2025-12")]
    assert abs(_amount(by_partner, "Total", "ytd", "export") / BN - 3770) <= 5


def test_january_to_november_2025_surplus(tables: dict) -> None:
    nov = tables[("totals", "USD", "2025-11")]
    surplus = _amount(nov, "Export", "ytd", "export") - _amount(nov, "Import", "ytd", "import")
    assert abs(surplus / BN - 1080) <= 5
    assert abs(_amount(nov, "Balance", "ytd", "balance") / BN - 1080) <= 5


@pytest.mark.parametrize(
    ("month", "exports_yoy", "imports_yoy", "exports_bn", "imports_bn"),
    [(10, -1.1, 1.0, None, None), (11, 5.9, 1.9, 330.3, 218.6), (12, 6.6, 5.7, None, None)],
)
def test_monthly_figures_2025(
    tables: dict,
    month: int,
    exports_yoy: float,
    imports_yoy: float,
    exports_bn: float | None,
    imports_bn: float | None,
) -> None:
    table = tables[("totals", "USD", f"2025-{month:02d}")]
    assert abs(_figure(table, "Export", "yoy_pct", "month", "export") - exports_yoy) <= 0.1
    assert abs(_figure(table, "Import", "yoy_pct", "month", "import") - imports_yoy) <= 0.1
    if exports_bn is not None and imports_bn is not None:
        assert abs(_amount(table, "Export", "month", "export") / BN - exports_bn) <= 0.1
        assert abs(_amount(table, "Import", "month", "import") / BN - imports_bn) <= 0.1


def test_monthly_yoy_is_against_last_years_published_month(series: releases.DemoSeries, tables: dict) -> None:
    for period in PERIODS:
        if period.is_combined:
            continue
        this = tables[("totals", "USD", period.key)]
        for label, direction in (("Export", "export"), ("Import", "import")):
            # The month value a year earlier, as its own release printed it (2022's are not rendered).
            last = series.trade("WLD", direction, "USD").month(period.year - 1, period.last_month)
            derived = (_amount(this, label, "month", direction) / float(last) - 1) * 100
            assert abs(derived - _figure(this, label, "yoy_pct", "month", direction)) <= 0.051


def test_exports_to_the_united_states_fall_from_april_2025(tables: dict) -> None:
    def us_exports(key: str) -> int:
        return _amount(tables[("by_partner", "USD", key)], "United States (US)", "month", "export")

    november = (us_exports("2025-11") / us_exports("2024-11") - 1) * 100
    assert abs(november - (-29)) <= 1
    for month in range(4, 12):
        assert (us_exports(f"2025-{month:02d}") / us_exports(f"2024-{month:02d}") - 1) * 100 <= -10, month


# --- (b') the made-up parts look like the real thing -----------------------------------------------


def test_seasonality(tables: dict) -> None:
    for year in releases.RENDERED_YEARS:
        months = {
            m: _amount(tables[("totals", "USD", f"{year}-{m:02d}")], "Export", "month", "export")
            for m in range(3, 13)
        }
        jan_feb = _amount(tables[("totals", "USD", f"{year}-01..02")], "Export", "ytd", "export")
        average = sum(months.values()) / len(months)
        assert jan_feb < 2 * average  # the Jan-Feb period is low (Chinese New Year)
        assert months[12] >= average  # December is strong


def test_partner_shares_2024_and_2025(tables: dict) -> None:
    def share(year: int, label: str) -> float:
        table = tables[("by_partner", "USD", f"{year}-12")]
        return _amount(table, label, "ytd", "export") / _amount(table, "Total", "ytd", "export") * 100

    assert 14 <= share(2024, "United States (US)") <= 15.5
    assert share(2025, "United States (US)") < share(2024, "United States (US)") - 2
    assert 15 <= share(2024, "ASEAN") <= 17.5
    assert 13 <= share(2024, "European Union") <= 15.5
    assert 7.5 <= share(2024, "Hong Kong, China") <= 9
    assert 3.5 <= share(2024, "Japan") <= 5
    assert 3.5 <= share(2024, "R. O. Korea") <= 5
    assert 25 <= share(2024, "Regional Comprehensive Economic Partnership") <= 30
    assert 44 <= share(2024, "Jointly build the countries along Belt and Road Routes") <= 52


def _value_cells(table: PreliminaryTable, label: str) -> dict[tuple[Span, Direction], int]:
    row = next(r for r in table.rows if r.label == label)
    return {
        (c.span, c.direction): c.amount_whole_units for c in row.cells if c.amount_whole_units is not None
    }


@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_groups_exceed_their_listed_members_and_nobody_exceeds_the_world(
    tables: dict, currency: Currency
) -> None:
    for period in PERIODS:
        table = tables[("by_partner", currency, period.key)]
        world = _value_cells(table, "Total")
        children: dict[str, list[str]] = {}
        for row in table.rows:
            if row.parent_label is not None:
                children.setdefault(row.parent_label, []).append(row.label)
            if row.label != "Total":
                for key, amount in _value_cells(table, row.label).items():
                    assert 0 < amount < world[key], (period, row.label, key)
        assert set(children) == {"European Union", "ASEAN", "Latin America", "Africa"}
        for group, members in children.items():
            group_cells = _value_cells(table, group)
            member_cells = [_value_cells(table, member) for member in members]
            for key, amount in group_cells.items():
                assert amount > sum(m[key] for m in member_cells), (period, group, key)


def _printed(table: PreliminaryTable, code: str, direction: Direction) -> Decimal:
    row = next(r for r in table.rows if r.trade_mode_code == code)
    cell = next(c for c in row.cells if c.measure == "value" and c.direction == direction)
    assert cell.figure_as_published is not None
    return Decimal(repr(cell.figure_as_published))


@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_printed_trade_modes_sum_to_the_printed_total_of_table_1(tables: dict, currency: Currency) -> None:
    leaves = [
        c for c, _ in releases.TRADE_MODE_ROWS if c != "TOTAL" and c not in releases.TRADE_MODE_AGGREGATES
    ]
    checked = 0
    for period in PERIODS:
        totals = tables[("totals", currency, period.key)]
        for table_id, span in (("trade_mode_month", "month"), ("trade_mode_ytd", "ytd")):
            if period.is_combined and span == "month":
                assert ("trade_mode_month", currency, period.key) not in tables
                continue
            table = tables[(table_id, currency, period.key)]
            for label, direction in (
                ("Export & Import", "total"),
                ("Export", "export"),
                ("Import", "import"),
            ):
                total = _printed(table, "TOTAL", direction)
                assert total == Decimal(repr(_figure(totals, label, "value", span, direction)))
                assert sum(_printed(table, code, direction) for code in leaves) == total
                for aggregate, members in releases.TRADE_MODE_AGGREGATES.items():
                    assert _printed(table, aggregate, direction) == sum(
                        _printed(table, m, direction) for m in members
                    )
                checked += 1
    assert checked == 3 * (len(PERIODS) * 2 - len(releases.RENDERED_YEARS))


def test_trade_mode_shares_look_like_gacc(tables: dict) -> None:
    for year in releases.RENDERED_YEARS:
        table = tables[("trade_mode_ytd", "USD", f"{year}-12")]
        total = _printed(table, "TOTAL", "total")
        share = {code: _printed(table, code, "total") / total * 100 for code, _ in releases.TRADE_MODE_ROWS}
        assert 62 <= share["ORDINARY"] <= 68, year
        assert 15 <= share["PROCESSING"] <= 22, year
        assert 9 <= share["BONDED_LOGISTICS"] <= 14, year
        assert 1 <= share["OTHER"] <= 6, year


def _row_cells(table: PreliminaryTable, code: str) -> dict[tuple[Measure, Span, bool], float | None]:
    row = next(r for r in table.rows if r.commodity_code == code)
    return {(c.measure, c.span, c.restates is not None): c.figure_as_published for c in row.cells}


@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_commodity_prior_year_column_is_last_years_cumulative_slightly_revised(
    tables: dict, currency: Currency
) -> None:
    revised = 0
    for period in PERIODS:
        if period.year == releases.RENDERED_YEARS[0]:
            continue  # last year's release is not rendered
        for table_id in ("major_exports", "major_imports"):
            this = tables[(table_id, currency, period.key)]
            last = tables[(table_id, currency, period.year_earlier().key)]
            for row in this.rows:
                cells, previous = _row_cells(this, row.commodity_code), _row_cells(last, row.commodity_code)
                for measure in ("value", "quantity"):
                    prior, printed = cells[(measure, "ytd", True)], previous[(measure, "ytd", False)]
                    if printed is None:
                        assert prior is None
                        continue
                    assert prior is not None
                    assert abs(prior - printed) <= 0.006 * printed + 0.1, (period, row.label, measure)
                    revised += prior != printed
                    # The y/y % is of January-to-month against that later vintage.
                    this_ytd, yoy = cells[(measure, "ytd", False)], cells[("yoy_pct", "ytd", False)]
                    if measure == "value" and prior >= 1000:
                        assert this_ytd is not None and yoy is not None
                        assert abs((this_ytd / prior - 1) * 100 - yoy) <= 0.06, (period, row.label)
    assert revised > 100


def test_commodity_values_are_plausible_shares_of_the_totals(tables: dict) -> None:
    for year in releases.RENDERED_YEARS:
        totals = tables[("totals", "USD", f"{year}-12")]
        for table_id, label, direction in (
            ("major_exports", "Export", "export"),
            ("major_imports", "Import", "import"),
        ):
            world = _amount(totals, label, "ytd", direction)
            table = tables[(table_id, "USD", f"{year}-12")]
            shares = {
                row.commodity_code: (_row_cells(table, row.commodity_code)[("value", "ytd", False)] or 0)
                * table.scale
                / world
                * 100
                for row in table.rows
                if row.commodity_code is not None
            }
            assert all(0 < share < 65 for share in shares.values()), (year, shares)
            mechelec = shares["X-MECHELEC" if direction == "export" else "M-MECHELEC"]
            assert (55 <= mechelec <= 63) if direction == "export" else (36 <= mechelec <= 44), year
            for row in table.rows:
                if not row.is_aggregate:
                    assert shares[row.commodity_code] < mechelec


@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_total_row_of_table_4_is_table_1(tables: dict, currency: Currency) -> None:
    for period in PERIODS:
        totals, by_partner = (
            tables[("totals", currency, period.key)],
            tables[("by_partner", currency, period.key)],
        )
        tolerance = (totals.scale + by_partner.scale) / 2  # half a printed unit of each table
        for label, direction in (("Export & Import", "total"), ("Export", "export"), ("Import", "import")):
            for span in ("ytd",) if period.is_combined else ("month", "ytd"):
                difference = _amount(totals, label, span, direction) - _amount(
                    by_partner, "Total", span, direction
                )
                assert abs(difference) <= tolerance, (period, label, span)


def test_implied_rates_move_around_7_1_to_7_3(series: releases.DemoSeries, tables: dict) -> None:
    rendered = [rate for (_, year, _), rate in series.rates.items() if year in releases.RENDERED_YEARS]
    assert min(rendered) >= Decimal("7.0")
    assert max(rendered) <= Decimal("7.35")
    implied = []
    for period in PERIODS:
        cny, usd = tables[("totals", "CNY", period.key)], tables[("totals", "USD", period.key)]
        implied.append(_amount(cny, "Export", "ytd", "export") / _amount(usd, "Export", "ytd", "export"))
    assert min(implied) >= 7.0
    assert max(implied) <= 7.35
    assert max(implied) - min(implied) > 0.1  # it moves


def test_cumulative_differences_do_not_reproduce_the_published_month(tables: dict) -> None:
    residuals = []
    for period in PERIODS:
        if period.is_combined:
            continue
        this = tables[("totals", "USD", period.key)]
        previous_key = (
            f"{period.year}-01..02"
            if period.last_month == 3
            else f"{period.year}-{period.last_month - 1:02d}"
        )
        previous = tables[("totals", "USD", previous_key)]
        derived = _amount(this, "Export", "ytd", "export") - _amount(previous, "Export", "ytd", "export")
        residual = derived - _amount(this, "Export", "month", "export")
        assert abs(residual) <= 0.006 * _amount(previous, "Export", "ytd", "export")  # small
        residuals.append(residual)
    assert sum(1 for r in residuals if abs(r) > 0.05 * BN) > len(residuals) / 2  # but there


# --- (c) structure -----------------------------------------------------------------------------------


def _links(index: bytes, year: int) -> dict[tuple[str, str | None, int], str]:
    """(table id, currency, month column) -> href, read by the project's own index parser."""
    return {
        (e.table_id or e.title, e.currency, e.month): e.url for e in parse_index_page(index, "index", year)
    }


def test_every_period_has_every_table_in_both_editions_linked_from_its_index(files: dict[str, bytes]) -> None:
    pages = {path for path in files if "/pages/" in path and not path.startswith(f"{generate.BULLETIN_DIR}/")}
    linked = set()
    for year in releases.RENDERED_YEARS:
        links = _links(files[f"{year}/index.html"], year)
        for period in releases.release_periods(year):
            for table_id in releases.RENDERED_TABLES:
                for currency in releases.CURRENCIES:
                    if period.is_combined and table_id == "trade_mode_month":
                        assert (table_id, currency, period.last_month) not in links
                        continue
                    href = links[(table_id, currency, period.last_month)]
                    assert re.fullmatch(r"pages/[0-9a-f-]{36}\.html", href)
                    path = f"{year}/{href}"
                    assert path in files
                    title = HTMLParser(files[path].decode("utf-8")).css_first("div.atcl-ttl").text()
                    assert title == releases.table_title(table_id, currency, period)
                    linked.add(path)
        assert all(month != 1 for _, _, month in links)  # Jan-Feb stands in February
    assert linked == pages
    jan_feb_without_table_2 = len(releases.RENDERED_YEARS) * 2
    assert len(pages) == len(PERIODS) * len(releases.RENDERED_TABLES) * 2 - jan_feb_without_table_2


def test_release_folder_is_small(files: dict[str, bytes]) -> None:
    # Six tables in two editions for 33 releases and 44 Bulletin pages, shipped as package data.
    assert sum(len(content) for content in files.values()) < 8_000_000


def test_publication_dates() -> None:
    for period in PERIODS:
        published = releases.publication_date(period)
        assert 7 <= published.day <= 14
        assert published.weekday() < 5
        expected_month = 3 if period.is_combined else period.last_month % 12 + 1
        assert published.month == expected_month
        assert published > date(period.year, period.last_month, 28)
    assert releases.publication_date(Period.month(2025, 12)) == date(2026, 1, 13)
    assert releases.publication_date(Period.month(2025, 11)) == date(2025, 12, 8)


def test_online_query_csv_is_gbk_quoted_with_a_trailing_comma(files: dict[str, bytes]) -> None:
    content = files[generate.ONLINE_QUERY_FILE]
    text = content.decode("gbk")
    lines = text.split("\n")
    assert lines[-1] == ""
    assert all(line.endswith('",') for line in lines[:-1])
    assert lines[0].startswith('"数据年月","贸易伙伴编码"')
    assert lines[0].endswith('"美元",')
    records = [re.findall(r'"([^"]*)"', line) for line in lines[1:-1]]
    assert records
    assert all(len(fields) == 10 for fields in records)
    assert {f[1] for f in records} == {"502", "410"}
    assert {f[3] for f in records} == {"12019011", "12019020", "12011000"}
    assert {f[0] for f in records} == {f"2024{m:02d}" for m in range(1, 13)}
    assert any("," in f[9] for f in records)  # thousands commas in the value column
    with pytest.raises(UnicodeDecodeError, match="can't decode byte"):
        content.decode("utf-8")


# The round trip through the real parser is in test_round_trip.py.


def test_format_figure() -> None:
    def cell(measure: Measure, figure: float | None) -> Cell:
        return Cell(1, measure, "month", "export", figure, None)

    assert format_figure(cell("value", 41046.4)) == "41,046.4&nbsp;"
    assert format_figure(cell("value", -1234.0)) == "-1,234.0&nbsp;"
    assert format_figure(cell("quantity", 0.5)) == "0.5&nbsp;"
    assert format_figure(cell("yoy_pct", -18.7)) == "-18.7"
    assert format_figure(cell("mom_pct", 15.0)) == "15.0"
    assert format_figure(cell("value", None)) == "-"


def test_render_index_page_marks_pages_and_gaps() -> None:
    title = "(4) China's Total Export & Import Values by Country/Region"
    page = render_index_page(
        2026, {(title, "CNY", 2): "pages/a.html", (title, "CNY", 3): "pages/b.html"}
    ).decode()
    assert f"<tr><td>{title} (in CNY)</td><td><span>Jan.</span><a href=pages/a.html> Feb.</a>" in page
    assert "<a href=pages/b.html> Mar.</a><span>Apr.</span>" in page
    assert len(re.findall(r"<tr><td>", page)) == len(INDEX_ROWS)
    with pytest.raises(ValueError, match="no index row"):
        render_index_page(2026, {("(9) Unknown", "CNY", 2): "x"})


def test_render_online_query_csv() -> None:
    record = OnlineQueryRecord(
        Period.month(2024, 3),
        "502",
        "美国",
        "12019020",
        "黑大豆\uff0c种用除外",
        4496.0,
        "千克",
        None,
        None,
        50033,
    )
    content = render_online_query_csv(OnlineQueryExport("CNY", "import", (record,)))
    assert content.decode("gbk").splitlines() == [
        '"数据年月","贸易伙伴编码","贸易伙伴名称","商品编码","商品名称","第一数量","第一计量单位","第二数量","第二计量单位","人民币",',
        '"202403","502","美国","12019020","黑大豆\uff0c种用除外","4496","千克","0","?","50,033",',
    ]


@pytest.mark.slow
def test_the_generator_runs_as_a_module_and_checks_the_committed_pages() -> None:
    # The generator is a tool outside the installed package: `python -m tools.demo.generate --check`.
    result = subprocess.run(
        [sys.executable, "-m", "tools.demo.generate", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the Monthly Bulletin (2025) -------------------------------------------------------------------------
MILLION = 1_000_000


@pytest.fixture(scope="module")
def bulletins(series: releases.DemoSeries) -> dict[tuple[TableId, Currency, str], BulletinTable]:
    return {(t.table_id, t.currency, t.period.key): t for t in bulletin.build_bulletin_tables(series)}


def _bulletin_amount(table: BulletinTable, code: str, direction: Direction, span: Span) -> int:
    row = next(r for r in table.rows if code in (r.trade_mode_code, r.partner_code))
    (cell,) = (c for c in row.cells if (c.measure, c.direction, c.span) == ("value", direction, span))
    assert cell.amount_whole_units is not None
    return cell.amount_whole_units


def test_bulletin_pages_cover_february_to_december_2025_in_both_tables_and_editions(
    bulletins: dict,
) -> None:
    assert set(bulletins) == {
        (table_id, currency, f"2025-{month:02d}")
        for table_id in ("bulletin_trade_mode", "bulletin_by_partner")
        for currency in ("CNY", "USD")
        for month in range(2, 13)
    }
    february = bulletins[("bulletin_trade_mode", "USD", "2025-02")]
    assert february.title == "(5) Imports and Exports by Customs Regime, 02.2025"
    assert {(c.direction, c.span) for c in february.rows[0].cells} == {
        (d, s) for d in ("export", "import") for s in ("month", "ytd")
    }
    assert bulletins[("bulletin_by_partner", "CNY", "2025-12")].unit_label == "CNY 10,000"


def test_december_2025_bulletin_revises_exports_by_minus_30_9_million_and_leaves_imports(
    tables: dict, bulletins: dict
) -> None:
    preliminary = tables[("totals", "USD", "2025-12")]
    for table_id in ("bulletin_trade_mode", "bulletin_by_partner"):
        december = bulletins[(table_id, "USD", "2025-12")]
        total = "TOTAL" if table_id == "bulletin_trade_mode" else "WLD"
        for span in ("month", "ytd"):
            exports = _bulletin_amount(december, total, "export", span)
            imports = _bulletin_amount(december, total, "import", span)
            assert exports - _amount(preliminary, "Export", span, "export") == -30_900_000
            assert imports == _amount(preliminary, "Import", span, "import")


def test_bulletin_revisions_are_small_and_not_all_zero(tables: dict, bulletins: dict) -> None:
    changes = []
    for month in range(3, 13):
        key = f"2025-{month:02d}"
        for direction, label in (("export", "Export"), ("import", "Import")):
            published = _amount(tables[("totals", "USD", key)], label, "month", direction)
            revised = _bulletin_amount(
                bulletins[("bulletin_trade_mode", "USD", key)], "TOTAL", direction, "month"
            )
            changes.append(revised - published)
            assert abs(revised - published) <= 0.0001 * published
        partners = tables[("by_partner", "USD", key)]
        for code, label, _, _ in releases.PARTNER_ROWS[1:]:
            published = _amount(partners, releases.normalise_label(label), "month", "export")
            revised = _bulletin_amount(
                bulletins[("bulletin_by_partner", "USD", key)], code, "export", "month"
            )
            assert abs(revised - published) <= 0.0001 * published + 1_000, (key, code)
    assert sum(1 for change in changes if change != 0) >= len(changes) // 2


@pytest.mark.parametrize("currency", ["USD", "CNY"])
def test_bulletin_total_is_the_sum_of_its_regimes_and_the_by_country_total(
    bulletins: dict, currency: Currency
) -> None:
    for month in range(2, 13):
        regimes = bulletins[("bulletin_trade_mode", currency, f"2025-{month:02d}")]
        by_country = bulletins[("bulletin_by_partner", currency, f"2025-{month:02d}")]
        for direction in ("export", "import"):
            for span in ("month", "ytd"):
                total = _bulletin_amount(regimes, "TOTAL", direction, span)
                leaves = [
                    _bulletin_amount(regimes, code, direction, span)
                    for code, _ in bulletin.REGIME_ROWS
                    if code != "TOTAL"
                ]
                assert all(leaf > 0 for leaf in leaves)
                assert sum(leaves) == total
                assert _bulletin_amount(by_country, "WLD", direction, span) == total


def test_bulletin_still_reproduces_the_facts_as_of_its_dates(bulletins: dict) -> None:
    # Every Bulletin of 2025 but December's is public by 14 January 2026: facts.md holds on them too.
    november = bulletins[("bulletin_by_partner", "USD", "2025-11")]
    assert abs(_bulletin_amount(november, "WLD", "export", "month") / BN - 330.3) <= 0.1
    assert abs(_bulletin_amount(november, "WLD", "import", "month") / BN - 218.6) <= 0.1
    ytd = _bulletin_amount(november, "WLD", "export", "ytd") - _bulletin_amount(
        november, "WLD", "import", "ytd"
    )
    assert abs(ytd / BN - 1080) <= 5
    usa = next(r for r in november.rows if r.partner_code == "USA")
    (usa_yoy,) = (c for c in usa.cells if (c.measure, c.direction, c.span) == ("yoy_pct", "export", "month"))
    assert usa_yoy.figure_as_published is not None and abs(usa_yoy.figure_as_published - (-29)) <= 1


def test_bulletin_publication_dates_are_the_18th_to_20th_of_the_next_month() -> None:
    for period in bulletin.bulletin_periods():
        published = bulletin.publication_date(period)
        assert 18 <= published.day <= 20 and published.weekday() < 5
        assert published.month == period.last_month % 12 + 1
        preliminary = Period.jan_feb(2025) if period.last_month == 2 else period
        assert published > releases.publication_date(preliminary)  # the Bulletin follows its release
    assert bulletin.publication_date(Period.month(2025, 12)) == date(2026, 1, 19)  # after 14 January 2026


def test_bulletin_index_links_every_bulletin_page(files: dict[str, bytes]) -> None:
    entries = parse_bulletin_index(files[generate.BULLETIN_INDEX_FILE], "monthly.html")
    linked = {f"{generate.BULLETIN_DIR}/{entry.url}" for entry in entries}
    pages = {path for path in files if path.startswith(f"{generate.BULLETIN_DIR}/pages/")}
    assert linked == pages and len(pages) == 44
    assert {(e.year, e.month) for e in entries} == {(2025, month) for month in range(2, 13)}
    assert {(e.table_id, e.currency) for e in entries} == {
        (t, c) for t in ("bulletin_trade_mode", "bulletin_by_partner") for c in ("CNY", "USD")
    }


def test_format_bulletin_figure() -> None:
    def cell(measure: Measure, figure: float | None) -> Cell:
        return Cell(2, measure, "month", "export", figure, None)

    assert format_bulletin_figure(cell("value", 212916095.0)) == "212,916,095&nbsp;"
    assert format_bulletin_figure(cell("yoy_pct", -0.9)) == "-0.9"
    assert format_bulletin_figure(cell("value", None)) == "-"
