"""Headless Chromium for the page tests: one run loads a page from a file, with the network off, and
leaves its DOM (after scripts ran) and a screenshot."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_TIMEOUT_SECONDS = 180  # a cold start on a loaded CI machine; a hang must not stall the suite
# The network off: every host name fails to resolve and every request would go to a dead proxy port, so
# a page that still needs a CDN shows it (unstyled, empty tables) instead of quietly fetching it.
NETWORK_OFF = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9")


def find_chromium() -> str:
    """Chromium's path; skipped without it, except in CI, which must run the browser checks."""
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not on PATH (Debian: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: CI must run the browser check", pytrace=False)
        pytest.skip(reason)
    return path


@dataclass(frozen=True)
class ChromiumRun:
    dom: str
    screenshot: Path


def run_chromium(chromium: str, page: Path, work: Path, *, width: int, height: int) -> ChromiumRun:
    """Open `page` (a file) offline; return the DOM after its scripts ran and the screenshot's path."""
    work.mkdir(parents=True, exist_ok=True)
    shot, dom, log = work / "shot.png", work / "dom.html", work / "chromium.log"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        *NETWORK_OFF,
        f"--user-data-dir={work / 'profile'}",
        f"--screenshot={shot}",
        "--dump-dom",
        f"--window-size={width},{height}",
        "--force-device-scale-factor=1",  # CSS pixels = screenshot pixels
        "--hide-scrollbars",
        page.as_uri(),
    ]
    # Output to files, not pipes: a helper Chromium leaves behind (crashpad) would hold a pipe open.
    # Its own session, so that every process it started can be ended by the group id on the way out.
    with dom.open("wb") as out, log.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        try:
            returncode = process.wait(timeout=CHROMIUM_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            with contextlib.suppress(ProcessLookupError):  # the whole group has already exited
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    errors = log.read_text(errors="replace")[-3000:]
    assert returncode is not None, f"Chromium did not finish in {CHROMIUM_TIMEOUT_SECONDS} s:\n{errors}"
    assert returncode == 0, f"Chromium exited with {returncode}:\n{errors}"
    assert shot.is_file(), f"no screenshot:\n{errors}"
    return ChromiumRun(dom.read_text(encoding="utf-8"), shot)
