"""The demo generator: renders the bundled demo releases from committed synthetic series.

`python -m tools.demo.generate` writes `flows/ingest/demo/releases/` (what `customs run --source demo`
ingests, shipped as package data); `--check` compares instead of writing. Not installed with the package:
only the rendered pages are needed at run time. See `generate.py` (rendering), `releases.py` (how the
published figures follow from the series), `design_series.py` (how the series in `series/` were made).
"""

from pathlib import Path

from flows.ingest.demo import RELEASES_DIR

SERIES_DIR = Path(__file__).parent / "series"

__all__ = ["RELEASES_DIR", "SERIES_DIR"]
