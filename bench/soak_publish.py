"""Soak: kill -9 at random points through N publishes while readers query in a loop.

    .venv/bin/python bench/soak_publish.py [--publishes 15] [--readers 2] [--seed 1]

Each publish runs in a child process that does what a run does: `heal_published` at its start, then
`publish_warehouse` of a small synthetic warehouse (the unit tests' sample tables, version i, whose
exports total is unique to i) with its BI Parquet export. The parent lets a share of the children
finish and kills the others with SIGKILL: half at a random moment of their publish, half at the start
of a random step (the child pauses 50 ms at each step it announces, so that even the instant between
the warehouse swap and the Parquet renames is a window a kill can hit). Reader processes meanwhile open the
warehouse read-only (a new connection per query) and read `bi/monthly_trade.parquet`, in a loop.

Prints, all of which must be 0:
- torn reads: a reader saw contents no publish wrote (warehouse or Parquet);
- unopenable: a reader could not open or query the warehouse, or read the Parquet file;
- lost releases: after a child exited 0 its version is not the warehouse's, or a later kill brought
  back an older version than one already published;
- leftovers: temporary files (`*.building-*`, `*.tmp-*`) once the next start has swept, and BI Parquet
  files disagreeing with the warehouse after it.
Asserts nothing (benchmarks print figures); exits 1 when a count is not 0. Bounded: N publishes, the
readers stop on a file or after `--reader-seconds`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_PUBLISHER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.unit.warehouse.test_publish import sample_tables
    from warehouse.publish import heal_published, publish_warehouse

    target, parquet, version = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    tables = sample_tables(version)
    print("ready", flush=True)  # imports done: the parent's random kill time counts from here

    def announce(step):
        # Each step is told to the parent, which may kill at it; the pause makes every step, even
        # the instant between the warehouse swap and the Parquet renames, a window a kill can hit.
        print(step, flush=True)
        time.sleep(0.05)

    started = time.perf_counter()
    heal_published(target, parquet)
    publish_warehouse(target, tables, parquet_dir=parquet, fault=announce)
    print(f"done {time.perf_counter() - started:.3f}", flush=True)
    """
)

_READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb
    import pyarrow.parquet as pq

    target, parquet, stop, seconds = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
    sums, errors = {}, []
    deadline = time.monotonic() + seconds
    reads = 0
    while not stop.exists() and time.monotonic() < deadline and reads < 1_000_000:
        reads += 1
        try:
            with duckdb.connect(str(target), read_only=True) as con:
                total = con.execute("SELECT sum(exports_usd) FROM core.fact_trade_surplus").fetchone()[0]
            sums.setdefault("warehouse", []).append(int(total))
        except Exception as exc:
            errors.append(f"warehouse: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        try:
            table = pq.read_table(parquet / "monthly_trade.parquet", columns=["exports_usd"])
            sums.setdefault("parquet", []).append(int(sum(table.column(0).to_pylist())))
        except Exception as exc:
            errors.append(f"parquet: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    print(json.dumps({"reads": reads, "sums": {k: sorted(set(v)) for k, v in sums.items()}, "errors": errors}))
    """
)


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(REPO)}


def _leftovers(*folders: Path) -> list[Path]:
    found = {  # a set: bi/ (and its per-period folders) may sit inside another folder given
        p
        for folder in folders
        if folder.is_dir()
        for p in folder.rglob("*")
        if ".building-" in p.name or ".tmp-" in p.name
    }
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--publishes", type=int, default=15)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--finish-share", type=float, default=0.25, help="share of publishes not killed")
    parser.add_argument("--reader-seconds", type=float, default=600.0, help="a bound on the readers' loop")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import duckdb
    import pyarrow.parquet as pq

    from tests.unit.warehouse.test_publish import sample_tables
    from warehouse.publish import (
        PARQUET_SOURCE_KEY,
        PARTITIONED_VIEWS,
        heal_published,
        period_folder_agrees,
        publish_warehouse,
        warehouse_identity,
    )
    from warehouse.tables import FACT_TRADE_SURPLUS

    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="soak-publish-"))
    target, parquet, stop = root / "warehouse.duckdb", root / "bi", root / "stop"

    def exports_sum(version: int) -> int:
        return int(sample_tables(version)[FACT_TRADE_SURPLUS]["exports_usd"].sum())

    def parquet_sum(version: int) -> int:
        # bi.monthly_trade is the world's row per period: the WLD rows of the surplus fact.
        frame = sample_tables(version)[FACT_TRADE_SURPLUS]
        return int(frame.filter(frame["partner_code"] == "WLD")["exports_usd"].sum())

    versions = range(args.publishes + 1)
    version_of = {exports_sum(v): v for v in versions}
    parquet_version_of = {parquet_sum(v): v for v in versions}

    def published_version() -> int:
        with duckdb.connect(str(target), read_only=True) as con:
            row = con.execute("SELECT sum(exports_usd) FROM core.fact_trade_surplus").fetchone()
        assert row is not None
        return version_of[int(row[0])]

    announced: list[str] = []
    publish_warehouse(target, sample_tables(0), parquet_dir=parquet, fault=announced.append)
    steps = [step for step in announced if not step.startswith("load:")] + [rng.choice(announced)]
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", _READER, str(target), str(parquet), str(stop), str(args.reader_seconds)],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for _ in range(args.readers)
    ]

    print(f"soak: {args.publishes} publishes, {args.readers} readers, seed {args.seed}, in {root}")
    started = time.monotonic()
    publish_seconds = 1.0  # replaced by the duration of each publish that finishes
    committed = 0  # the newest version a finished publish (or a kill after the swap) made current
    lost: list[str] = []
    killed = finished = leftovers_seen = reexports = 0
    for version in range(1, args.publishes + 1):
        child = subprocess.Popen(
            [sys.executable, "-c", _PUBLISHER, str(target), str(parquet), str(version)],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=REPO,
        )
        assert child.stdout is not None
        ready = child.stdout.readline().strip()
        plan = rng.random()
        if ready == "ready" and plan < args.finish_share:
            pass  # let it finish
        elif ready == "ready" and plan < (1 + args.finish_share) / 2:
            time.sleep(rng.uniform(0, publish_seconds * 1.2))  # a random moment
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
        elif ready == "ready":
            step = rng.choice(steps)  # at the start of a random step
            for line in child.stdout:
                if line.strip() == step:
                    time.sleep(rng.uniform(0, 0.04))
                    child.send_signal(signal.SIGKILL)
                    break
        out, _ = child.communicate(timeout=300)
        if child.returncode == 0:
            finished += 1
            publish_seconds = float(out.strip().splitlines()[-1].split()[-1])
        elif child.returncode == -signal.SIGKILL:
            killed += 1
        else:
            lost.append(f"publish {version}: exit {child.returncode}")

        now = published_version()
        if child.returncode == 0 and now != version:
            lost.append(f"publish {version} exited 0 but the warehouse holds version {now}")
        if now < committed:
            lost.append(f"after publish {version} the warehouse went back to version {now} from {committed}")
        committed = max(committed, now)

        # The next start: what it sweeps and re-exports is what the kill left.
        leftovers_seen += len(_leftovers(root, parquet))
        report = heal_published(target, parquet)
        reexports += bool(report.reexported)

    stop.touch()
    results = [json.loads(reader.communicate(timeout=120)[0]) for reader in readers]

    torn: list[str] = []
    unopenable: list[str] = []
    reads = 0
    for result in results:
        reads += result["reads"]
        unopenable += result["errors"]
        torn += [f"warehouse sum {s}" for s in result["sums"].get("warehouse", []) if s not in version_of]
        torn += [f"parquet sum {s}" for s in result["sums"].get("parquet", []) if s not in parquet_version_of]

    left = _leftovers(root, parquet)
    identity = warehouse_identity(target)
    disagreeing = [
        p.name
        for p in sorted(parquet.glob("*.parquet"))
        if (pq.read_metadata(p).metadata or {}).get(PARQUET_SOURCE_KEY.encode()) != identity.encode()
    ]
    # A per-period view: its manifest names the warehouse, and its files are the manifest's periods.
    disagreeing += [
        f"{view.name}/"
        for view in PARTITIONED_VIEWS
        if not period_folder_agrees(parquet / view.name, identity)
    ]
    elapsed = time.monotonic() - started

    print(
        f"publishes: {args.publishes} ({killed} killed with SIGKILL, {finished} finished) in {elapsed:.0f} s"
    )
    print(f"reader queries: {reads} (warehouse and bi/monthly_trade.parquet each)")
    print(f"temporary files left by kills, swept by the next start: {leftovers_seen}")
    print(f"starts that exported bi/ again (a kill after the swap): {reexports}")
    print(f"warehouse version at the end: {published_version()} (newest committed {committed})")
    counts = {
        "torn reads": len(torn),
        "unopenable": len(unopenable),
        "lost releases": len(lost),
        "leftovers after the sweep": len(left),
        "bi files disagreeing after the sweep": len(disagreeing),
    }
    for label, count in counts.items():
        print(f"{label:<38} {count}")
    for problem in [*torn[:5], *unopenable[:5], *lost[:5], *map(str, left[:5]), *disagreeing[:5]]:
        print(f"  {problem}")
    if any(counts.values()):
        print(f"kept for inspection: {root}")
        return 1
    shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
