"""Hostile and good input files, written for the tests in GACC's layouts (from the bundled demo)."""

from __future__ import annotations

import re
from pathlib import Path

from flows.ingest.parsers import parse_preliminary_page
from flows.ingest.sources import demo_releases_dir

# The first value cell of a demo table page: `<b>9,082.7&nbsp;</b>`.
_FIRST_FIGURE = re.compile(rb"(<td align=\"right\" class=\"style6\"><span><b>)([^<&]+)(&nbsp;)")


def good_pages(count: int, year: int = 2025) -> list[bytes]:
    """`count` distinct demo table pages of one year."""
    pages = sorted((demo_releases_dir() / str(year) / "pages").glob("*.html"))[:count]
    assert len(pages) == count
    return [page.read_bytes() for page in pages]


def totals_page_usd(year: int = 2024) -> bytes:
    """A demo table (1) page in USD 100 Million (scaled by 1e8 when staged)."""
    for page in sorted((demo_releases_dir() / str(year) / "pages").glob("*.html")):
        content = page.read_bytes()
        table = parse_preliminary_page(content, page.name)
        if table.table_id == "totals" and table.currency == "USD" and table.scale == 100_000_000:
            return content
    raise AssertionError(f"no USD totals page among the {year} demo pages")


def with_first_figure(page: bytes, figure: str) -> bytes:
    """`page` with its first published value replaced by `figure`, as printed."""
    changed, count = _FIRST_FIGURE.subn(lambda m: m[1] + figure.encode() + m[3], page, count=1)
    assert count == 1
    return changed


def online_query_csv() -> bytes:
    return next((demo_releases_dir() / "online_query").glob("*.csv")).read_bytes()


def csv_with_huge_field(field_bytes: int) -> bytes:
    """The demo online-query export (GBK) with one commodity name `field_bytes` long."""
    header, first, rest = online_query_csv().split(b"\n", 2)
    fields = first.split(b",")
    fields[4] = b'"' + b"A" * field_bytes + b'"'
    return b"\n".join([header, b",".join(fields), rest])


def nested_divs_page(total_bytes: int) -> bytes:
    """A titled page whose body is `<div>` inside `<div>`, `total_bytes` long (lexbor: quadratic)."""
    head = (
        b"<html><head><title>(1) China's Total Export & Import Values, Mar 2025 (in USD)</title></head><body>"
    )
    return head + b"<div>" * ((total_bytes - len(head)) // 5)


def write_large_page(path: Path, total_bytes: int) -> None:
    """A page of `total_bytes` (a demo page whose table goes on and on), written in pieces."""
    page = good_pages(1)[0]
    start, end = page.split(b"</table>", 1)
    row = b"<tr><td>Somewhere</td><td align='right'>1,234.5&nbsp;</td><td>-1.0</td></tr>\n" * 1000
    with path.open("wb") as out:
        out.write(start)
        written = len(start)
        while written < total_bytes:
            out.write(row)
            written += len(row)
        out.write(b"</table>" + end)
