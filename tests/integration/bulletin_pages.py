"""Monthly Bulletin pages written in the Bulletin's template (tests/fixtures/bulletin/README.md): a heading
and table title `(N) <description>, M.YYYY`, a `Unit: US$1,000` row (or none), `Exports`/`Imports` over
the month `M` and `1 to M`, each value row followed by its shaded y/y % row, notes below.
The figures are the tests' own (in US$1,000): none is copied from GACC's pages."""

from __future__ import annotations

from datetime import date
from html import escape

Figures = tuple[int | None, int | None, int | None, int | None]  # export M, export 1 to M, import M, 1 to M
Yoys = tuple[float | None, float | None, float | None, float | None]

CUSTOMS_REGIME = "(5) Imports and Exports by Customs Regime"
BY_COUNTRY = "(6) Imports and Exports by Country (Region) of Origin/Destination"


def _cell(figure: float | None, *, value: bool) -> str:
    if figure is None:
        return "<td>-</td>"
    return f"<td>{figure:,}&nbsp;</td>" if value else f"<td>{figure:.1f}</td>"


def bulletin_page(
    description: str,
    year: int,
    month: int,
    published_on: date,
    rows: dict[str, Figures],
    yoys: dict[str, Yoys] | None = None,
    *,
    unit_row: bool = True,
) -> bytes:
    """A Bulletin page; `rows` label -> (export M, export 1 to M, import M, import 1 to M) in US$1,000."""
    title = f"{description}, {month}.{year}"
    label_header = "Customs Regime" if "Regime" in description else "Country (Region)"
    body = [
        f'<tr><td colspan="5">{escape(title)}</td></tr>',
        '<tr><td colspan="5">Unit: US$1,000</td></tr>' if unit_row else "",
        f'<tr><td rowspan="2">{label_header}</td><td colspan="2">Exports</td><td colspan="2">Imports</td></tr>',
        f"<tr><td>{month}</td><td>1 to {month}</td><td>{month}</td><td>1 to {month}</td></tr>",
    ]
    for label, figures in rows.items():
        yoy = (yoys or {}).get(label, (None, None, None, None))
        values = "".join(_cell(f, value=True) for f in figures)
        shaded = "".join(_cell(f, value=False) for f in yoy)
        body.append(f'<tr><td rowspan="2">{escape(label)}</td>{values}</tr>')
        body.append(f"<tr>{shaded}</tr>")
    body.append(
        '<tr><td colspan="5">1、Figures in shaded areas refer to percentage change over the same period '
        "in the previous year.</td></tr>"
    )
    page = f"""<!DOCTYPE html>
<html>
<head><meta charset="UTF-8"><title>{escape(title)}</title></head>
<body>
<div class="atcl">
<div class="atcl-main"><div class="atcl-ttl">{escape(title)}</div></div>
<div class="atcl-date">{published_on:%Y/%m/%d}</div>
<div class="atcl-cnt"><table>
<tbody>
{chr(10).join(line for line in body if line)}
</tbody>
</table></div>
</div>
</body>
</html>
"""
    return page.encode()
