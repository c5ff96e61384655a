"""The temporary Prefect server of a `customs` command: started early, light, and gone when the command is.

Without `PREFECT_API_URL`, Prefect starts a temporary API server (a uvicorn child process) for the
first flow run and stops it at interpreter exit. Three things go wrong with that on a busy machine: it
waits 20 s for the server, which a loaded 2-core machine does not meet; it starts only when the flow
runs, after the command has imported its flow; and a SIGKILLed command never runs its exit handlers, so
the server (over 200 MB) stays running under PID 1 for good.

The command line therefore starts that server itself, before it imports Prefect or the flow: launched
first, so that it starts while the command imports its flow (seconds of Prefect, polars and the rest, on
the other core), and waited for just before the flow runs; with its own startup timeout
(`CUSTOMS_PREFECT_STARTUP_TIMEOUT_SECONDS`) and, on Linux, with the parent-death signal set
(`prctl(PR_SET_PDEATHSIG)`), so the kernel stops the server when the command dies, however it dies.

Its address is given to Prefect as a user gives a running server's: `PREFECT_API_URL` in this process's
environment, set before Prefect reads its settings, so every Prefect client of the process (every thread,
every child such as a Dask worker) uses it and none starts another. The client process never imports
Prefect's server modules (`prefect.server.*`: FastAPI, SQLAlchemy, the API's models; over 2 CPU s): only
the child does. Its socket is bound and listening here and handed to uvicorn (`--fd`), so the address is
known at once and no other process can take the port meanwhile; and the wait for it is one health request
that the kernel queues until the server accepts (the server exiting resets it), not a poll every 100 ms
costing CPU in both processes for the seconds the server takes to start.

The server runs with what a one-command server needs (`SERVER_SETTINGS`): no UI, no block types
registered at start (a block saved by a flow registers its own type), no analytics.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from domain.errors import ExpectedError
from fileio.processes import parent_death_signal

_STOP_GRACE_SECONDS = 5  # as Prefect's SubprocessASGIServer.stop
_RETRY_SECONDS = 0.1  # after a health request failed (the server not up yet, or answering not 200)
_BACKLOG = 64  # the connections the kernel queues for the server until it accepts: Prefect's clients' too
_APP_FACTORY = "prefect.server.api.server:create_app"

# The temporary server's settings, on top of the command's own (a user's explicit setting wins: these are
# defaults). Each is something a server that lives for one command and has no user does not need.
SERVER_SETTINGS: Final[Mapping[str, str]] = {
    "PREFECT_SERVER_UI_ENABLED": "false",  # no UI app (nor its static files) to build or mount
    "PREFECT_UI_ENABLED": "false",  # the same, by its older name
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # offline: no telemetry service
    # Block types are registered by Block.save when a flow saves one (the backfill's result storage); the
    # registration at start, and the hash of every block class it memoizes by, are skipped.
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


class PrefectServerError(ExpectedError):
    """The temporary Prefect server did not start."""


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            path.unlink()


def _configured_api_url() -> str | None:
    """The Prefect server this process is configured to use, if any: from the environment, or (once
    Prefect is imported) from its settings, which also read profiles and `prefect.toml`."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect.settings" not in sys.modules:
        return None
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


class TemporaryServer:
    """Prefect's temporary server, started as Prefect 3.8.8 starts it, lighter, plus the parent-death signal.

    `launch_temporary_server` starts its process and returns at once, so that the command imports its flow
    on one core while the server imports and starts on the other; `wait_until_ready`, just before the
    first flow, waits for it to answer. Waiting first and importing after would add the two.

    Its output goes to a log file, not to the command's terminal: a server that fails to start would
    otherwise print its traceback above the command's one-line error (the line names the log)."""

    log_path: Path = Path(tempfile.gettempdir()) / f"customs-prefect-server-{os.getpid()}.log"

    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = environment
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))  # a free port, held from now on: uvicorn serves on this socket
            # Connecting succeeds from now on; a request waits in the kernel until the server accepts.
            listener.listen(_BACKLOG)
            self.port: int = listener.getsockname()[1]
            self.process: subprocess.Popen[bytes] | None = self._start_process(listener)
        finally:
            listener.close()  # the child holds its own copy
        atexit.register(self.stop, forget=False)  # at exit, nothing reads the settings again
        self._exported = self._export_api_url()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _start_process(self, listener: socket.socket) -> subprocess.Popen[bytes]:
        log = self.log_path.open("ab")
        atexit.register(_remove_if_empty, self.log_path)
        spec = importlib.util.find_spec("prefect")  # its folder, without importing it
        assert spec is not None and spec.origin is not None, "prefect is not installed"
        server_env = {
            **SERVER_SETTINGS,
            **{k: v for k, v in os.environ.items() if k in SERVER_SETTINGS},  # the user's word wins
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
                    _APP_FACTORY,
                    "--fd",
                    str(listener.fileno()),
                    "--log-level",
                    "error",
                    "--lifespan",
                    "on",
                ],
                env={**os.environ, **self._environment, **server_env},
                pass_fds=(listener.fileno(),),
                preexec_fn=parent_death_signal(signal.SIGTERM, os.getpid()),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _export_api_url(self) -> bool:
        """Point this process's Prefect clients (and its children's) at this server: `PREFECT_API_URL` in the
        environment, read when Prefect builds its settings; when Prefect is already imported, its global
        settings are built again so that they read it too."""
        os.environ["PREFECT_API_URL"] = self.api_url
        if "prefect.context" in sys.modules:
            import prefect.context

            prefect.context.refresh_global_settings_context()
        return True

    def _forget_api_url(self) -> None:
        if self._exported and os.environ.get("PREFECT_API_URL") == self.api_url:
            del os.environ["PREFECT_API_URL"]
            if "prefect.context" in sys.modules:
                import prefect.context

                prefect.context.refresh_global_settings_context()
        self._exported = False

    def wait_until_ready(self, timeout_seconds: int) -> str:
        """Its API URL once it answers.

        Raises PrefectServerError, in one line, when it does not answer within `timeout_seconds`."""
        try:
            self._poll(timeout_seconds)
        except RuntimeError as exc:
            self.stop()
            if str(exc).startswith("Timed out"):
                what = f"did not answer within {timeout_seconds} s: raise CUSTOMS_PREFECT_STARTUP_TIMEOUT_SECONDS"
            else:
                what = f"did not start ({str(exc).splitlines()[0]}; its log says why)"
            raise PrefectServerError(
                f"the temporary Prefect server {what}, or start a Prefect server once and set PREFECT_API_URL "
                f"to it (README: 'Skipping the temporary Prefect server'); its log: {self.log_path}"
            ) from exc
        return self.api_url

    def _poll(self, timeout_seconds: float) -> None:
        """Until its health endpoint answers 200, as `SubprocessASGIServer.start` does. RuntimeError
        'Timed out...' after `timeout_seconds`, or at once when the server exited.

        The socket listens before the server starts (see `__init__`): a request is queued by the kernel and
        answered when the server accepts, so one request normally suffices; if the server exits first, its
        socket closes and the request fails at once."""
        import httpx  # here, not at the top: the server is launched before anything heavy is imported

        deadline = time.monotonic() + timeout_seconds
        with httpx.Client() as client:
            while True:
                process = self.process
                if process is None:
                    raise RuntimeError("the server was stopped")
                if process.poll() is not None:
                    raise RuntimeError(f"it exited with code {process.returncode}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError("Timed out while waiting for the temporary Prefect server")
                with contextlib.suppress(
                    httpx.TransportError
                ):  # a timeout too: the deadline is checked above
                    if client.get(f"{self.api_url}/health", timeout=remaining).status_code == 200:
                        return
                time.sleep(_RETRY_SECONDS)

    def stop(self, *, forget: bool = True) -> None:
        """Stop its process (SIGTERM, then SIGKILL after a grace period) and take its address back from
        Prefect (`forget`), so that a later command of this process does not use a stopped server."""
        if forget:
            self._forget_api_url()
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
    """Start the temporary server's process unless a Prefect server is configured (`PREFECT_API_URL`);
    returns at once (see `TemporaryServer.wait_until_ready`). Call it before importing Prefect: it then
    does not import it, and Prefect reads the server's address when it builds its settings."""
    if _configured_api_url() is not None:
        return None
    environment: dict[str, str] = {}
    if "prefect.settings" in sys.modules:  # the process's own settings (a test's, say) go to the server too
        from prefect.settings import get_current_settings

        environment = get_current_settings().to_environment_variables(exclude_unset=True)
    return TemporaryServer(environment)


def start_temporary_server(timeout_seconds: int) -> str | None:
    """Start the temporary server unless a Prefect server is configured; returns its API URL (or None).

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
