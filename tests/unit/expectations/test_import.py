"""The gate's modules import without Great Expectations: GX costs ~3 s and is loaded on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_gate_does_not_import_great_expectations() -> None:
    code = (
        "import sys\n"
        "import expectations, expectations.checks, expectations.parameters, expectations.gate, expectations.suites, expectations.rules, expectations.docs\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'great_expectations')\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
