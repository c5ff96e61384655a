"""One writer per data root, for every flow and command that writes to it (see fileio/lock.py)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from config.settings import settings_for
from fileio.lock import command_line, exclusive_writer

P = ParamSpec("P")
R = TypeVar("R")


def writes_data_root(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` holding the writer lock of the data root named by its `data_dir` argument.

    Fails at once (DataRootBusyError, naming the holder) when another process writes there; a flow
    called by a command that already holds the lock takes it again without waiting. The data root is
    created if need be: every function this wraps writes into it."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def holding_the_lock(*args: P.args, **kwargs: P.kwargs) -> R:
        data_dir: Any = signature.bind_partial(*args, **kwargs).arguments.get("data_dir")
        root = settings_for(data_dir).root
        root.mkdir(parents=True, exist_ok=True)
        with exclusive_writer(root, command_line()):
            return fn(*args, **kwargs)

    return holding_the_lock
