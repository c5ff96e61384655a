"""Benchmark: the online-query CSV parser, row by row (as of REFERENCE) against the columnar one of today.

    .venv/bin/python bench/bench_parse.py [--records 550000] [--reference d556bad]

Writes a synthetic export of `--records` HS8 x partner records of one month (bench/make_landing.py's
shape: GBK, quoted, thousands commas, trailing commas), then parses it in a fresh process per parser
and prints wall and CPU seconds and peak RSS of each, the old parser's source taken from git at
`--reference` (the whole tree of that commit, so that it runs against its own model and staging).
Both parse to the staging frame (what the ingest writes). Asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_landing

REPO = Path(__file__).resolve().parents[1]
# The last commit with the row-by-row parser (Python's csv module, a regex and a Decimal per field).
ROW_BY_ROW_REFERENCE = "d556bad"

# Run in a child: parse one file to the staging frame and report wall, CPU and peak RSS as JSON.
CHILD = """
import json, resource, sys, time
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
import polars
from flows.ingest.staging import online_query_frame
content = path.read_bytes()
started, cpu = time.perf_counter(), time.process_time()
if kind == "row-by-row":
    from flows.ingest.parsers.online_query import parse_online_query
    export = parse_online_query(content, path.name, "export")
    parsed = time.perf_counter() - started
    frame = online_query_frame(export, release_id="bench", sha256="0" * 64)
else:
    from flows.ingest.parsers.online_query import read_online_query
    table = read_online_query(content, path.name, "export")
    parsed = time.perf_counter() - started
    frame = online_query_frame(table, release_id="bench", sha256="0" * 64)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "rows": frame.height,
    "parse_wall": parsed,
    "wall": time.perf_counter() - started,
    "cpu": time.process_time() - cpu,
    "peak_rss_mb": usage.ru_maxrss / 1024,
}))
"""


def synthetic_export(path: Path, records: int, seed: int = 11) -> int:
    """One month, one direction, about `records` records: the catalogue's partner counts scaled up."""
    cat = make_landing.catalogue(seed)
    scale = records / (make_landing.MEAN_PARTNERS_PER_CODE * cat.hs_codes.size)
    for _ in range(4):  # the partner counts are clipped to the partners there are: aim again
        wider = dataclasses.replace(
            cat,
            partners_per_code=np.clip(
                np.rint(cat.partners_per_code * scale), 1, cat.partner_codes.size
            ).astype(np.int64),
        )
        frame = make_landing.month_records(wider, seed, 2024, 1, 0)
        scale *= records / frame.height
    path.write_bytes(make_landing.render(frame))
    return frame.height


def checkout(reference: str, into: Path) -> Path:
    """The packages of `reference`, extracted (not a worktree: nothing in the repository changes)."""
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", reference], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def measure(kind: str, path: Path, tree: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        cwd=tree,  # `python -c` puts the working folder first on the path
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=550_000)
    parser.add_argument("--reference", default=ROW_BY_ROW_REFERENCE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        export = Path(tmp) / "online_query_hs8_partner_202401_export_cny.csv"
        rows = synthetic_export(export, args.records)
        trees = {"row-by-row": checkout(args.reference, Path(tmp) / "reference"), "columnar": REPO}
        print(f"{export.name}: {rows:,} records, {export.stat().st_size / 1e6:,.1f} MB")
        print(f"{'parser':<12} {'parse wall s':>12} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
        results = {}
        for kind in ("row-by-row", "columnar"):
            figures = measure(kind, export, trees[kind])
            results[kind] = figures
            print(
                f"{kind:<12} {figures['parse_wall']:12.2f} {figures['wall']:8.2f} {figures['cpu']:8.2f}"
                f" {figures['peak_rss_mb']:12.0f}"
            )
        old, new = results["row-by-row"], results["columnar"]
        print(
            f"columnar is {old['wall'] / new['wall']:.1f}x faster in wall time, "
            f"{old['cpu'] / new['cpu']:.1f}x in CPU, {old['peak_rss_mb'] / new['peak_rss_mb']:.1f}x less peak RSS"
        )


if __name__ == "__main__":
    main()
