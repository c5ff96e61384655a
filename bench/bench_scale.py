"""Benchmark at scale: the product against a DuckDB-only floor and a plain pandas script, same data, same run.

    .venv/bin/python bench/make_landing.py --months 120 --out /tmp/landing
    .venv/bin/python bench/make_landing.py --months 1 --start 2026-01 --out /tmp/landing-next
    .venv/bin/python bench/bench_scale.py --landing /tmp/landing --next-month /tmp/landing-next [--full]

For each month count (1 and 12; `--full` adds 60 and 120) the first that many months of the landing
folder (both directions) are linked into a folder of their own, and each stage runs on it in a fresh
process: a small wrapper starts the stage as its child and reports the child's wall time, CPU time (user +
system) and peak RSS from `getrusage(RUSAGE_CHILDREN)`, so every figure is one stage's alone. Prints a
table per month count with the ratio of each stage to the DuckDB floor. Asserts nothing.

Stages (add one by appending to STAGES):
- product-ingest: `customs ingest --source landing --path DIR` into an empty data root: archive, parse,
  stage (Prefect included, as an operator runs it).
- ingest-step: the same ingest step called in Python (no CLI, no Prefect): the work without its overhead.
- duckdb-floor: decode the GBK files to UTF-8 copies (DuckDB's reader has no GBK without the `encodings`
  extension), read them with DuckDB's read_csv, map GACC partner codes to ours, check the grain is unique,
  write the online-query rows of fact_trade_flows (period, direction, HS8, partner, value, quantity) to one
  DuckDB file.
- pandas: the same with pandas (read_csv with the GBK codec) and one DuckDB file written from the frame.
  It holds every record in memory (7 GB at 12 months): skipped above `--pandas-max-months` (default 12).
- product-backfill: `customs backfill --from FIRST --to LAST --source landing` into an empty data root:
  the whole product (ingest, per-period parse and facts, gate, publish), with Prefect. The product logs
  `step <name>: wall .. s, CPU .. s, peak RSS .. MB` for each step; they are printed under it.
- with `--next-month DIR` (one month after the landing's last, from make_landing.py --start): that month
  by `customs run --source landing` on top of the backfilled data root (`new-month-on-N`), and the same
  month into an empty data root (`new-month-empty`): the incremental run against its own size.

`--json FILE` appends every measurement as a JSON line, so runs of different stages can be combined.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from flows.steps import STEP_LINE  # noqa: E402  (the product's line: one definition)

BIN = Path(sys.executable).parent
PARTNERS_CSV = REPO / "warehouse" / "reference" / "partners.csv"
MONTH_COUNTS = (1, 12)
FULL_MONTH_COUNTS = (1, 12, 60, 120)

# Runs one stage as its child and prints the child's figures: a fresh wrapper per measurement, so that
# RUSAGE_CHILDREN (and its peak RSS, a maximum over every child ever waited for) holds that stage alone.
WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(done.stdout)
print(json.dumps({"returncode": done.returncode, "output": done.stdout[-2000:], "wall": wall,
                  "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}))
"""

# The floor: the least work that turns the exports into the fact's online-query rows in a DuckDB file.
DUCKDB_FLOOR = r"""
import sys
from pathlib import Path
import duckdb
landing, work, partners_csv = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
utf8 = work / "utf8"
utf8.mkdir()
for path in sorted(landing.glob("*.csv")):
    (utf8 / path.name).write_bytes(path.read_bytes().decode("gbk").encode("utf-8"))
con = duckdb.connect(str(work / "floor.duckdb"))
con.execute(f"CREATE TEMP TABLE partners AS SELECT lpad(CAST(gacc_code AS VARCHAR), 3, '0') AS gacc,"
            f" partner_code FROM read_csv('{partners_csv}', skip=1, header=true) WHERE gacc_code IS NOT NULL")
columns = {"ym": "VARCHAR", "gacc": "VARCHAR", "partner_name": "VARCHAR", "hs_code": "VARCHAR",
           "commodity_name": "VARCHAR", "q1": "VARCHAR", "q1_unit": "VARCHAR", "q2": "VARCHAR",
           "q2_unit": "VARCHAR", "value": "VARCHAR", "trailing": "VARCHAR"}
con.execute(f'''
CREATE TEMP TABLE records AS
SELECT regexp_extract(filename, '_(export|import)_', 1) AS direction,
       substr(ym, 1, 4) || '-' || substr(ym, 5, 2) AS period,
       gacc, hs_code, commodity_name, q1, q1_unit, value
FROM read_csv('{utf8}/*.csv', header=true, columns={columns}, filename=true, quote='"')
''')
unknown = con.execute("SELECT DISTINCT gacc FROM records ANTI JOIN partners USING (gacc)").fetchall()
repeats = con.execute("SELECT count(*) - count(DISTINCT (direction, period, gacc, hs_code)) FROM records").fetchone()
assert not unknown and repeats == (0,), (unknown, repeats)
con.execute('''
CREATE TABLE fact_trade_flows AS
SELECT 'online_query' AS product, period, CAST(period || '-01' AS DATE) AS period_start, 1 AS months_covered,
       direction, hs_code AS commodity_code, commodity_name, partner_code, q1_unit AS quantity_unit,
       CAST(replace(q1, ',', '') AS DOUBLE) AS quantity, CAST(replace(value, ',', '') AS BIGINT) AS value_cny,
       TRUE AS is_latest_vintage
FROM records JOIN partners USING (gacc)
''')
print(con.execute("SELECT count(*) FROM fact_trade_flows").fetchone()[0], "rows")
con.close()
"""

# The product's ingest step itself, without the CLI and Prefect around it: the fixed overhead is the
# difference between this stage and product-ingest.
INGEST_STEP = r"""
import sys
from pathlib import Path
from flows.ingest.pipeline import ingest
from flows.ingest.sources import LandingSource
from config.settings import Settings
landing, work = Path(sys.argv[1]), Path(sys.argv[2])
report = ingest(LandingSource(landing), Settings(data_dir=work / "data"))
print(report.summary())
assert not report.quarantined, report.quarantined
"""

PANDAS = r"""
import sys
from pathlib import Path
import duckdb
import pandas as pd
landing, work, partners_csv = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
partners = pd.read_csv(partners_csv, skiprows=1, dtype=str).dropna(subset=["gacc_code"])
to_partner = dict(zip(partners["gacc_code"].str.zfill(3), partners["partner_code"]))
names = ["ym", "gacc", "partner_name", "hs_code", "commodity_name", "q1", "q1_unit", "q2", "q2_unit", "value"]
frames = []
for path in sorted(landing.glob("*.csv")):
    frame = pd.read_csv(path, encoding="gbk", header=0, names=names, usecols=range(10), dtype=str,
                        index_col=False)
    frame["direction"] = "export" if "_export_" in path.name else "import"
    frames.append(frame)
records = pd.concat(frames, ignore_index=True)
partner_code = records["gacc"].map(to_partner)
assert partner_code.notna().all(), records.loc[partner_code.isna(), "gacc"].unique()
assert not records.duplicated(["direction", "ym", "gacc", "hs_code"]).any()
fact = pd.DataFrame({
    "product": "online_query",
    "period": records["ym"].str[:4] + "-" + records["ym"].str[4:],
    "period_start": pd.to_datetime(records["ym"], format="%Y%m").dt.date,
    "months_covered": 1,
    "direction": records["direction"],
    "commodity_code": records["hs_code"],
    "commodity_name": records["commodity_name"],
    "partner_code": partner_code,
    "quantity_unit": records["q1_unit"],
    "quantity": records["q1"].str.replace(",", "").astype("float64"),
    "value_cny": records["value"].str.replace(",", "").astype("int64"),
    "is_latest_vintage": True,
})
con = duckdb.connect(str(work / "pandas.duckdb"))
con.register("fact", fact)
con.execute("CREATE TABLE fact_trade_flows AS SELECT * FROM fact")
print(len(fact), "rows")
con.close()
"""


@dataclass(frozen=True)
class Stage:
    name: str
    command: Callable[[Path, Path], list[str]]  # (landing folder of this run, empty work folder) -> argv


def _customs(*args: str) -> list[str]:
    return [str(BIN / "customs"), *args]


def _product_ingest(landing: Path, work: Path) -> list[str]:
    return _customs("ingest", "--source", "landing", "--path", str(landing), "--data-dir", str(work))


def _product_backfill(landing: Path, work: Path) -> list[str]:
    first, last = _month_range(landing)
    return _customs(
        "backfill", "--from", first, "--to", last, "--source", "landing", "--path", str(landing),
        "--data-dir", str(work / "data"),
    )  # fmt: skip


def _product_run(data_dir: Path) -> Callable[[Path, Path], list[str]]:
    return lambda landing, work: _customs(
        "run", "--source", "landing", "--path", str(landing), "--data-dir", str(data_dir)
    )


def _python(script: str) -> Callable[[Path, Path], list[str]]:
    return lambda landing, work: [sys.executable, "-c", script, str(landing), str(work), str(PARTNERS_CSV)]


FLOOR = "duckdb-floor"
PANDAS_STAGE = "pandas"
BACKFILL = "product-backfill"
STAGES: tuple[Stage, ...] = (
    Stage(FLOOR, _python(DUCKDB_FLOOR)),  # first: every later stage prints its ratio to it
    Stage("product-ingest", _product_ingest),
    Stage("ingest-step", _python(INGEST_STEP)),
    Stage(PANDAS_STAGE, _python(PANDAS)),
    Stage(BACKFILL, _product_backfill),
)


def _stamps(landing: Path) -> list[str]:
    return sorted({path.name.split("_")[4] for path in landing.glob("*.csv")})


def _month_range(landing: Path) -> tuple[str, str]:
    stamps = _stamps(landing)
    return f"{stamps[0][:4]}-{stamps[0][4:]}", f"{stamps[-1][:4]}-{stamps[-1][4:]}"


def month_folder(landing: Path, months: int, into: Path) -> Path:
    """The first `months` months of the landing folder (every direction), hard-linked (or copied)."""
    files = sorted(landing.glob("*.csv"))
    stamps = _stamps(landing)
    if len(stamps) < months:
        raise SystemExit(f"{landing} holds {len(stamps)} months, fewer than {months}")
    wanted = set(stamps[:months])
    into.mkdir(parents=True)
    for path in files:
        if path.name.split("_")[4] in wanted:
            try:
                os.link(path, into / path.name)
            except OSError:
                shutil.copyfile(path, into / path.name)
    return into


def measure(stage: Stage, landing: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    log = work / f"{stage.name}.log"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(log), *stage.command(landing, work)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,  # `python -c` puts the working folder first on the path: this checkout's packages
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["returncode"] != 0:
        raise SystemExit(f"{stage.name} failed (log: {log}):\n{figures['output']}")
    figures["steps"] = [
        {"step": m["step"], "wall": float(m["wall"]), "cpu": float(m["cpu"]), "peak_rss_mb": float(m["rss"])}
        for m in STEP_LINE.finditer(log.read_text(errors="replace"))
    ]
    return figures


def _print_row(name: str, figures: Mapping[str, Any], floor: Mapping[str, Any] | None) -> None:
    ratio = f"{figures['cpu'] / floor['cpu']:11.1f}x" if floor else f"{'':>12}"
    print(
        f"  {name:<22} {figures['wall']:9.1f} {figures['cpu']:9.1f} {figures['peak_rss_mb']:12.0f} {ratio}",
        flush=True,
    )
    for step in figures.get("steps", []):
        print(
            f"    step {step['step']:<15} {step['wall']:9.1f} {step['cpu']:9.1f} {step['peak_rss_mb']:12.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--landing", type=Path, required=True, help="from bench/make_landing.py")
    parser.add_argument("--months", type=int, nargs="+", default=list(MONTH_COUNTS))
    parser.add_argument("--full", action="store_true", help="months 1, 12, 60 and 120")
    parser.add_argument("--stage", action="append", help="run only these stages (repeatable)")
    parser.add_argument("--next-month", type=Path, help="one month after the landing's last (make_landing)")
    parser.add_argument(
        "--pandas-max-months", type=int, default=12, help="pandas holds every record in memory"
    )
    parser.add_argument("--json", type=Path, help="append every measurement to this file, a JSON line each")
    parser.add_argument("--keep", type=Path, help="keep the work folders here instead of a temp folder")
    args = parser.parse_args()
    counts = FULL_MONTH_COUNTS if args.full else tuple(args.months)
    stages = [stage for stage in STAGES if not args.stage or stage.name in args.stage]
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "HOME": os.environ.get("HOME", str(root)),
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }

    def record(months: int, name: str, figures: Mapping[str, Any]) -> None:
        if args.json:
            with args.json.open("a") as out:
                out.write(json.dumps({"months": months, "stage": name, **figures}) + "\n")

    try:
        for months in counts:
            landing = month_folder(args.landing, months, root / f"landing-{months}")
            records = sum(max(0, path.read_bytes().count(b"\n") - 1) for path in landing.glob("*.csv"))
            print(f"\n{months} month(s): {len(list(landing.glob('*.csv')))} files, {records:,} records")
            print(f"  {'stage':<22} {'wall s':>9} {'CPU s':>9} {'peak RSS MB':>12} {'CPU / floor':>12}")
            results: dict[str, dict[str, Any]] = {}
            for stage in stages:
                if stage.name == PANDAS_STAGE and months > args.pandas_max_months:
                    print(f"  {stage.name:<22} skipped: holds every record in memory (--pandas-max-months)")
                    continue
                work = root / f"work-{months}-{stage.name}"
                results[stage.name] = figures = measure(stage, landing, work, env)
                record(months, stage.name, figures)
                _print_row(stage.name, figures, results.get(FLOOR))
            if args.next_month and BACKFILL in results:
                history = root / f"work-{months}-{BACKFILL}" / "data"
                on_top = Stage(f"new-month-on-{months}", _product_run(history))
                empty = Stage("new-month-empty", _product_run(root / f"work-{months}-empty" / "data"))
                for stage in (on_top, empty):
                    results[stage.name] = figures = measure(
                        stage, args.next_month, root / f"work-{months}-{stage.name}", env
                    )
                    record(months, stage.name, figures)
                    _print_row(stage.name, figures, None)
                print(
                    f"  one new month on {months} months / into an empty warehouse: wall "
                    f"{results[on_top.name]['wall'] / results[empty.name]['wall']:.1f}x, CPU "
                    f"{results[on_top.name]['cpu'] / results[empty.name]['cpu']:.1f}x"
                )
            if FLOOR in results:
                floor = results[FLOOR]
                for name, figures in results.items():
                    if name.startswith("new-month"):
                        continue
                    print(
                        f"  {name:<22} / floor: wall {figures['wall'] / floor['wall']:.1f}x,"
                        f" CPU {figures['cpu'] / floor['cpu']:.1f}x,"
                        f" peak RSS {figures['peak_rss_mb'] / floor['peak_rss_mb']:.1f}x"
                    )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
