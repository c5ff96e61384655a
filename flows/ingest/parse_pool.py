"""Processes that parse files beside the ingest's own: a month of HS8 x partner detail is about a second
of CPU to parse and stage, so a backfill of years is bound by it, on one core, unless it is spread.

Processes are started with `spawn`, never `fork`: the ingest runs inside Prefect (threads) and has used
polars (its thread pool) by then, and a forked child of a multi-threaded process can deadlock (polars'
docs say to use spawn); a spawned child also inherits no descriptor, so never the data root's writer
lock. Starting one costs about a second of CPU (its imports), so callers start a pool only when the work
pays for it. A worker dies with the thread that started it (PR_SET_PDEATHSIG, Linux): a `kill -9` of an
ingest leaves no worker behind.

A job's log records (of the `flows` loggers) are sent back with its result and logged here, when the
caller takes the result, so that they read as if the job had run in this process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, ParamSpec, TypeVar

from domain.errors import ExpectedError
from fileio.processes import parent_death_signal

P = ParamSpec("P")
R = TypeVar("R")

# The loggers a job's records are kept from: the project's own.
_LOGGER = "flows"


def _die_with_parent(parent: int) -> None:
    """A worker's initializer: SIGKILL when the parent's starting thread dies; Ctrl-C is the parent's
    to handle (it stops the pool), not each worker's to print a traceback for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_death_signal = parent_death_signal(signal.SIGKILL, parent)
    if set_death_signal is not None:
        set_death_signal()


class _Keep(logging.Handler):
    """Keeps records, made picklable: the message formatted, a traceback as text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.msg, record.args = record.getMessage(), None
        self.records.append(record)


@contextlib.contextmanager
def _kept_records() -> Iterator[list[logging.LogRecord]]:
    logger = logging.getLogger(_LOGGER)
    handler = _Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)  # the parent decides what it logs
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def _run_keeping_logs(job: Callable[..., R], args: tuple[Any, ...]) -> tuple[R, list[logging.LogRecord]]:
    with _kept_records() as records:
        result = job(*args)
    return result, records


def emit(records: list[logging.LogRecord]) -> None:
    """Log a job's records here, where the parent's logging configuration applies."""
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


class WorkerDiedError(ExpectedError, RuntimeError):
    """A worker process ended in the middle of a job (killed, out of memory): the run stops; what was not
    recorded yet is done again by the next one."""


class Job(Generic[R]):
    """A submitted job: its result, and its log records logged here, once."""

    def __init__(self, future: Future[tuple[R, list[logging.LogRecord]]], what: str) -> None:
        self.future = future
        self.what = what

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> R:
        try:
            result, records = self.future.result()
        except BrokenProcessPool as exc:
            raise WorkerDiedError(
                f"the process parsing {self.what} ended before it was done (killed, or out of memory?): "
                "run again to parse what was not recorded"
            ) from exc
        emit(records)
        return result


class ParsePool:
    """Up to `processes` spawned workers, started as jobs come (none until the first)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, what: str, job: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Job[R]:
        """Run `job(*args)` in a worker; `what` names its input in an error."""
        if kwargs:
            raise TypeError("ParsePool jobs take positional arguments only")
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        return Job(self._executor.submit(_run_keeping_logs, job, args), what)

    def close(self, cancel: bool = False) -> None:
        """Wait for the workers to exit (their CPU time is then counted as this process's children's)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=cancel)
            self._executor = None
