"""Each step's cost, logged as it ends: what an operator reads to see where a run spends, and what
`bench/bench_scale.py` reads to print each step's figures (one line, a fixed format).

CPU is the process's user + system time (threads included) plus that of the children it waited for;
peak RSS is the process's high-water mark so far, so a step's figure is at least the steps' before it.
"""

from __future__ import annotations

import logging
import re
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

# The line's shape, for whoever reads the figures back (the scale benchmark).
STEP_LINE = re.compile(
    r"step (?P<step>[\w-]+): wall (?P<wall>[\d.]+) s, CPU (?P<cpu>[\d.]+) s, peak RSS (?P<rss>[\d.]+) MB"
)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def measured_step(
    name: str, logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None
) -> Iterator[None]:
    """Log `step <name>: wall X s, CPU Y s, peak RSS Z MB` when the step ends (also when it fails)."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    try:
        yield
    finally:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
        (logger or log).info(
            "step %s: wall %.1f s, CPU %.1f s, peak RSS %.0f MB",
            name,
            time.perf_counter() - started,
            _cpu_seconds() - cpu,
            peak_mb,
        )
