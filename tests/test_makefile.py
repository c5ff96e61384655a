"""`make demo` says what it is doing while it sets up .venv (minutes on a first run), then runs the demo.

Make's own dry run (`make -n`) in a copy of the project's Makefile and pyproject.toml shows the commands
it would run, in order, for a fresh clone and for one already set up: setting up for real needs the
network and minutes, so it is not run here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT


def _make_plan(folder: Path, target: str) -> list[str]:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=folder,
        env={**os.environ, "MAKEFLAGS": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _index(plan: list[str], text: str) -> int:
    matches = [i for i, line in enumerate(plan) if text in line]
    assert len(matches) == 1, f"{text!r} in {plan}"
    return matches[0]


def _copy(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO_ROOT / name, tmp_path / name)
    return tmp_path


def test_a_first_make_demo_announces_each_step_of_the_set_up(tmp_path: Path) -> None:
    plan = _make_plan(_copy(tmp_path), "demo")

    assert _index(plan, 'echo "make: creating .venv') < _index(plan, "-m venv .venv")
    installing = _index(plan, 'echo "make: installing dependencies')
    assert "a few minutes" in plan[installing]
    install = _index(plan, "pip install --progress-bar off -e '.[dev]'")
    assert installing < _index(plan, "pip install --quiet --upgrade pip") < install
    # pip lists what it collects and installs: the long step is not silent.
    assert "--quiet" not in plan[install] and "-q" not in plan[install].split()
    assert _index(plan, 'echo "make: .venv is ready"') < _index(plan, 'echo "make: running the demo')
    assert plan[-1] == ".venv/bin/customs run --source demo"


def test_make_demo_once_set_up_only_runs_the_demo(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / ".venv").mkdir()
    (folder / ".venv" / ".installed").touch()  # newer than pyproject.toml: set up

    plan = _make_plan(folder, "demo")

    assert len(plan) == 2
    assert plan[0].startswith('echo "make: running the demo')
    assert plan[1] == ".venv/bin/customs run --source demo"
