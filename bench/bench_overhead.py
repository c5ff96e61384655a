"""Benchmark: the fixed overhead of the demo's `customs run` (imports, Prefect, GX) against its work.

    PYTHONPATH=. .venv/bin/python bench/bench_overhead.py [--repeat 1]

Prints figures; asserts nothing (the test suite never times anything). Three parts:
1. `customs run --source demo --data-dir <fresh tmp>`, then the same command again (nothing new: no
   publish), each in a fresh process: wall, CPU (the process and its children, the temporary Prefect
   server included) and the peak RSS of its largest process; from the flow's log, the time before the
   flow begins (imports, server) and each task's share.
2. The fixed parts, each measured in a fresh process: importing the command line, importing the flow
   (Prefect, polars, ...), the temporary Prefect server from start to ready, importing GX, and GX's
   framework cost per expectation result (the gate's own runner on 10-row frames: the slope between a
   small and a large suite, so that it holds no data work).
3. The work: the same steps in one process, without Prefect (`bench_pipeline.bench_demo`).

Then: fixed overhead = run wall - work, where work = ingest + build + publish + report + the gate's data
work (its validation minus GX's framework cost per result times the results); Data Docs, GX's import and
its per-result cost count as overhead, as issue 11 counts them. The machine's load average is printed:
on a shared machine, read CPU seconds rather than wall.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))  # bench_pipeline, whose demo steps are the work measured here

_LOG_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| \w+ +\| (.*)$")
_TASK_DONE = re.compile(r"Task run '(?P<task>.+)-[0-9a-f]{3}' - Finished in state")


@dataclass(frozen=True)
class Measured:
    label: str
    wall_s: float
    cpu_s: float  # user + system, children reaped by the process included
    peak_rss_mb: float  # of its largest process
    output: str
    started_at: float  # time.time() when it was started


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def run_with_rusage(label: str, argv: list[str]) -> Measured:
    """Run a command in a fresh process, its output to a file; wall, CPU and peak RSS from wait4."""
    with tempfile.TemporaryFile("w+") as out:
        started_at, started = time.time(), time.perf_counter()
        process = subprocess.Popen(argv, env=_env(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        print(output)
        raise SystemExit(f"{label}: exit {process.returncode}")
    return Measured(label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output, started_at)


def python_snippet(label: str, code: str) -> Measured:
    return run_with_rusage(label, [sys.executable, "-c", textwrap.dedent(code)])


def _row(label: str, wall: float, cpu: float | None, rss: float | None) -> None:
    cpu_text = f"{cpu:8.2f}" if cpu is not None else " " * 8
    rss_text = f"{rss:8.0f}" if rss is not None else " " * 8
    print(f"  {label:<52} {wall:8.2f} {cpu_text} {rss_text}")


def _header(title: str) -> None:
    print(title)
    print(f"  {'':<52} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8}")


def _log_steps(measured: Measured) -> list[tuple[str, float]]:
    """From a `customs run` log: (part, seconds): before the flow begins, each task, after the flow."""
    day = datetime.fromtimestamp(measured.started_at)
    points: list[tuple[str, float]] = []
    for line in measured.output.splitlines():
        match = _LOG_LINE.match(line)
        if match is None:
            continue
        h, m, s, ms, message = match.groups()
        at = day.replace(hour=int(h), minute=int(m), second=int(s), microsecond=int(ms) * 1000).timestamp()
        if "Beginning flow run" in message:
            points.append(("before the flow: imports, temporary server", at))
        elif (task := _TASK_DONE.search(message)) is not None:
            points.append((f"task {task['task']}", at))
        elif message.startswith("Flow run") and "Finished in state" in message:
            points.append(("flow end (after the last task)", at))
    steps, previous = [], measured.started_at
    for part, at in points:
        steps.append((part, at - previous))
        previous = at
    steps.append(("after the flow: exit, server stop", measured.started_at + measured.wall_s - previous))
    return steps


def bench_runs(tmp: Path) -> Measured:
    root = tmp / "run"
    customs = [sys.executable, "-m", "flows.cli", "run", "--source", "demo", "--data-dir", str(root)]
    _header("customs run --source demo (each a fresh process; CPU includes the temporary server)")
    fresh = run_with_rusage("fresh data root", customs)
    _row(fresh.label, fresh.wall_s, fresh.cpu_s, fresh.peak_rss_mb)
    for part, seconds in _log_steps(fresh):
        print(f"      {part:<48} {seconds:8.2f}")
    again = run_with_rusage("again: nothing new, no publish", customs)
    _row(again.label, again.wall_s, again.cpu_s, again.peak_rss_mb)
    for part, seconds in _log_steps(again):
        print(f"      {part:<48} {seconds:8.2f}")
    return fresh


_SERVER = """
    import resource, time
    from flows.prefect_server import start_temporary_server
    from prefect.server.api.server import SubprocessASGIServer
    started = time.perf_counter()
    start_temporary_server(600)
    ready = time.perf_counter() - started
    SubprocessASGIServer().stop()
    server = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{ready} {server.ru_utime + server.ru_stime} {server.ru_maxrss / 1024}")
"""

# GX's framework cost per result, as the gate drives it: the gate's runner on 10-row frames, a small and a
# large suite of the gate's usual kinds of expectations; the slope holds no data work.
_PER_RESULT = """
    import time
    import polars as pl
    from expectations.checks import CRITICAL, Check, ExpectationSpec, import_gx
    from expectations.gate import validate_checks

    import_gx()
    frame = pl.DataFrame({f"c{i}": list(range(10)) for i in range(40)})
    frame = frame.with_columns(pl.col("c0").cast(pl.String).alias("code"))

    def specs(n):
        kinds = [
            ("ExpectColumnValuesToNotBeNull", lambda c: {"column": c}),
            ("ExpectColumnValuesToBeBetween", lambda c: {"column": c, "min_value": 0}),
            ("ExpectColumnValuesToBeOfType", lambda c: {"column": c, "type_": "int64"}),
            ("ExpectColumnValuesToBeInSet", lambda c: {"column": c, "value_set": list(range(10))}),
        ]
        return tuple(
            ExpectationSpec(f"r{i}", CRITICAL, kinds[i % 4][0], kinds[i % 4][1](f"c{i // 4}")) for i in range(n)
        )

    def cost(n):
        check = Check(f"bench.{n}", "bench", frame, specs(n), blame_columns=())
        check.suite()  # built outside the timing: the gate's checks build theirs once too
        started, cpu = time.perf_counter(), time.process_time()
        gate = validate_checks([check], run_id="bench")
        assert gate.results.height == n and gate.passed
        return time.perf_counter() - started, time.process_time() - cpu

    cost(8)  # warm up: the first validation loads GX's metric providers
    (w1, c1), (w2, c2) = cost(8), cost(120)
    print(f"{(w2 - w1) / 112} {(c2 - c1) / 112}")
"""


def bench_fixed_parts() -> tuple[float, float]:
    """The fixed parts, each in a fresh process. Returns GX's framework cost per result (wall, CPU)."""
    _header("fixed parts (each a fresh process)")
    for label, code in (
        ("python itself (python -c pass)", "pass"),
        ("import the command line (flows.cli)", "import flows.cli"),
        ("import the flow (flows.monthly: Prefect, polars, ...)", "import flows.monthly"),
        (
            "import Great Expectations (with pandas, pyarrow)",
            "from expectations.checks import import_gx; import_gx()",
        ),
    ):
        m = python_snippet(label, code)
        _row(m.label, m.wall_s, m.cpu_s, m.peak_rss_mb)
    server = python_snippet("the temporary Prefect server", _SERVER)
    ready, server_cpu, server_rss = (float(v) for v in server.output.split()[-3:])
    _row("temporary Prefect server: start to ready (the server)", ready, server_cpu, server_rss)
    per_result = python_snippet("GX per result", _PER_RESULT)
    wall, cpu = (float(v) for v in per_result.output.split()[-2:])
    _row("GX framework cost per expectation result (ms)", wall * 1000, cpu * 1000, None)
    return wall, cpu


def bench_work(tmp: Path) -> tuple[dict[str, tuple[float, float]], int]:
    """The demo's steps in this process (bench_pipeline's): (wall, CPU) by label, and the gate's results."""
    import bench_pipeline

    print("work: the same steps in one process, no Prefect (bench_pipeline.bench_demo)")
    results = bench_pipeline.bench_demo(tmp / "steps")
    return {t.label.strip(): (t.wall_s, t.cpu_s) for t in bench_pipeline.TIMINGS}, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fresh = bench_runs(tmp)
        per_result_wall, per_result_cpu = bench_fixed_parts()
        steps, results = bench_work(tmp)
    gate_wall, gate_cpu = steps["gate: GX suites and rules, Data Docs"]
    docs_wall, docs_cpu = steps["of which Data Docs (built again)"]
    framework_wall, framework_cpu = results * per_result_wall, results * per_result_cpu
    # Floored at 0: on the demo's small frames the gate is nearly all framework, and the cost per result
    # measured on 10-row frames of the usual kinds can exceed the demo's average.
    gate_work = (
        max(0.0, gate_wall - docs_wall - framework_wall),
        max(0.0, gate_cpu - docs_cpu - framework_cpu),
    )
    work_parts = [
        steps["ingest: archive, parse, stage"],
        steps["build: transforms to core tables"],
        gate_work,
        steps["publish: build aside, check, swap"],
        steps["report: the latest period's HTML report"],
    ]
    work = (sum(w for w, _ in work_parts), sum(c for _, c in work_parts))
    print("summary (the fresh run)")
    print(
        f"  {results} expectation results: GX framework {framework_wall:.2f} s wall / {framework_cpu:.2f} s CPU; "
        f"Data Docs {docs_wall:.2f} / {docs_cpu:.2f}; the gate's data work {gate_work[0]:.2f} / {gate_work[1]:.2f}"
    )
    print(
        f"  work (ingest, build, gate data work, publish, report): {work[0]:.2f} s wall / {work[1]:.2f} s CPU"
    )
    print(f"  customs run: {fresh.wall_s:.2f} s wall / {fresh.cpu_s:.2f} s CPU")
    print(
        f"  fixed overhead = {fresh.wall_s - work[0]:.2f} s wall / {fresh.cpu_s - work[1]:.2f} s CPU "
        "(run - work; target: under 10 s wall on a quiet 2-core machine)"
    )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
