"""Limits that keep one hostile or broken file from exhausting the machine (settings give the numbers).

Checks here run on the raw bytes before a parser sees them, in linear time: lexbor builds a page of
deeply nested elements in quadratic time, in C, where no timer can interrupt it, so depth is refused
before parsing. What is not known before parsing is bounded by `time_limit`.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final

from flows.ingest.model import ParseError

_TAG: Final = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>]*?)(/?)>")
# Elements that never nest: void elements, and those whose end tag is optional (a new <td> or <p>
# closes the open one), so an old page that leaves them unclosed does not look deep.
_NOT_NESTING: Final = frozenset(
    b"area base br col embed hr img input link meta param source track wbr keygen "
    b"p li dt dd td th tr tbody thead tfoot option optgroup colgroup caption rb rt rp".split()
)


def html_depth_exceeds(content: bytes, limit: int) -> bool:
    """True when elements nest deeper than `limit` (an estimate from the tags, as a browser closes them)."""
    stack: list[bytes] = []
    open_count: Counter[bytes] = Counter()
    for match in _TAG.finditer(content):
        closing, raw_name, self_closing = match.groups()
        name = raw_name.lower()
        if name in _NOT_NESTING:
            continue
        if closing:
            # An end tag closes its element and everything opened inside it; a stray one is ignored.
            if open_count[name]:
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
        elif not self_closing:
            stack.append(name)
            open_count[name] += 1
            if len(stack) > limit:
                return True
    return False


def has_line_longer_than(content: bytes, limit: int) -> bool:
    """Whether a line (without its \\n) is longer than `limit` bytes: a window of `limit` + 1 bytes with no
    line break. Each step jumps to the last line break within the window, so a file of short lines is
    crossed in about len(content) / limit steps."""
    start = 0
    while len(content) - start > limit:
        end = content.rfind(b"\n", start, start + limit + 1)
        if end < 0:
            return True
        start = end + 1
    return False


def longest_line(content: bytes) -> tuple[int, int]:
    """(1-based line number, length in bytes) of the longest line."""
    best_line, best_length, line, start = 1, 0, 1, 0
    while start <= len(content):
        end = content.find(b"\n", start)
        if end < 0:
            end = len(content)
        if end - start > best_length:
            best_line, best_length = line, end - start
        start, line = end + 1, line + 1
    return best_line, best_length


class ParseTimeout(BaseException):
    """A parse ran past `max_parse_seconds` (a BaseException, so that no `except Exception` swallows it)."""


@contextmanager
def time_limit(seconds: float, source: str) -> Iterator[None]:
    """Stop a parse that runs past `seconds` with a ParseError naming the file.

    In the main thread a timer interrupts Python code as soon as the time is up; elsewhere (a worker
    thread, where signals cannot be used) the parse is judged when it returns. Either way a file over
    the limit is quarantined, so the outcome does not depend on the thread.
    """
    started = time.monotonic()
    use_timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous_handler = None

    def _expire(signum: int, frame: FrameType | None) -> None:
        raise ParseTimeout

    try:
        # The timer may fire anywhere from here to its disarming, set-up and tear-down included.
        if use_timer:
            previous_handler = signal.signal(signal.SIGALRM, _expire)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            if use_timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous_handler)
    except ParseTimeout:
        raise _too_slow(source, seconds) from None
    if time.monotonic() - started > seconds:
        raise _too_slow(source, seconds)


def _too_slow(source: str, seconds: float) -> ParseError:
    return ParseError(source, f"parsing took longer than {seconds:g} s (CUSTOMS_MAX_PARSE_SECONDS)")


def one_line(error: BaseException, source: str) -> str:
    """An unexpected exception as one line naming the file: its type and the first line of its text."""
    if isinstance(error, ParseError):
        text = " ".join(str(error).split())
    else:
        first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
        text = f"file {source}: {type(error).__name__}" + (f": {first}" if first else "")
    return text if len(text) <= 500 else text[:497] + "..."
