"""Benchmark: the fixed overhead of the demo's `customs run` (imports, Prefect, GX) beyond its work.

    PYTHONPATH=. .venv/bin/python bench/bench_overhead.py [--repeat 3]

Prints figures; asserts nothing (the test suite never times anything). Each repetition, each part in a
fresh process:
1. `customs run --source demo --data-dir <fresh tmp>` (the README's `make demo`): wall, CPU (the process
   and its children, the temporary Prefect server included) and peak RSS. Its work is the sum of the
   `step <name>: wall .. s, CPU .. s` lines the run logs (flows/steps.py): ingest, build, gate, publish,
   report. `overhead = run - work`: the imports, Prefect (server, flow and task runs, its logging and
   events), Great Expectations' import and the Data Docs (the run logs them as `step data-docs`, which is
   counted as overhead, as issue 11 counts it). Then the same command again (nothing new, no publish):
   nearly all overhead.
2. The breakdown: the imports in the order the run imports them, each package's CPU on top of those
   before it (one fresh process: the command line, Prefect, polars, DuckDB, pyarrow, the rest of the flow,
   GX with pandas, the report's matplotlib and Jinja), and the temporary Prefect server's own CPU in the
   fresh run itself (the command runs as `customs` does, with the server's CPU read from /proc when it is
   ready and taken from its rusage when it is stopped): from launch to ready, and from ready to gone (the
   requests, events and logs of the run, its background services, its shutdown). What is left of the
   overhead is the command's own Prefect at run time (flow and task runs, its events and log workers), the
   rest of its code outside the steps and its exit.

With `PREFECT_API_URL` set (a running Prefect server, as the README describes), the runs use that server
and start none: the server's own CPU is then not counted, and there is no server start to measure.

With `--repeat N` every figure is the median of N. The machine's load average is printed: on a shared
machine read CPU seconds, not wall (wall also waits for other processes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from flows.steps import STEP_LINE  # noqa: E402  (after the path: run as a script)

WORK_STEPS = ("ingest", "build", "gate", "publish", "report")  # the run's work; any other step is overhead


@dataclass(frozen=True)
class Measured:
    wall_s: float
    cpu_s: float  # user + system, children reaped by the process included (the temporary server's)
    peak_rss_mb: float  # of its largest process
    output: str


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def run_with_rusage(label: str, argv: list[str]) -> Measured:
    """Run a command in a fresh process, its output to a file; wall, CPU and peak RSS from wait4."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=_env(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        print(output)
        raise SystemExit(f"{label}: exit {process.returncode}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def steps_of(output: str) -> dict[str, tuple[float, float]]:
    """(wall, CPU) of each `step` line of a run's log, by step name."""
    found: dict[str, tuple[float, float]] = {}
    for line in output.splitlines():
        if (match := STEP_LINE.search(line)) is not None:
            found[match["step"]] = (float(match["wall"]), float(match["cpu"]))
    return found


# The run's imports in its order (the command line, then the flow, then what the gate and the report
# import when they start), each one's CPU on top of those before it, in one fresh process.
_IMPORTS = """
    import json, time
    parts = {}
    def part(label, statement):
        cpu, wall = time.process_time(), time.perf_counter()
        exec(statement, {})
        parts[label] = (time.perf_counter() - wall, time.process_time() - cpu)
    part("the command line (flows.cli)", "import flows.cli")
    part("prefect", "import prefect")
    part("polars", "import polars")
    part("duckdb", "import duckdb")
    part("pyarrow", "import pyarrow, pyarrow.parquet")
    part("the rest of the flow (flows.monthly)", "import flows.monthly")
    part("Great Expectations (and pandas)", "from expectations.checks import import_gx; import_gx()")
    part("the report (matplotlib, Jinja)", "import report.render")
    print(json.dumps(parts))
"""


def python_json(label: str, code: str) -> dict[str, tuple[float, float]]:
    measured = run_with_rusage(label, [sys.executable, "-c", textwrap.dedent(code)])
    return {k: (v[0], v[1]) for k, v in json.loads(measured.output.strip().splitlines()[-1]).items()}


# `customs ARGS` as the `customs` script runs it, plus the temporary server's CPU in that run (when it
# starts one): read from /proc when it is ready, and its whole CPU from this process's children's rusage
# when `stop` has reaped it. One line, `SERVER_CPU {json}`, printed last.
_CUSTOMS_WITH_SERVER_CPU = """
    import atexit, json, os, resource, sys
    import flows.prefect_server as prefect_server

    figures = {}

    def children_cpu():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def cpu_of(pid):
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    wait, stop = prefect_server.TemporaryServer.wait_until_ready, prefect_server.TemporaryServer.stop

    def waiting(self, timeout_seconds):
        url = wait(self, timeout_seconds)
        figures["ready"] = cpu_of(self.process.pid)
        return url

    def stopping(self, *, forget=True):
        running = self.process is not None and self.process.poll() is None and "ready" in figures
        before = children_cpu()
        stop(self, forget=forget)
        if running:
            figures["total"] = children_cpu() - before

    prefect_server.TemporaryServer.wait_until_ready = waiting
    prefect_server.TemporaryServer.stop = stopping
    atexit.register(lambda: print("SERVER_CPU " + json.dumps(figures), flush=True))  # last: registered first
    sys.argv = ["customs", *sys.argv[1:]]
    from flows.cli import main

    main()
"""


def server_cpu_of(output: str) -> dict[str, float]:
    for line in reversed(output.splitlines()):
        if line.startswith("SERVER_CPU "):
            return {k: float(v) for k, v in json.loads(line.removeprefix("SERVER_CPU ")).items()}
    return {}


def one_repetition(tmp: Path) -> dict[str, tuple[float, float]]:
    """Every figure of one repetition, (wall, CPU) by label."""
    root = tmp / "data"
    arguments = ["run", "--source", "demo", "--data-dir", str(root)]
    customs = [sys.executable, "-c", textwrap.dedent(_CUSTOMS_WITH_SERVER_CPU), *arguments]
    fresh = run_with_rusage("customs run (fresh)", customs)
    steps = steps_of(fresh.output)
    missing = [s for s in WORK_STEPS if s not in steps]
    if missing:
        print(fresh.output)
        raise SystemExit(f"the run logged no step line for {', '.join(missing)}")
    work = (sum(steps[s][0] for s in WORK_STEPS), sum(steps[s][1] for s in WORK_STEPS))
    figures: dict[str, tuple[float, float]] = {
        "customs run (fresh data root)": (fresh.wall_s, fresh.cpu_s),
        **{f"  step {name}": steps[name] for name in WORK_STEPS},
        "work (the sum of the steps above)": work,
        "overhead = run - work": (fresh.wall_s - work[0], fresh.cpu_s - work[1]),
        "  Data Docs (step data-docs)": steps.get("data-docs", (0.0, 0.0)),
    }
    again = run_with_rusage("customs run (again)", customs)
    again_steps = steps_of(again.output)
    again_work = sum(v[1] for k, v in again_steps.items() if k in WORK_STEPS)
    figures["customs run again (nothing new: no publish)"] = (again.wall_s, again.cpu_s)
    figures["  of which its steps (ingest: nothing new)"] = (
        sum(v[0] for k, v in again_steps.items() if k in WORK_STEPS),
        again_work,
    )
    imports = python_json("imports", _IMPORTS)
    for label, value in imports.items():
        figures[f"  import {label}"] = value
    all_imports = (sum(w for w, _ in imports.values()), sum(c for _, c in imports.values()))
    figures["  imports, all of the above"] = all_imports
    known = all_imports[1] + figures["  Data Docs (step data-docs)"][1]
    server = server_cpu_of(fresh.output)
    if "total" in server:
        nan = float("nan")
        figures["  temporary Prefect server in the run: launch to ready"] = (nan, server["ready"])
        figures["  temporary Prefect server in the run: ready to gone"] = (
            nan,
            server["total"] - server["ready"],
        )
        known += server["total"]
    figures["  the rest: the command's Prefect, other code, exit"] = (
        float("nan"),
        figures["overhead = run - work"][1] - known,
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1, help="repetitions; figures are medians")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} CPUs)")
    api_url = os.environ.get("PREFECT_API_URL")
    server_text = (
        f"on the running Prefect server {api_url} (its CPU not counted)"
        if api_url
        else "CPU includes the temporary Prefect server's"
    )
    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for repetition in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
            for label, value in one_repetition(Path(tmp)).items():
                runs[label].append(value)
        overhead = runs["overhead = run - work"][-1]
        print(
            f"  repetition {repetition + 1}: overhead {overhead[0]:.2f} s wall / {overhead[1]:.2f} s CPU "
            f"(load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    median = "median of " + str(args.repeat) if args.repeat > 1 else "one run"
    print(f"the demo's customs run ({median}; {server_text})")
    print(f"  {'':<56} {'wall s':>8} {'CPU s':>8}")
    for label, values in runs.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        wall_text = "" if wall != wall else f"{wall:8.2f}"  # NaN: no wall figure
        print(f"  {label:<56} {wall_text:>8} {cpu:8.2f}")
    print("target: overhead under 10 s (issue 11)")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
