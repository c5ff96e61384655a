"""`customs export` through its real entry point, on a small warehouse whose BI views hold literal rows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import REPO_ROOT
from warehouse.dictionary import data_dictionary_frame
from warehouse.export import DICTIONARY_NAME, WORKBOOK_NAME, export_views
from warehouse.tables import BI_COMMODITY_TRADE, BI_MONTHLY_TRADE, BI_VIEWS, META_DATA_DICTIONARY

CUSTOMS = Path(sys.executable).parent / "customs"
MONTHLY = pl.DataFrame(
    {
        "period": ["2025-01..02", "2025-03"],
        "period_start": [date(2025, 1, 1), date(2025, 3, 1)],
        "months_covered": [2, 1],
        "exports_usd": [539_940_000_000, 313_900_000_000],
        "imports_usd": [369_130_000_000, 211_310_000_000],
        "balance_usd": [170_810_000_000, 102_590_000_000],
        "exports_cny": [3_880_000_000_000, 2_250_000_000_000],
        "imports_cny": [2_650_000_000_000, 1_510_000_000_000],
        "balance_cny": [1_230_000_000_000, 740_000_000_000],
        "exports_yoy_pct": [2.3, 12.4],
        "imports_yoy_pct": [-8.4, None],
        "period_kind": ["jan_feb_combined", "month"],
        "exports_yoy_source": ["published", "published"],
        "imports_yoy_source": ["published", None],
        "value_source": ["published", "published"],
    }
)
COMMODITY = pl.DataFrame(
    {
        "period": ["2025-03"],
        "hs_code": ["27090000"],
        "commodity_name": ["原油"],  # Chinese names must survive the csv into a spreadsheet
        "partner_code": ["WLD"],
        "direction": ["import"],
        "value_usd": [25_100_000_000],
        "value_cny": [180_300_000_000],
        "quantity": [51_000_000_000.0],
        "quantity_unit": ["千克"],
        "quantity_base": [51_000_000.0],
        "quantity_base_unit": ["ton"],
        "is_aggregate": [False],
        "commodity_code": ["27090000"],
        "commodity_code_kind": ["hs8"],
        "commodity_name_en": ["Petroleum oils and oils obtained from bituminous minerals, crude"],
        "commodity_name_zh": ["原油"],
        "hs_heading": ["2709"],
        "hs_chapter": ["27"],
        "period_kind": ["month"],
    }
)


def build_warehouse(path: Path) -> Path:
    """Each BI view over a table of literal rows (the contract's columns and types), with the dictionary."""
    frames = {BI_MONTHLY_TRADE: MONTHLY, BI_COMMODITY_TRADE: COMMODITY}
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA bi; CREATE SCHEMA meta")
        for view in BI_VIEWS:
            rows = view.conform(frames.get(view, view.empty_frame()))
            con.register("rows_frame", rows.to_arrow())
            con.execute(f"CREATE TABLE main.{view.name} AS SELECT * FROM rows_frame")
            con.unregister("rows_frame")
            con.execute(f"CREATE VIEW {view.qualified_name} AS SELECT * FROM main.{view.name}")
        dictionary = data_dictionary_frame(BI_VIEWS)
        con.register("dictionary", dictionary.to_arrow())
        con.execute(f"CREATE TABLE {META_DATA_DICTIONARY.qualified_name} AS SELECT * FROM dictionary")
    return path


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    build_warehouse(root / "warehouse.duckdb")
    return root


def _customs(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [str(CUSTOMS), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )


def test_csv_a_file_per_view_and_the_dictionary(data_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _customs("export", "--format", "csv", "--data-dir", str(data_root), "--out", str(out))
    assert done.returncode == 0, done.stderr
    names = [f"{v.name}.csv" for v in BI_VIEWS] + [f"{DICTIONARY_NAME}.csv"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert done.stdout.splitlines() == [str(out / n) for n in names]
    # A byte-order mark: Excel then reads the file as UTF-8 (the Chinese names intact).
    raw = (out / "commodity_trade.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "原油".encode() in raw and "千克".encode() in raw
    monthly = pl.read_csv(out / "monthly_trade.csv", try_parse_dates=True)
    assert monthly.columns == BI_MONTHLY_TRADE.column_names
    assert monthly.select("period", "exports_usd", "imports_yoy_pct").rows() == [
        ("2025-01..02", 539_940_000_000, -8.4),
        ("2025-03", 313_900_000_000, None),
    ]
    assert (
        (out / "monthly_trade.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .startswith("2025-01..02,2025-01-01,2,")
    )
    dictionary = pl.read_csv(out / "data_dictionary.csv")
    assert set(dictionary["object_name"]) == {v.name for v in BI_VIEWS}
    assert dictionary.height == sum(len(v.fields) for v in BI_VIEWS)


def test_parquet_keeps_the_views_types_and_rows(data_root: Path, tmp_path: Path) -> None:
    done = _customs(
        "export", "--format", "parquet", "--view", "monthly_trade", "--view", "bi.commodity_trade",
        "--data-dir", str(data_root), "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "commodity_trade.parquet",
        "data_dictionary.parquet",
        "monthly_trade.parquet",
    ]
    assert pl.read_parquet(out / "monthly_trade.parquet").equals(BI_MONTHLY_TRADE.conform(MONTHLY))
    assert pl.read_parquet(out / "commodity_trade.parquet").equals(BI_COMMODITY_TRADE.conform(COMMODITY))
    dictionary = pl.read_parquet(out / "data_dictionary.parquet")
    assert set(dictionary["object_name"]) == {"monthly_trade", "commodity_trade"}


def _sheets(workbook: Path) -> dict[str, str]:
    """Sheet name -> the sheet's used range (`A1:K3`), read from the workbook's XML."""
    with zipfile.ZipFile(workbook) as z:
        names = re.findall(r'<sheet name="([^"]+)" sheetId="(\d+)"', z.read("xl/workbook.xml").decode())
        ranges = {}
        for name, sheet_id in names:
            xml = z.read(f"xl/worksheets/sheet{sheet_id}.xml").decode()
            match = re.search(r'<dimension ref="([^"]+)"', xml)
            ranges[name] = match.group(1) if match else ""
        strings = z.read("xl/sharedStrings.xml").decode()
    ranges["__strings__"] = strings
    return ranges


def test_xlsx_one_workbook_a_sheet_per_view_and_the_dictionary(data_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _customs("export", "--format", "xlsx", "--data-dir", str(data_root), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / WORKBOOK_NAME)
    assert [p.name for p in out.iterdir()] == [WORKBOOK_NAME]
    sheets = _sheets(out / WORKBOOK_NAME)
    strings = sheets.pop("__strings__")
    assert list(sheets) == [v.name for v in BI_VIEWS] + [DICTIONARY_NAME]
    # A header row and a row per view row: monthly_trade's 15 columns (A..O), 2 rows.
    assert len(BI_MONTHLY_TRADE.column_names) == 15
    assert sheets["monthly_trade"] == "A1:O3"
    assert sheets["commodity_trade"] == "A1:S2"  # commodity_trade's 19 columns, 1 row
    dictionary_rows = sum(len(v.fields) for v in BI_VIEWS)
    assert sheets[DICTIONARY_NAME].endswith(f"{dictionary_rows + 1}")
    assert "原油" in strings and "2025-01..02" in strings and "exports_usd" in strings


def test_without_a_warehouse_it_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    root = tmp_path / "no-data"
    done = _customs("export", "--format", "csv", "--data-dir", str(root))
    assert done.returncode == 1
    assert (
        done.stderr.strip() == f"error: no warehouse at {root / 'warehouse.duckdb'}: run `customs run` first"
    )
    assert not root.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "ods"], "unknown format 'ods': choose csv, parquet, xlsx"),
        (["--format", "csv", "--view", "trade"], "unknown view 'trade': choose from monthly_trade"),
    ],
)
def test_bad_options_are_usage_errors(data_root: Path, tmp_path: Path, args: list[str], message: str) -> None:
    done = _customs("export", *args, "--data-dir", str(data_root), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert message in " ".join(done.stderr.replace("│", " ").split())
    assert not (tmp_path / "out").exists()


def test_a_view_too_long_for_a_worksheet_is_refused(data_root: Path, tmp_path: Path) -> None:
    # The rows only: 1,048,576 rows of one column, built in DuckDB.
    with duckdb.connect(str(data_root / "warehouse.duckdb")) as con:
        con.execute(
            "INSERT INTO main.monthly_trade (period, period_start, months_covered)"
            " SELECT 'p' || i, DATE '2000-01-01', 1 FROM range(1048576) AS t(i)"
        )
    with pytest.raises(
        ValueError, match=r"bi.monthly_trade has more rows than a worksheet holds \(1,048,575\)"
    ):
        export_views(data_root / "warehouse.duckdb", tmp_path / "out", "xlsx", ["monthly_trade"])
    assert not (tmp_path / "out").exists()
