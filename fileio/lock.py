"""One writer per data root: an exclusive OS lock, taken without waiting, and a note of who holds it.

The lock is `filelock`'s (fcntl/flock on POSIX): the kernel drops it when its process dies, however it
dies, so a killed writer never blocks the next one. Beside it a small JSON file names the holder (pid,
command, host, since when) for the message the next writer gets; it is written after the lock is taken
and removed before it is released, and it is only ever believed while the lock is held by someone and
its pid is alive: a note left by a dead process is not an obstacle and is never quoted as the holder.

Re-entrant within a process: a command that holds the lock may call a flow that takes it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from fileio.atomic import atomic_write_bytes

LOCK_NAME = ".customs-writer.lock"
HOLDER_NAME = ".customs-writer.json"

_held: dict[Path, int] = {}  # data roots this process holds, with how many nested holds
_held_guard = threading.Lock()


class DataRootBusyError(RuntimeError):
    """Another process is writing to the data root."""


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str
    host: str
    since: str  # ISO timestamp, UTC

    def describe(self) -> str:
        return f"`{self.command}` (pid {self.pid} on {self.host}, since {self.since})"


def lock_path(root: Path) -> Path:
    return root / LOCK_NAME


def holder_path(root: Path) -> Path:
    return root / HOLDER_NAME


def read_holder(root: Path) -> Holder | None:
    """The recorded holder, or None when there is no readable note or its process is gone."""
    try:
        holder = Holder(**json.loads(holder_path(root).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if holder.host == socket.gethostname() and not _alive(holder.pid):
        return None
    return holder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True


def _busy_message(root: Path) -> str:
    holder = read_holder(root)
    who = (
        f"by {holder.describe()}"
        if holder is not None
        else "by another process that has not recorded itself yet"
    )
    return f"data root {root} is in use {who}: only one command may write to it at a time; try again when it has finished"


@contextlib.contextmanager
def exclusive_writer(root: Path, command: str) -> Iterator[None]:
    """Hold the data root's writer lock for the block; raise DataRootBusyError at once if it is taken.

    `root` must exist: the caller decides whether a command may create it."""
    root = root.resolve()
    with _held_guard:
        if root in _held:
            _held[root] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[root] -= 1
        return

    # The lock file is kept: removing it on release would let two processes lock two different inodes.
    lock = FileLock(lock_path(root), blocking=False, thread_local=False, preserve_lock_file=True)
    try:
        lock.acquire()
    except Timeout:
        raise DataRootBusyError(_busy_message(root)) from None
    try:
        holder = Holder(
            os.getpid(), command, socket.gethostname(), datetime.now(UTC).isoformat(timespec="seconds")
        )
        atomic_write_bytes(holder_path(root), json.dumps(asdict(holder)).encode())
        with _held_guard:
            _held[root] = 1
        try:
            yield
        finally:
            with _held_guard:
                del _held[root]
            holder_path(root).unlink(missing_ok=True)
    finally:
        lock.release()


def command_line() -> str:
    """How this process was started, for the holder note: `customs run --source demo`."""
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"
