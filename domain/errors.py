"""The base class of the failures a user can act on: the command line shows their message, no traceback."""

from __future__ import annotations


class ExpectedError(Exception):
    """A failure that is not a bug: bad input, a bad argument, a release rejected, a server not reached.

    Its message says in one line what happened and what to do; `customs` prints it and exits with
    `exit_code` (1; 2 for a usage mistake). `customs --debug` shows the traceback as well.
    """

    exit_code: int = 1


class UsageError(ExpectedError):
    """An argument of the command line that cannot be right: nothing was started."""

    exit_code = 2
