"""Print a content hash per table and view of a published warehouse, to compare two builds.

    python -m tools.warehouse_fingerprint data/warehouse.duckdb
    diff <(python -m tools.warehouse_fingerprint before.duckdb) <(python -m tools.warehouse_fingerprint after.duckdb)

The hashes are `warehouse.publish.table_content_hashes` (columns, types and rows, independent of row
order). The run logs are left out by default, as the idempotency test leaves them out: they hold a row
per run, with its own timestamps and id, so two builds of the same data differ there by design.

Two data roots built from the same files at different times also differ in when each file was
retrieved (`retrieved_at`, in meta.releases and meta.release_files): `--ignore-column retrieved_at`
leaves that column out of every table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from warehouse.publish import table_content_hashes

RUN_LOGS = ("meta.runs", "meta.validation_results")


def fingerprint(
    path: Path, exclude: Sequence[str] = RUN_LOGS, ignore_columns: Sequence[str] = ()
) -> dict[str, str]:
    """`{schema.table: sha256}` of every table and view but `exclude`, sorted by name."""
    hashes = table_content_hashes(path, ignore_columns=ignore_columns)
    return {name: hashes[name] for name in sorted(hashes) if name not in exclude}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a published warehouse file (warehouse.duckdb)")
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="SCHEMA.TABLE",
        help=f"leave this table out (repeatable; default: {', '.join(RUN_LOGS)})",
    )
    parser.add_argument(
        "--ignore-column",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave this column out of every table (repeatable), e.g. retrieved_at",
    )
    args = parser.parse_args(argv)
    try:
        exclude = RUN_LOGS if args.exclude is None else tuple(args.exclude)
        hashes = fingerprint(args.warehouse, exclude, args.ignore_column)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, digest in hashes.items():
        print(f"{digest}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
