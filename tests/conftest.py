"""Shared test settings: where the real GACC samples are, when they are there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def samples_dir() -> Path:
    return Path(os.environ.get("CUSTOMS_GACC_SAMPLES", REPO_ROOT.parent / "shared" / "gacc-samples"))


@pytest.fixture(scope="session")
def gacc_samples() -> Path:
    """The verbatim GACC pages beside the repository; a test that needs them skips, saying why."""
    folder = samples_dir()
    if not folder.is_dir():
        pytest.skip(f"GACC samples folder absent: {folder} (set CUSTOMS_GACC_SAMPLES to run this test)")
    return folder
