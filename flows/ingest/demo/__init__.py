"""Bundled demo releases: GACC-format pages rendered from committed synthetic series.

`releases/` holds what `customs run --source demo` ingests without the internet: per reference year
(2023-2025) an index page `releases/<year>/index.html` linking its pages `releases/<year>/pages/*.html`
by relative URL, and one online-query export under `releases/online_query/`. The figures are synthetic
except where shared/docs/facts.md pins them. The generator that renders them lives outside the package,
in `tools/demo/` (`python -m tools.demo.generate`).
"""

from pathlib import Path

RELEASES_DIR = Path(__file__).parent / "releases"
