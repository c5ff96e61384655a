"""`customs export`: the BI views of the published warehouse as files people open in a spreadsheet.

- csv: a file per view (UTF-8 with a byte-order mark, so that Excel reads the Chinese commodity names),
  and `data_dictionary.csv`;
- parquet: a file per view, and `data_dictionary.parquet`;
- xlsx: one workbook, a sheet per view and a `data_dictionary` sheet (xlsxwriter, through polars).

The warehouse is read through `warehouse.read` (read-only); each file is written aside and renamed, so a
spreadsheet open on the previous export never sees half a file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from fileio.atomic import atomic_write_bytes, atomic_write_parquet
from warehouse.codes import EXPORT_FORMATS, ExportFormat
from warehouse.read import open_read_only
from warehouse.tables import BI_VIEWS

WORKBOOK_NAME: Final = "customs-bi.xlsx"
DICTIONARY_NAME: Final = "data_dictionary"
EXCEL_MAX_ROWS: Final = 1_048_576  # a worksheet's rows, the header included
VIEW_NAMES: Final[tuple[str, ...]] = tuple(v.name for v in BI_VIEWS)  # monthly_trade, partner_trade, ...


@dataclass(frozen=True)
class Export:
    files: tuple[Path, ...]
    rows: dict[str, int]  # rows per view exported, by qualified name


def resolve_views(names: Sequence[str] | None) -> list[str]:
    """Qualified names of the views asked for (`monthly_trade` or `bi.monthly_trade`); every view if none."""
    if not names:
        return [v.qualified_name for v in BI_VIEWS]
    known = {v.name: v.qualified_name for v in BI_VIEWS} | {
        v.qualified_name: v.qualified_name for v in BI_VIEWS
    }
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown view {', '.join(map(repr, unknown))}: choose from {', '.join(VIEW_NAMES)}")
    return list(dict.fromkeys(known[n] for n in names))


def export_views(
    warehouse_path: Path, out_dir: Path, export_format: ExportFormat, views: Sequence[str] | None = None
) -> Export:
    """Write the BI views of the published warehouse to `out_dir` in `export_format`.

    Raises FileNotFoundError without a warehouse (nothing is created then) and ValueError for an unknown
    format or view, or a view too long for a worksheet.
    """
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {export_format!r}: choose {', '.join(EXPORT_FORMATS)}")
    wanted = resolve_views(views)
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: run `customs run` first")
    with open_read_only(warehouse_path) as warehouse:
        present = warehouse.bi_views_present()
        missing = [v for v in wanted if v not in present]
        if missing:
            raise ValueError(
                f"{warehouse_path} has no view {', '.join(missing)}: publish it again with `customs run --force`"
            )
        frames = {v: warehouse.view_frame(v) for v in wanted}
        dictionary = warehouse.data_dictionary(wanted)
    if export_format == "xlsx":
        too_long = [v for v, f in frames.items() if f.height + 1 > EXCEL_MAX_ROWS]
        if too_long:
            raise ValueError(
                f"{', '.join(too_long)} has more rows than a worksheet holds ({EXCEL_MAX_ROWS - 1:,}):"
                " export it as csv or parquet"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if export_format == "xlsx":
        target = out_dir / WORKBOOK_NAME
        atomic_write_bytes(target, _workbook({**frames, DICTIONARY_NAME: dictionary}))
        files.append(target)
    else:
        for name, frame in {
            **{v.split(".", 1)[1]: f for v, f in frames.items()},
            DICTIONARY_NAME: dictionary,
        }.items():
            target = out_dir / f"{name}.{export_format}"
            if export_format == "csv":
                atomic_write_bytes(target, _csv_bytes(frame))
            else:
                atomic_write_parquet(target, frame)
            files.append(target)
    return Export(tuple(files), {v: f.height for v, f in frames.items()})


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_bom=True, date_format="%Y-%m-%d")
    return buffer.getvalue()


def _workbook(sheets: dict[str, pl.DataFrame]) -> bytes:
    from xlsxwriter import Workbook  # only `customs export --format xlsx` pays for it

    buffer = io.BytesIO()
    with Workbook(buffer, {"in_memory": True}) as workbook:
        for name, frame in sheets.items():
            # A sheet name holds 31 characters and no dot: the view's name without its schema.
            sheet = name.split(".", 1)[-1][:31]
            frame.write_excel(
                workbook=workbook,
                worksheet=sheet,
                autofit=True,
                freeze_panes=(1, 0),
                dtype_formats={pl.Date: "yyyy-mm-dd"},
                float_precision=6,
                table_style="Table Style Light 1",
            )
    return buffer.getvalue()
