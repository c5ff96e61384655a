"""The temporary Prefect server's application, in the server's own process (never in a command's).

Prefect's app (`prefect.server.api.server:create_app`), with one change: the server's background task
worker (docket, on its in-memory Redis) polls for due work every `WORKER_POLL_SECONDS` instead of every
250 ms. A one-command server has next to no background work (no schedules, no late runs, no UI), yet the
polling costs about 1% of a core for as long as the command runs: a CPU second in a two-minute run.
Work the worker has (a vacuum, a trigger evaluation) starts at most a second later.
"""

from __future__ import annotations

import functools
import inspect
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

WORKER_POLL_SECONDS = 1.0
_POLL_PARAMETERS = ("minimum_check_interval", "scheduling_resolution")  # docket 0.27's Worker


def _slower_polling_worker() -> None:
    """Make docket's Worker default to `WORKER_POLL_SECONDS` for its polling intervals (a caller's explicit
    value still wins); a docket whose Worker has no such parameters is left as it is."""
    from docket.worker import Worker

    original = Worker.__init__
    if getattr(original, "_customs_polling", False):
        return
    signature = inspect.signature(original)
    defaults = {
        name: timedelta(seconds=WORKER_POLL_SECONDS)
        for name in _POLL_PARAMETERS
        if name in signature.parameters
    }

    @functools.wraps(original)
    def init(self: Worker, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind_partial(self, *args, **kwargs)
        for name, value in defaults.items():
            bound.arguments.setdefault(name, value)
        original(*bound.args, **bound.kwargs)

    init._customs_polling = True  # type: ignore[attr-defined]
    Worker.__init__ = init  # type: ignore[method-assign]


def create_app() -> FastAPI:
    """uvicorn's factory (`--factory flows.prefect_server_app:create_app`)."""
    _slower_polling_worker()
    from prefect.server.api.server import create_app as prefect_app

    return prefect_app()
