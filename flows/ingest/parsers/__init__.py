"""Pure parsers for GACC's published files: bytes in, `flows.ingest.model` objects out.

`sniff` tells which parser a file needs from its content, so that a misnamed or misfiled download is
caught rather than parsed as something else.
"""

from __future__ import annotations

from typing import Final, Literal

from selectolax.lexbor import LexborHTMLParser

from flows.ingest.model import ParseError
from flows.ingest.parsers.bulletin import is_bulletin_page, parse_bulletin_page
from flows.ingest.parsers.bulletin_index import is_bulletin_index, parse_bulletin_index
from flows.ingest.parsers.common import decode_html, not_a_page_error
from flows.ingest.parsers.index_page import find_index_table, parse_index_page
from flows.ingest.parsers.online_query import (
    REQUIRED_COLUMNS,
    direction_from_filename,
    parse_online_query,
    read_online_query,
)
from flows.ingest.parsers.preliminary import (
    fill_quantity_units,
    find_statistics_table,
    page_title,
    parse_preliminary_page,
    table_is_an_image,
)

__all__ = [
    "FileKind",
    "ParseError",
    "check_index_page",
    "direction_from_filename",
    "fill_quantity_units",
    "is_online_query",
    "parse_bulletin_page",
    "parse_index_page",
    "parse_online_query",
    "parse_preliminary_page",
    "read_online_query",
    "sniff",
]

FileKind = Literal["preliminary", "bulletin", "index", "online_query"]

# An online-query export is told by its header, in the encoding it should have (GBK) or a wrong one
# (UTF-8): either way it is a CSV for `parse_online_query`, which then names the encoding problem.
CSV_ENCODINGS: Final = ("gbk", "utf-8-sig")


def check_index_page(content: bytes, source: str) -> None:
    """Read an index page (the preliminary release's, or the Bulletin's) to be sure it is one."""
    tree = LexborHTMLParser(decode_html(content, source))
    if find_index_table(tree) is not None:
        parse_index_page(content, source)
    else:
        parse_bulletin_index(content, source)


def is_online_query(content: bytes) -> bool:
    """Whether `content` is an online-query CSV export (its header, in GBK or UTF-8): cheap, the first
    thing `sniff` asks."""
    first_line = content.lstrip()[:1024].split(b"\n", 1)[0]
    return any(REQUIRED_COLUMNS[0] in first_line.decode(encoding, "replace") for encoding in CSV_ENCODINGS)


def sniff(content: bytes, name: str) -> FileKind:
    """Which parser `content` needs, judged by content alone; `name` only labels the error."""
    if is_online_query(content):
        return "online_query"
    tree = LexborHTMLParser(decode_html(content, name))
    if find_index_table(tree) is not None:
        return "index"
    # A Bulletin title (`..., 10.2019`) is never a preliminary one (`Oct 2019`): told apart by it.
    if is_bulletin_page(tree):
        return "bulletin"
    if is_bulletin_index(tree):
        return "index"
    # A titled page with a `Unit:` table is a table page, even of a table the parser will not know: the
    # parser then names the unknown table, which says more than "unrecognised content".
    if find_statistics_table(tree) is not None and page_title(tree) is not None:
        return "preliminary"
    # A titled article with a picture of its table (2018): the parser says so, rather than "no table".
    if table_is_an_image(tree):
        return "preliminary"
    raise not_a_page_error(tree, name, "a GACC table page, index page or online-query CSV")
