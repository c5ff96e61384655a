"""The report's charts, drawn by matplotlib as inline SVG (no GUI backend, no pyplot global state)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from domain.periods import Period
from report.data import SURPLUS_PARTNERS, FirstPrint, PartnerRow, SurplusRow, Totals
from report.labels import MONTHS, format_pct

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
EXPORTS_COLOUR = "#0072B2"
IMPORTS_COLOUR = "#E69F00"
BALANCE_COLOUR = "#009E73"
NEGATIVE_COLOUR = "#D55E00"
POSITIVE_COLOUR = EXPORTS_COLOUR
HIGHLIGHT_COLOUR = "#EEEEEE"


# Typed loosely: matplotlib's stubs type rc keys as a Literal of every rcParam name.
CHART_RC: dict[Any, Any] = {
    # A fixed salt makes the SVG's generated ids (clip paths, markers) a function of the drawing only.
    "svg.hashsalt": "customs-report",
    # Text stays text: smaller files, selectable and searchable labels; the page's fonts draw it.
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.axisbelow": True,
    "grid.color": "#DDDDDD",
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
}
# Removing the RDF block leaves no URL in the SVG; only the title stays, as the chart's accessible name.
_NO_METADATA = {"Date": None, "Type": None, "Format": None, "Creator": None}
_SVG_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_SVG_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _svg(fig: Figure, chart_id: str, title: str) -> str:
    """The figure as an <svg> element for inline use in HTML, its ids prefixed with `chart_id`."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={**_NO_METADATA, "Title": title})
    svg = _SVG_PROLOG.sub("", buf.getvalue())
    # The HTML parser puts inline <svg> in the SVG namespace by itself; the declarations are noise.
    svg = _SVG_NAMESPACES.sub("", svg)
    # matplotlib numbers its ids per figure (axes_1, patch_1, ...): prefixed, four charts in one page
    # keep unique ids, and a reference always finds its own chart's clip path or marker.
    svg = svg.replace(' id="', f' id="{chart_id}-')
    svg = svg.replace("url(#", f"url(#{chart_id}-").replace('href="#', f'href="#{chart_id}-')
    return svg.strip()


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    # The Agg canvas: no GUI backend, no pyplot global state; savefig switches to SVG for the output.
    FigureCanvasAgg(fig)
    return fig


def _tick_label(key: str, first: bool) -> str:
    p = Period.parse(key)
    month = "Jan–Feb" if p.is_combined else MONTHS[p.first_month - 1][:3]
    return f"{month}\n{p.year}" if first or p.first_month == 1 else month


def _no_data(fig: Figure, message: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#555555", transform=ax.transAxes)


def _nan(value: float | None, scale: float = 1e9) -> float:
    return float("nan") if value is None else value / scale


def per_month(value: int | None, months_covered: int) -> float | None:
    """A period's value per month: Jan-Feb, published as one figure, shown as its monthly average."""
    return None if value is None else value / months_covered


def chart_monthly_trade(history: Sequence[Totals]) -> str:
    """Exports and imports (bars) and the balance (line) over the periods, US$ billion a month.

    The combined January-February period is drawn as its monthly average (half the published figure),
    hatched: at full height its bars would read as a spike of one month."""
    fig = _new_figure(10, 3.9)
    if not history:
        _no_data(fig, "No periods")
        return _svg(fig, "monthly-trade", "Monthly exports, imports and balance")
    ax = fig.add_subplot()
    x = list(range(len(history)))
    width = 0.4
    combined = [t.months_covered > 1 for t in history]
    ax.axvspan(x[-1] - 0.5, x[-1] + 0.5, color=HIGHLIGHT_COLOUR, zorder=0)
    for offset, colour, values in (
        (-width / 2, EXPORTS_COLOUR, [per_month(t.exports_usd, t.months_covered) for t in history]),
        (width / 2, IMPORTS_COLOUR, [per_month(t.imports_usd, t.months_covered) for t in history]),
    ):
        bars = ax.bar([i + offset for i in x], [_nan(v) for v in values], width, color=colour)
        for bar, is_combined in zip(bars, combined, strict=True):
            if is_combined:
                bar.set_hatch("////")
                bar.set_edgecolor("white")
                bar.set_linewidth(0)
    (balance,) = ax.plot(
        x,
        [_nan(per_month(t.balance_usd, t.months_covered)) for t in history],
        color=BALANCE_COLOUR,
        marker="o",
        markersize=3.5,
        linewidth=1.8,
        label="Balance",
    )
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_xticks(x, [_tick_label(t.period, i == 0) for i, t in enumerate(history)], fontsize=7.5)
    ax.set_xlim(-0.6, x[-1] + 0.6)
    ax.set_ylabel("US$ billion a month")
    ax.grid(axis="y")
    # Legend entries made here: taken from the bars, they would show the first bar's hatch whenever the
    # window starts with a Jan-Feb period.
    handles: list[Any] = [
        Patch(facecolor=EXPORTS_COLOUR, label="Exports"),
        Patch(facecolor=IMPORTS_COLOUR, label="Imports"),
        balance,
    ]
    if any(combined):
        handles.append(
            Patch(facecolor="#999999", hatch="////", edgecolor="white", label="Jan–Feb: monthly average")
        )
    ax.legend(handles=handles, loc="upper left", ncols=len(handles), fontsize=8)
    ax.margins(y=0.12)
    return _svg(fig, "monthly-trade", "Monthly exports, imports and balance, US$ billion a month")


def _short_name(code: str, name: str) -> str:
    # Long group names ('Regional Comprehensive Economic Partnership') would squeeze the bars.
    return name if len(name) <= 20 else code


def _bar_labels(ax: Any, bars: Any, labels: Sequence[str]) -> None:
    for bar, label in zip(bars, labels, strict=True):
        value = bar.get_width()
        ax.annotate(
            label,
            (value if value == value else 0, bar.get_y() + bar.get_height() / 2),  # NaN: at the axis
            xytext=(3 if not value < 0 else -3, 0),
            textcoords="offset points",
            ha="right" if value < 0 else "left",
            va="center",
            fontsize=7.5,
            # A white ground keeps the label legible where it crosses a grid or reference line.
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )


def chart_surplus_by_partner(surplus: Sequence[SurplusRow], *, groups: bool) -> str:
    """Balance with the countries (or, with `groups`, the groups of countries) with the largest surplus
    or deficit. Apart: a group (ASEAN, the EU) overlaps its members, and would top a shared ranking."""
    kind = "group" if groups else "country"
    rows = [r for r in surplus if r.is_group == groups]
    rows = sorted(rows, key=lambda r: (-abs(r.balance_usd), r.partner_code))[:SURPLUS_PARTNERS]
    rows.sort(key=lambda r: (r.balance_usd, r.partner_code))  # largest surplus at the top
    fig = _new_figure(5.4, 0.26 * max(len(rows), 4) + 1.0)
    title = f"Trade balance by {'group of countries' if groups else 'country'}, US$ billion"
    chart_id = f"surplus-by-{kind}"
    if not rows:
        _no_data(fig, f"No {'group' if groups else 'partner'} figures for this period")
        return _svg(fig, chart_id, title)
    ax = fig.add_subplot()
    values = [r.balance_usd / 1e9 for r in rows]
    bars = ax.barh(
        range(len(rows)),
        values,
        height=0.7,
        color=[POSITIVE_COLOUR if v >= 0 else NEGATIVE_COLOUR for v in values],
    )
    labels = [_short_name(r.partner_code, r.partner_name) for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    _bar_labels(ax, bars, [f"{v:,.1f}" for v in values])
    ax.axvline(0, color="#888888", linewidth=0.8)
    ax.set_xlabel("US$ billion (positive: China's surplus)")
    ax.grid(axis="x")
    ax.margins(x=0.14)
    handles = [
        Patch(facecolor=POSITIVE_COLOUR, label="Surplus"),
        Patch(facecolor=NEGATIVE_COLOUR, label="Deficit"),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    return _svg(fig, chart_id, title)


def chart_partner_yoy(partners: Sequence[PartnerRow], world_yoy_pct: float | None) -> str:
    """Exports y/y of the top partners (largest exports at the top), the World's as a dashed line."""
    title = "Exports to the top partners, change on a year earlier, %"
    rows = list(reversed(partners))
    fig = _new_figure(5.4, 0.26 * max(len(rows), 4) + 1.0)
    if not rows or all(p.exports_yoy_pct is None for p in rows):
        _no_data(fig, "No year-earlier figures for this period")
        return _svg(fig, "partner-yoy", title)
    ax = fig.add_subplot()
    values = [_nan(p.exports_yoy_pct, 1) for p in rows]
    bars = ax.barh(
        range(len(rows)),
        values,
        height=0.7,
        color=[NEGATIVE_COLOUR if v < 0 else POSITIVE_COLOUR for v in values],
    )
    ax.set_yticks(range(len(rows)), [_short_name(p.partner_code, p.partner_name) for p in rows], fontsize=8)
    _bar_labels(ax, bars, [format_pct(p.exports_yoy_pct) for p in rows])
    ax.axvline(0, color="#888888", linewidth=0.8)
    if world_yoy_pct is not None:
        ax.axvline(
            world_yoy_pct,
            color="#333333",
            linewidth=1,
            linestyle="--",
            label=f"World {format_pct(world_yoy_pct)}",
        )
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("exports, % change on a year earlier (US$)")
    ax.grid(axis="x")
    ax.margins(x=0.16)
    return _svg(fig, "partner-yoy", title)


def chart_first_print_vs_latest(first_prints: Sequence[FirstPrint]) -> str:
    """China's exports and imports as first printed (hollow markers) and as the latest vintage has them
    (lines), US$ billion a month; below, the difference, US$ million a month.

    Revisions are a few hundredths of a percent of the totals: on the first axes the two prints overlap,
    so the second axes draw the difference on its own scale. Jan-Feb is a monthly average on both, as in
    the monthly chart."""
    title = "China's exports and imports: first print and latest vintage, and the revision"
    fig = _new_figure(10, 4.8)
    drawn = [p for p in first_prints if p.exports_latest_usd is not None or p.imports_latest_usd is not None]
    if not drawn:
        _no_data(fig, "No vintages of China's totals for these periods")
        return _svg(fig, "first-print", title)
    levels, changes = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = list(range(len(first_prints)))
    width = 0.4
    combined = [p.months_covered > 1 for p in first_prints]
    handles: list[Any] = []
    for offset, colour, name, first, latest in (
        (
            -width / 2,
            EXPORTS_COLOUR,
            "Exports",
            [p.exports_first_usd for p in first_prints],
            [p.exports_latest_usd for p in first_prints],
        ),
        (
            width / 2,
            IMPORTS_COLOUR,
            "Imports",
            [p.imports_first_usd for p in first_prints],
            [p.imports_latest_usd for p in first_prints],
        ),
    ):
        months = [p.months_covered for p in first_prints]
        (line,) = levels.plot(
            x,
            [_nan(per_month(v, m)) for v, m in zip(latest, months, strict=True)],
            color=colour,
            linewidth=1.8,
            label=f"{name}, latest",
        )
        (dots,) = levels.plot(
            x,
            [_nan(per_month(v, m)) for v, m in zip(first, months, strict=True)],
            linestyle="none",
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor=colour,
            label=f"{name}, first print",
        )
        handles += [line, dots]
        revisions = [
            None if f is None or v is None else per_month(v - f, m)
            for f, v, m in zip(first, latest, months, strict=True)
        ]
        bars = changes.bar([i + offset for i in x], [_nan(r, 1e6) for r in revisions], width, color=colour)
        for bar, is_combined in zip(bars, combined, strict=True):
            if is_combined:
                bar.set_hatch("////")
                bar.set_edgecolor("white")
                bar.set_linewidth(0)
    levels.set_ylabel("US$ billion a month")
    levels.grid(axis="y")
    levels.margins(y=0.15)
    levels.legend(handles=handles, loc="upper left", ncols=4, fontsize=8)
    changes.axhline(0, color="#888888", linewidth=0.8)
    changes.margins(y=0.15)
    changes.set_ylabel("latest − first print,\nUS$ million a month")
    changes.grid(axis="y")
    if not any(p.exports_revision_usd or p.imports_revision_usd for p in first_prints):
        changes.set_ylim(-1, 1)
        changes.set_yticks([0])
        changes.text(
            0.5,
            0.7,
            "No figure revised since its first print",
            ha="center",
            va="center",
            color="#555555",
            transform=changes.transAxes,
        )
    changes.set_xticks(x, [_tick_label(p.period, i == 0) for i, p in enumerate(first_prints)], fontsize=7.5)
    changes.set_xlim(-0.6, x[-1] + 0.6)
    return _svg(fig, "first-print", title)
