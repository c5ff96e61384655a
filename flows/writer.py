"""One writer per data root, for every flow that writes to it (see fileio/lock.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.settings import Settings
from fileio.lock import command_line, exclusive_writer
from fileio.modes import use_modes


@contextmanager
def holding_data_root(settings: Settings) -> Iterator[None]:
    """Hold the data root's writer lock for the block (creating the root: every caller writes into it).

    Fails at once (DataRootBusyError, naming the holder) when another process writes there, such as a
    deployment's run and a `customs` command; a flow called by a command that already holds the lock
    takes it again without waiting."""
    # The job's modes from the start: the root and its lock file are written before any ingest, and a
    # user's umask (022, say) would leave them readable by everyone.
    use_modes(settings.file_mode, settings.dir_mode)
    settings.root.mkdir(parents=True, exist_ok=True)
    with exclusive_writer(settings.root, command_line()):
        yield
