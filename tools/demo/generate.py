"""Render the bundled demo releases from the committed series: `python -m tools.demo.generate`.

Writes `releases/` (per reference year an index page and its pages, plus one online-query export),
deleting files it no longer renders. `--check` renders in memory and exits 1, listing the files that
differ from the committed ones, are missing or are extra. Deterministic: same series, same bytes.

Layout of `releases/`:
    <year>/index.html                 the yearly index, linking pages by relative URL `pages/<uuid>.html`
    <year>/pages/<uuid>.html          tables (1), (4), (5), (6), CNY and USD editions, every period
    bulletin/monthly.html             the Monthly Bulletin index (2025), linking `pages/<uuid>.html`
    bulletin/pages/<uuid>.html        Bulletin tables (5) customs regime and (6) by country, both editions,
                                      February to December 2025 (see bulletin.py)
    online_query/online_query_hs8_partner_2024_imports_usd.csv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from flows.ingest.model import BulletinTable, PreliminaryTable
from tools.demo import RELEASES_DIR, SERIES_DIR, bulletin, releases
from tools.demo.render import (
    render_bulletin_index,
    render_bulletin_page,
    render_index_page,
    render_online_query_csv,
    render_preliminary_page,
)
from warehouse.codes import Currency

ONLINE_QUERY_FILE = "online_query/online_query_hs8_partner_2024_imports_usd.csv"
BULLETIN_DIR = "bulletin"
BULLETIN_INDEX_FILE = f"{BULLETIN_DIR}/monthly.html"


def page_path(table: PreliminaryTable) -> str:
    """Path of a table's page relative to `releases/`."""
    return f"{table.period.year}/pages/{releases.page_name(table.table_id, table.currency, table.period)}"


def index_title(table: PreliminaryTable) -> str:
    number, description = releases.TABLE_TITLES[table.table_id]
    return f"({number}) {description}"


def bulletin_page_path(table: BulletinTable) -> str:
    """Path of a Bulletin page relative to `releases/`."""
    return f"{BULLETIN_DIR}/pages/{releases.page_name(table.table_id, table.currency, table.period)}"


def render_release_files(series_dir: Path = SERIES_DIR) -> dict[str, bytes]:
    """Every file of `releases/`, keyed by its path relative to it (POSIX separators), sorted."""
    series = releases.load_series(series_dir)
    files: dict[str, bytes] = {}
    for year in releases.RENDERED_YEARS:
        links: dict[tuple[str, Currency | None, int], str] = {}
        for table in releases.build_tables(series, years=(year,)):
            path = page_path(table)
            files[path] = render_preliminary_page(table)
            # Relative to the index page, which sits in <year>/.
            links[(index_title(table), table.currency, table.period.last_month)] = path.removeprefix(
                f"{year}/"
            )
        files[f"{year}/index.html"] = render_index_page(year, links)
    bulletin_links: dict[tuple[str, Currency, int], str] = {}
    for bulletin_table in bulletin.build_bulletin_tables(series):
        path = bulletin_page_path(bulletin_table)
        files[path] = render_bulletin_page(bulletin_table)
        number, description = bulletin.TITLES[bulletin_table.table_id]
        month = bulletin_table.period.last_month
        bulletin_links[(f"({number}) {description}", bulletin_table.currency, month)] = path.removeprefix(
            f"{BULLETIN_DIR}/"
        )
    files[BULLETIN_INDEX_FILE] = render_bulletin_index(bulletin.BULLETIN_YEAR, bulletin_links)
    files[ONLINE_QUERY_FILE] = render_online_query_csv(releases.build_online_query(series))
    return dict(sorted(files.items()))


def committed_files(releases_dir: Path = RELEASES_DIR) -> dict[str, bytes]:
    if not releases_dir.exists():
        return {}
    return {
        path.relative_to(releases_dir).as_posix(): path.read_bytes()
        for path in sorted(releases_dir.rglob("*"))
        if path.is_file()
    }


def check(releases_dir: Path = RELEASES_DIR, series_dir: Path = SERIES_DIR) -> list[str]:
    """Problems between what the series render to and what is on disk; empty when they agree."""
    expected, actual = render_release_files(series_dir), committed_files(releases_dir)
    problems = [f"missing: {p}" for p in expected if p not in actual]
    problems += [f"extra: {p}" for p in actual if p not in expected]
    problems += [f"differs: {p}" for p in expected if p in actual and actual[p] != expected[p]]
    return problems


def write(releases_dir: Path = RELEASES_DIR, series_dir: Path = SERIES_DIR) -> tuple[int, int, int]:
    """Rewrite `releases_dir` from the series; returns (files written, unchanged, stale files deleted)."""
    expected, actual = render_release_files(series_dir), committed_files(releases_dir)
    written = unchanged = deleted = 0
    for relative in actual.keys() - expected.keys():
        (releases_dir / relative).unlink()
        deleted += 1
    for relative, content in expected.items():
        if actual.get(relative) == content:
            unchanged += 1
            continue
        target = releases_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written += 1
    for folder in sorted((p for p in releases_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return written, unchanged, deleted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files; exit 1 on any difference"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem)
        total = len(render_release_files())
        print(f"demo releases: {total} files rendered, {len(problems)} problem(s)")
        return 1 if problems else 0
    written, unchanged, deleted = write()
    size = sum(len(c) for c in committed_files().values())
    print(
        f"demo releases in {RELEASES_DIR}: {written} written, {unchanged} unchanged, {deleted} deleted; "
        f"{written + unchanged} files, {size / 1_000_000:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
