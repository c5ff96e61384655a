"""The temporary Prefect server of a `customs` command: started in time, and gone when the command is.

Without `PREFECT_API_URL`, Prefect starts a temporary API server (a uvicorn child process) for the
first flow run and stops it at interpreter exit. Two things go wrong with that on a busy machine: it
waits 20 s for the server, which a loaded 2-core machine does not meet, and a SIGKILLed command never
runs its exit handlers, so the server (over 200 MB) stays running under PID 1 for good.

The command line therefore starts that server itself, before the flow: launched first, so that it starts
while the command imports its flow, and waited for just before the flow runs; with its own startup timeout
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
import importlib.util
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from domain.errors import ExpectedError

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PORTS = range(8000, 9000)  # where Prefect 3.8.8 picks its temporary server's port
_PORT_IN_USE_EXIT = 3  # uvicorn's exit code when its port was taken meanwhile
_STOP_GRACE_SECONDS = 5  # as Prefect's SubprocessASGIServer.stop


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


def _free_port() -> int:
    for _ in range(10):
        port = random.choice(_PORTS)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                time.sleep(random.uniform(0.1, 0.5))
                continue
        return port
    raise RuntimeError("no free port for the temporary Prefect server after 10 attempts")


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            path.unlink()


class TemporaryServer:
    """Prefect's temporary server, started as Prefect 3.8.8 starts it, plus the parent-death signal.

    `launch_temporary_server` starts its process and returns at once, so that the command imports its flow
    (seconds of Prefect, polars and the rest) on one core while the server imports and starts on the
    other; `wait_until_ready`, just before the first flow, waits for it to answer. Waiting first and
    importing after would add the two.

    Its output goes to a log file, not to the command's terminal: a server that fails to start would
    otherwise print its traceback above the command's one-line error (the line names the log)."""

    log_path: Path = Path(tempfile.gettempdir()) / f"customs-prefect-server-{os.getpid()}.log"

    def __init__(self, environment: dict[str, str]) -> None:
        self._environment = environment
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = self._start_process()
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _start_process(self) -> subprocess.Popen[bytes]:
        log = self.log_path.open("ab")
        atexit.register(_remove_if_empty, self.log_path)
        spec = importlib.util.find_spec("prefect")  # its folder, without importing it again
        assert spec is not None and spec.origin is not None, "prefect is not installed"
        server_env = {
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        with log:
            return subprocess.Popen(
                args=[
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(Path(spec.origin).parent.parent),
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
                env={**os.environ, **server_env, **self._environment},
                preexec_fn=_die_with_parent(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self, timeout_seconds: int) -> str:
        """Its API URL once it answers, registered where Prefect's clients look for their temporary server.

        Raises PrefectServerError, in one line, when it does not answer within `timeout_seconds`."""
        try:
            self._register_with_prefect()  # imports Prefect's server module: while the server starts
            self._poll(timeout_seconds)
        except RuntimeError as exc:
            self.stop()
            what = (
                f"did not answer within {timeout_seconds} s: raise CUSTOMS_PREFECT_STARTUP_TIMEOUT_SECONDS"
                if str(exc).startswith("Timed out")
                else f"did not start ({str(exc).splitlines()[0]})"
            )
            raise PrefectServerError(
                f"the temporary Prefect server {what}, or start a Prefect server once and set PREFECT_API_URL "
                f"to it (README: 'Skipping the temporary Prefect server'); its log: {self.log_path}"
            ) from exc
        return self.api_url

    def _poll(self, timeout_seconds: float) -> None:
        """Until its health endpoint answers 200, as `SubprocessASGIServer.start` does: a server whose port was
        taken meanwhile is started again on another. RuntimeError 'Timed out...' after `timeout_seconds`."""
        deadline = time.monotonic() + timeout_seconds
        with httpx.Client() as client:
            while True:
                process = self.process
                if process is None:
                    raise RuntimeError("the server was stopped")
                if process.poll() == _PORT_IN_USE_EXIT:
                    self.port = _free_port()
                    self.process = self._start_process()
                    self._register_with_prefect()
                    continue
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return
                if time.monotonic() >= deadline:
                    exited = "" if process.poll() is None else f"; it exited with code {process.returncode}"
                    raise RuntimeError(f"Timed out while waiting for the temporary Prefect server{exited}")
                time.sleep(0.1)

    def _register_with_prefect(self) -> None:
        """Make this the instance Prefect's clients find (`SubprocessASGIServer()`, no port, as Prefect's own
        test harness does), marked running, so that no client of this process starts another."""
        from prefect.server.api.server import SubprocessASGIServer

        registered = SubprocessASGIServer()
        registered.port = self.port
        registered.server_process = self.process
        registered.running = True

    def stop(self) -> None:
        """Stop its process (SIGTERM, then SIGKILL after a grace period) and take it back from Prefect, so
        that a later command of this process does not take a stopped server for a running one."""
        prefects = sys.modules.get("prefect.server.api.server")
        registered = prefects.SubprocessASGIServer._instances.get(None) if prefects is not None else None
        if registered is not None and registered.server_process is self.process:
            registered.server_process = None  # stopped below, once
            registered.stop()  # forgets the instance
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch_temporary_server() -> TemporaryServer | None:
    """Start the temporary server's process unless `PREFECT_API_URL` names a server, or Prefect already
    started one in this process; returns at once (see `TemporaryServer.wait_until_ready`)."""
    from prefect.settings import PREFECT_API_URL, get_current_settings

    if PREFECT_API_URL.value():
        return None
    prefects = sys.modules.get("prefect.server.api.server")
    if prefects is not None:  # a server Prefect runs in this process (e.g. an earlier command's) is used
        registered = prefects.SubprocessASGIServer._instances.get(None)
        if registered is not None and registered.running:
            return None
    return TemporaryServer(get_current_settings().to_environment_variables(exclude_unset=True))


def start_temporary_server(timeout_seconds: int) -> str | None:
    """Start the temporary server unless `PREFECT_API_URL` names one; returns its API URL (or None).

    Raises PrefectServerError, in one line, when it does not answer within `timeout_seconds`.
    """
    server = launch_temporary_server()
    return server.wait_until_ready(timeout_seconds) if server is not None else None


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
