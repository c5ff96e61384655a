"""The temporary Prefect server of a `customs` command: started in time, and gone when the command is.

Without `PREFECT_API_URL`, Prefect starts a temporary API server (a uvicorn child process) for the
first flow run and stops it at interpreter exit. Two things go wrong with that on a busy machine: it
waits 20 s for the server, which a loaded 2-core machine does not meet, and a SIGKILLed command never
runs its exit handlers, so the server (over 200 MB) stays running under PID 1 for good.

The command line therefore starts that server itself, before the flow: with its own startup timeout
(`CUSTOMS_PREFECT_STARTUP_TIMEOUT_SECONDS`) and, on Linux, with the parent-death signal set
(`prctl(PR_SET_PDEATHSIG)`), so the kernel stops the server when the command dies, however it dies.
It is registered where Prefect looks for its temporary server (the `SubprocessASGIServer` instance
without a port, as Prefect's own test harness does), so every Prefect client of the process uses it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import prefect
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL, get_current_settings

from domain.errors import ExpectedError

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class PrefectServerError(ExpectedError):
    """The temporary Prefect server did not start."""


def _die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child receive SIGTERM when this process dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl = libc.prctl  # looked up here: the child, between fork and exec, only calls it
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: no signal will ever come
            os._exit(1)

    return preexec


class _ServerTiedToParent(SubprocessASGIServer):
    """Prefect's temporary server, started as Prefect 3.8.8 starts it, plus the parent-death signal.

    Its output goes to a log file, not to the command's terminal: a server that fails to start would
    otherwise print its traceback above the command's one-line error (the line names the log)."""

    log_path: Path = Path(tempfile.gettempdir()) / f"customs-prefect-server-{os.getpid()}.log"

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        log = self.log_path.open("ab")
        atexit.register(_remove_if_empty, self.log_path)
        server_env = {
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        return subprocess.Popen(
            args=[
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(prefect.__module_path__.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                **server_env,
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
            preexec_fn=_die_with_parent(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            path.unlink()


def start_temporary_server(timeout_seconds: int) -> str | None:
    """Start the temporary server unless `PREFECT_API_URL` names one; returns its API URL (or None).

    Raises PrefectServerError, in one line, when it does not answer within `timeout_seconds`.
    """
    if PREFECT_API_URL.value():
        return None
    server = _ServerTiedToParent()
    if not isinstance(server, _ServerTiedToParent):  # Prefect already started one in this process
        return server.api_url
    try:
        server.start(timeout=timeout_seconds)
    except RuntimeError as exc:
        server.stop()
        what = (
            f"did not answer within {timeout_seconds} s: raise CUSTOMS_PREFECT_STARTUP_TIMEOUT_SECONDS"
            if str(exc).startswith("Timed out")
            else f"did not start ({str(exc).splitlines()[0]})"
        )
        raise PrefectServerError(
            f"the temporary Prefect server {what}, or start a Prefect server once and set PREFECT_API_URL to it "
            f"(README: 'Skipping the temporary Prefect server'); its log: {server.log_path}"
        ) from exc
    return server.api_url


class _HideExpectedTracebacks(logging.Filter):
    """Prefect logs a failed run's exception with its traceback; an expected error's message suffices."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ExpectedError):
            record.exc_info = None
            record.exc_text = None
        return True


def hide_expected_tracebacks() -> None:
    """Keep the tracebacks of expected errors out of the flow and task run logs (not of any other)."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _HideExpectedTracebacks) for f in logger.filters):
            logger.addFilter(_HideExpectedTracebacks())
