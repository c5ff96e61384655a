"""The flows import what every run uses and nothing else: Great Expectations is imported by the gate,
matplotlib and Jinja by the report, and Prefect's server modules only by the temporary server's own
process (issue 11: the fixed overhead of a run)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

_LOADED = (
    "import sys, flows.monthly, flows.backfill, flows.ingest.flow, flows.prefect_server\n"
    "print(' '.join(sorted(m for m in sys.modules)))"
)


def test_importing_the_flows_leaves_the_gate_the_report_and_the_server_modules_out() -> None:
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", _LOADED],
            cwd=REPO_ROOT,
            env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    assert "prefect" in loaded and "polars" in loaded  # what the flows themselves use
    packages = {m.split(".")[0] for m in loaded}
    assert sorted(packages & {"great_expectations", "pandas", "matplotlib", "jinja2", "sqlalchemy"}) == []
    assert sorted(m for m in loaded if m.startswith("prefect.server")) == []
