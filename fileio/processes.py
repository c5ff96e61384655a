"""Child processes that end with the process that started them, however it ends (a `kill -9` included)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def parent_death_signal(signal_number: int, parent: int) -> Callable[[], None] | None:
    """A function to run in a child of `parent`: the kernel then sends the child `signal_number` when the
    thread that started it ends (`prctl(PR_SET_PDEATHSIG)`), and a child whose parent is already gone
    exits at once (no signal would ever come). None where the kernel offers no such signal (not Linux).

    libc is looked up here, in the parent: a child between fork and exec (a `preexec_fn`) only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal_number, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return set_death_signal
