"""One writer per data root, for every flow that writes to it (see fileio/lock.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.settings import Settings
from fileio.lock import command_line, exclusive_writer


@contextmanager
def holding_data_root(settings: Settings) -> Iterator[None]:
    """Hold the data root's writer lock for the block (creating the root: every caller writes into it).

    Fails at once (DataRootBusyError, naming the holder) when another process writes there, such as a
    deployment's run and a `customs` command; a flow called by a command that already holds the lock
    takes it again without waiting."""
    settings.root.mkdir(parents=True, exist_ok=True)
    with exclusive_writer(settings.root, command_line()):
        yield
