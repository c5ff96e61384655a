"""Argument mistakes and expected errors: one line with the fix, the right exit code, nothing started.

Each case runs the real `customs` command in a child process. A usage mistake exits 2 and an expected
failure 1, with one `error: ` line on stderr and no traceback; no Prefect server or flow starts, and no
data root is created by a command that would only read it. `--debug` shows the traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fileio.lock import LOCK_NAME
from tests.conftest import REPO_ROOT
from tests.corpus.make_corpus import CORPUS_DIR
from tests.reliability.cli import Done, customs

pytestmark = [pytest.mark.slow]


def _assert_one_line_error(done: Done, exit_code: int, *fragments: str) -> str:
    assert done.exit_code == exit_code, done.output
    assert "Traceback" not in done.output, done.output
    lines = done.error_lines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def _assert_nothing_started(done: Done) -> None:
    assert "temporary server" not in done.output, done.output
    assert "flow run" not in done.output.lower(), done.output


USAGE_MISTAKES = {
    "month 13": (["run", "--period", "2025-13"], ["--period 2025-13", "no month 13"]),
    "no dash": (["run", "--period", "202511"], ["did you mean --period 2025-11?"]),
    "January alone": (["run", "--period", "2025-01"], ["did you mean --period 2025-01..02?"]),
    "February alone": (["run", "--period", "2025-02"], ["did you mean --period 2025-01..02?"]),
    "not a period": (["run", "--period", "last month"], ["not a period", "YYYY-MM"]),
    "landing without --path": (["run", "--source", "landing"], ["--source landing needs --path"]),
    "landing without --path (ingest)": (["ingest", "--source", "landing"], ["--source landing needs --path"]),
    "a --path that is not there": (
        ["run", "--source", "landing", "--path", "{tmp}/absent"],
        ["--path {tmp}/absent: no such folder"],
    ),
    "--path with the demo": (["ingest", "--source", "demo", "--path", "{tmp}"], ["--source landing only"]),
    "unknown source": (["run", "--source", "ftp"], ["--source ftp", "demo, landing or gacc"]),
    "range backwards": (
        ["backfill", "--from", "2025-06", "--to", "2025-01"],
        ["--from 2025-06 is after --to 2025-01", "did you mean --from 2025-01 --to 2025-06?"],
    ),
    "range bound malformed": (
        ["backfill", "--from", "2025-6", "--to", "2025-09"],
        ["did you mean --from 2025-06?"],
    ),
}


@pytest.mark.parametrize("case", list(USAGE_MISTAKES), ids=list(USAGE_MISTAKES))
def test_a_usage_mistake_is_one_line_with_the_fix_before_anything_starts(
    case: str, tmp_path: Path, env: dict[str, str]
) -> None:
    args, fragments = USAGE_MISTAKES[case]
    data = tmp_path / "data"
    done = customs(*(a.format(tmp=tmp_path) for a in args), "--data-dir", str(data), env=env)
    _assert_one_line_error(done, 2, *(f.format(tmp=tmp_path) for f in fragments))
    _assert_nothing_started(done)
    assert not data.exists(), "a data root was created for a command that did not run"


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "--release", "preliminary:2025-11:2025-12-08"],
        ["override", "--release", "preliminary:2025-11:2025-12-08", "--by", "me", "--why", "checked"],
    ],
    ids=["validate", "validate a release", "override"],
)
def test_a_command_that_reads_a_data_root_that_is_not_there_fails_and_creates_nothing(
    args: list[str], tmp_path: Path, env: dict[str, str]
) -> None:
    data = tmp_path / "absent"
    done = customs(*args, "--data-dir", str(data), env=env)
    _assert_one_line_error(done, 1, f"no data root at {data}")
    assert "passed" not in done.output
    assert not data.exists()


@pytest.mark.parametrize("args", [["status"], ["report", "--period", "2025-11"]], ids=["status", "report"])
def test_readers_never_create_the_data_root(args: list[str], tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "absent"
    done = customs(*args, "--data-dir", str(data), env=env)
    assert "Traceback" not in done.output, done.output
    assert not data.exists()


def test_validate_of_a_data_root_with_nothing_staged_does_not_pass(
    tmp_path: Path, env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    done = customs("validate", "--data-dir", str(data), env=env)
    _assert_one_line_error(done, 1, "nothing staged in", "customs ingest")
    assert "passed" not in done.output
    assert [p.name for p in data.iterdir() if p.name != LOCK_NAME] == []  # the writer lock stays, by design


def test_debug_shows_the_traceback_of_an_expected_error(tmp_path: Path, env: dict[str, str]) -> None:
    done = customs("--debug", "validate", "--data-dir", str(tmp_path / "absent"), env=env)
    assert done.exit_code != 0
    assert "Traceback" in done.stderr
    assert "no data root at" in done.stderr


def test_an_invalid_setting_is_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    done = customs(
        "run", "--source", "gacc", "--base-url", "not a url", "--data-dir", str(tmp_path / "d"), env=env
    )
    _assert_one_line_error(done, 2, "invalid setting: gacc_base_url")
    _assert_nothing_started(done)


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """`customs --help` answers at once: Prefect, GX, matplotlib, polars and DuckDB load where used."""
    heavy = ("prefect", "great_expectations", "matplotlib", "polars", "duckdb")
    code = "import sys, flows.cli; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "typer" in loaded
    assert [m for m in heavy if m in loaded] == []


def test_a_run_in_which_every_file_is_quarantined_fails_and_says_each_reason_once(
    tmp_path: Path, harness_env: dict[str, str]
) -> None:
    env = harness_env  # the flow runs: on the worker's Prefect server, not a temporary one
    landing = tmp_path / "landing"
    landing.mkdir()
    for case in ("page-empty-file", "page-unknown-unit"):
        for page in (CORPUS_DIR / case).iterdir():
            (landing / f"{case}-{page.name}").write_bytes(page.read_bytes())
    done = customs(
        "run", "--source", "landing", "--path", str(landing), "--data-dir", str(tmp_path / "d"), env=env
    )
    _assert_one_line_error(done, 1, "every new file was quarantined (2", "none was staged")
    for name in ("page-empty-file-", "page-unknown-unit-"):
        mentions = [line for line in done.output.splitlines() if "quarantined" in line and name in line]
        assert len(mentions) == 1, "\n".join(mentions) or done.output
