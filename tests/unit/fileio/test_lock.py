"""The data root's writer lock, held by a real second process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from fileio.lock import HOLDER_NAME, DataRootBusyError, exclusive_writer, read_holder

REPO_ROOT = Path(__file__).resolve().parents[3]
WAIT_SECONDS = 120  # generous: the machine may be loaded; the loop ends as soon as the holder shows


@pytest.fixture
def holder_process(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A process holding the lock on `tmp_path` until its stdin closes."""
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from fileio.lock import exclusive_writer
        with exclusive_writer(Path({str(tmp_path)!r}), "customs run --source demo"):
            print("held", flush=True)
            sys.stdin.read()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    with process:  # closes its pipes at the end
        yield process
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT_SECONDS)


def test_a_second_writer_fails_at_once_naming_the_holder(
    tmp_path: Path, holder_process: subprocess.Popen[str]
) -> None:
    with (
        pytest.raises(
            DataRootBusyError, match=rf"in use by `customs run --source demo` \(pid {holder_process.pid} on "
        ),
        exclusive_writer(tmp_path, "customs ingest"),
    ):
        pass
    # The holder finishes: the lock is free and its note is gone.
    assert holder_process.stdin is not None
    holder_process.stdin.close()
    assert holder_process.wait(timeout=WAIT_SECONDS) == 0
    assert not (tmp_path / HOLDER_NAME).exists()
    with exclusive_writer(tmp_path, "customs ingest"):
        assert read_holder(tmp_path) is not None


def test_a_killed_holder_is_no_obstacle_and_is_never_quoted(
    tmp_path: Path, holder_process: subprocess.Popen[str]
) -> None:
    holder_process.send_signal(signal.SIGKILL)
    holder_process.wait(timeout=WAIT_SECONDS)
    # Its note stays behind, naming a dead pid: not believed.
    assert json.loads((tmp_path / HOLDER_NAME).read_text())["pid"] == holder_process.pid
    assert read_holder(tmp_path) is None
    with exclusive_writer(tmp_path, "customs ingest"):
        holder = read_holder(tmp_path)
        assert holder is not None
        assert (holder.pid, holder.command) == (os.getpid(), "customs ingest")


def test_a_stale_note_beside_a_live_lock_does_not_name_the_dead(tmp_path: Path) -> None:
    with exclusive_writer(tmp_path, "customs run"):
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        note = json.loads((tmp_path / HOLDER_NAME).read_text())
        (tmp_path / HOLDER_NAME).write_text(json.dumps(note | {"pid": int(dead.stdout)}))
        code = f"from pathlib import Path; from fileio.lock import exclusive_writer\nwith exclusive_writer(Path({str(tmp_path)!r}), 'x'): pass"
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            timeout=WAIT_SECONDS,
        )
    assert result.returncode != 0
    assert "in use by another process that has not recorded itself yet" in result.stderr
    assert f"pid {int(dead.stdout)}" not in result.stderr


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    with exclusive_writer(tmp_path, "customs run"), exclusive_writer(tmp_path, "monthly-release flow"):
        holder = read_holder(tmp_path)
        assert holder is not None
        assert holder.command == "customs run"
    assert not (tmp_path / HOLDER_NAME).exists()
