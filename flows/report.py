"""The release report: one period's headline figures, partners and validation, from the warehouse.

One `ReportData`, read from the published warehouse (read-only), feeds three outputs: a Markdown
summary and a top-partners table for Prefect artifacts, and a static HTML page with charts. The page
is self-contained (inline CSS, charts as inline SVG drawn by matplotlib, no scripts, no URLs) so it
opens the same from a file share, a mail attachment or an air-gapped machine. Rendering is
deterministic: the same warehouse and period give the same bytes, so a re-run that changes nothing
rewrites an identical file and a diff of two reports shows only what the data changed.
"""

from __future__ import annotations

import io
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import duckdb
import jinja2
import matplotlib
import typer
from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from config.settings import Settings
from domain.partners import WORLD_CODE
from domain.periods import Period
from fileio.atomic import atomic_write_bytes

HISTORY_PERIODS = 24  # periods in the monthly chart, ending at the report's period
TOP_PARTNERS = 10  # partners in the partner table and the y/y chart
PARTNER_MOVES = 5  # partners with the largest change in exports on a year earlier
SURPLUS_PARTNERS = 15  # partners in the surplus chart, by size of surplus or deficit
VALIDATION_FAILURES_SHOWN = 20

SUMMARY_ARTIFACT_KEY = "release-summary"
PARTNERS_ARTIFACT_KEY = "top-partners"

TEMPLATES_DIR = Path(__file__).parent / "templates"
REPORT_TEMPLATE = "report.html.j2"

# English month names, not `calendar.month_name`/`%B`, which follow the process locale: the report's
# bytes must not depend on where it is rendered.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
EXPORTS_COLOUR = "#0072B2"
IMPORTS_COLOUR = "#E69F00"
BALANCE_COLOUR = "#009E73"
NEGATIVE_COLOUR = "#D55E00"
POSITIVE_COLOUR = EXPORTS_COLOUR
HIGHLIGHT_COLOUR = "#EEEEEE"


# --- data -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    """World totals of one period, from bi.monthly_trade (whole currency units, as published)."""

    period: str
    period_start: date
    months_covered: int
    exports_usd: int | None
    imports_usd: int | None
    balance_usd: int | None
    exports_cny: int | None
    imports_cny: int | None
    balance_cny: int | None
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None


@dataclass(frozen=True)
class PartnerRow:
    partner_code: str
    partner_name: str
    exports_usd: int | None
    imports_usd: int | None
    balance_usd: int | None
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None


@dataclass(frozen=True)
class PartnerMove:
    """A partner's exports against the same period a year earlier."""

    partner_code: str
    partner_name: str
    exports_usd: int
    exports_year_earlier_usd: float
    change_usd: float
    change_pct: float | None
    # True when the year-earlier period is not in the warehouse and its value comes from the y/y rate.
    year_earlier_derived: bool


@dataclass(frozen=True)
class SurplusRow:
    partner_code: str
    partner_name: str
    is_group: bool
    balance_usd: int
    balance_ytd_usd: int | None
    balance_rolling_12m_usd: int | None
    share_of_total_balance_pct: float | None


@dataclass(frozen=True)
class SeverityCount:
    severity: str
    passed: int
    failed: int


@dataclass(frozen=True)
class ValidationFailure:
    suite_name: str
    object_name: str
    rule: str
    severity: str
    unexpected_count: int | None


@dataclass(frozen=True)
class ValidationOutcome:
    """The latest gate run recorded in meta.validation_results; `run_id` None when none is."""

    run_id: str | None
    validated_at: datetime | None  # UTC
    counts: tuple[SeverityCount, ...]
    failures: tuple[ValidationFailure, ...]  # the first VALIDATION_FAILURES_SHOWN, critical first

    @property
    def recorded(self) -> bool:
        return self.run_id is not None

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.counts)

    @property
    def critical_failed(self) -> int:
        return sum(c.failed for c in self.counts if c.severity == "critical")

    @property
    def status(self) -> str:
        if not self.recorded:
            return "not recorded"
        if self.critical_failed:
            return "failed"
        return "passed with warnings" if self.failed else "passed"


@dataclass(frozen=True)
class Release:
    release_id: str
    product: str
    published_on: date | None
    status: str
    is_latest_vintage: bool
    file_count: int | None


@dataclass(frozen=True)
class ReportData:
    warehouse_path: Path
    period: str
    totals: Totals
    year_earlier: Totals | None  # the same months a year earlier, when in the warehouse
    history: tuple[Totals, ...]  # up to HISTORY_PERIODS periods ending at `period`, oldest first
    top_partners: tuple[PartnerRow, ...]  # countries by exports, largest first
    partner_moves: tuple[PartnerMove, ...]  # largest absolute change in exports first
    surplus: tuple[SurplusRow, ...]  # every partner but the World, largest surplus first
    validation: ValidationOutcome
    releases: tuple[Release, ...]
    publication_date: date | None
    latest_period: str  # the warehouse's latest period (the report may be about an earlier one)
    ingested_from: str | None  # source of the run that published the warehouse (meta.runs)

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def world_balance_change_usd(self) -> int | None:
        before = self.year_earlier
        if before is None or before.balance_usd is None or self.totals.balance_usd is None:
            return None
        return self.totals.balance_usd - before.balance_usd


_TOTALS_COLUMNS = (
    "period, period_start, months_covered, exports_usd, imports_usd, balance_usd, "
    "exports_cny, imports_cny, balance_cny, exports_yoy_pct, imports_yoy_pct"
)


def load_report_data(warehouse_path: Path, period: str) -> ReportData:
    """Read everything the report shows for `period` (YYYY-MM or YYYY-01..02) from the warehouse.

    Raises FileNotFoundError without a warehouse, and ValueError for a period the warehouse does not
    hold, naming the latest one it does.
    """
    key = Period.parse(period).key
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: run `customs run` first")
    # Read-only, and closed on return: the publish step swaps the file with a rename, and a connection
    # left open would keep serving the old file to later connections in this process.
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        totals = _read_totals(con, "period = ?", key)
        latest = con.execute(
            "SELECT period FROM bi.monthly_trade ORDER BY period_start DESC LIMIT 1"
        ).fetchone()
        if not totals:
            where = f"the latest available period is {latest[0]}" if latest else "it holds no periods"
            raise ValueError(f"period {key} is not in the warehouse {warehouse_path}: {where}")
        assert latest is not None  # the period itself is there
        current = totals[0]
        year_earlier = _read_totals(con, "period = ?", Period.parse(key).year_earlier().key)
        history = _read_totals(con, "period_start <= ?", current.period_start)[-HISTORY_PERIODS:]
        return ReportData(
            warehouse_path=warehouse_path,
            period=key,
            totals=current,
            year_earlier=year_earlier[0] if year_earlier else None,
            history=tuple(history),
            top_partners=_read_top_partners(con, key),
            partner_moves=_read_partner_moves(con, key),
            surplus=_read_surplus(con, key),
            validation=_read_validation(con),
            releases=_read_releases(con, key),
            publication_date=_publication_date(con, key),
            latest_period=latest[0],
            ingested_from=_ingested_from(con),
        )


def _read_totals(con: duckdb.DuckDBPyConnection, where: str, value: object) -> list[Totals]:
    rows = con.execute(
        f"SELECT {_TOTALS_COLUMNS} FROM bi.monthly_trade WHERE {where} ORDER BY period_start", [value]
    ).fetchall()
    return [Totals(*row) for row in rows]


def _read_top_partners(con: duckdb.DuckDBPyConnection, key: str) -> tuple[PartnerRow, ...]:
    rows = con.execute(
        """
        SELECT partner_code, partner_name, exports_usd, imports_usd, balance_usd,
               exports_yoy_pct, imports_yoy_pct
        FROM bi.partner_trade
        WHERE period = ? AND NOT is_group AND partner_code <> ? AND exports_usd IS NOT NULL
        ORDER BY exports_usd DESC, partner_code
        LIMIT ?
        """,
        [key, WORLD_CODE, TOP_PARTNERS],
    ).fetchall()
    return tuple(PartnerRow(*row) for row in rows)


def _read_partner_moves(con: duckdb.DuckDBPyConnection, key: str) -> tuple[PartnerMove, ...]:
    rows = con.execute(
        """
        SELECT c.partner_code, c.partner_name, c.exports_usd, p.exports_usd, c.exports_yoy_pct
        FROM bi.partner_trade AS c
        LEFT JOIN bi.partner_trade AS p ON p.partner_code = c.partner_code AND p.period = ?
        WHERE c.period = ? AND NOT c.is_group AND c.partner_code <> ? AND c.exports_usd IS NOT NULL
        """,
        [Period.parse(key).year_earlier().key, key, WORLD_CODE],
    ).fetchall()
    moves: list[PartnerMove] = []
    for code, name, exports, before, yoy in rows:
        derived = before is None
        if derived:
            # The first year in the warehouse has no year-earlier rows, but GACC publishes a y/y rate
            # for some partners: the year-earlier value it implies is the best figure there is.
            if yoy is None or yoy <= -100:
                continue
            before = exports / (1 + yoy / 100)
        pct = yoy if yoy is not None else (100 * (exports - before) / before if before else None)
        moves.append(PartnerMove(code, name, exports, float(before), float(exports - before), pct, derived))
    moves.sort(key=lambda m: (-abs(m.change_usd), m.partner_code))
    return tuple(moves[:PARTNER_MOVES])


def _read_surplus(con: duckdb.DuckDBPyConnection, key: str) -> tuple[SurplusRow, ...]:
    rows = con.execute(
        """
        SELECT s.partner_code, coalesce(p.partner_name, s.partner_code), coalesce(p.is_group, false),
               s.balance_usd, s.balance_ytd_usd, s.balance_rolling_12m_usd, s.share_of_total_balance_pct
        FROM bi.trade_surplus AS s
        LEFT JOIN bi.partner_trade AS p ON p.period = s.period AND p.partner_code = s.partner_code
        WHERE s.period = ? AND s.partner_code <> ? AND s.balance_usd IS NOT NULL
        ORDER BY s.balance_usd DESC, s.partner_code
        """,
        [key, WORLD_CODE],
    ).fetchall()
    return tuple(SurplusRow(*row) for row in rows)


def _read_validation(con: duckdb.DuckDBPyConnection) -> ValidationOutcome:
    latest = con.execute(
        """
        SELECT run_id, max(timezone('UTC', validated_at)) AS last_validated_at
        FROM meta.validation_results GROUP BY run_id
        ORDER BY last_validated_at DESC, run_id DESC LIMIT 1
        """
    ).fetchone()
    if latest is None:
        return ValidationOutcome(None, None, (), ())
    run_id, validated_at = latest
    # Critical first: it is what stops a release; other severities follow alphabetically.
    counts = con.execute(
        """
        SELECT severity, count(*) FILTER (WHERE success), count(*) FILTER (WHERE NOT success)
        FROM meta.validation_results WHERE run_id = ?
        GROUP BY severity ORDER BY severity <> 'critical', severity
        """,
        [run_id],
    ).fetchall()
    failures = con.execute(
        """
        SELECT suite_name, object_name, rule, severity, unexpected_count
        FROM meta.validation_results WHERE run_id = ? AND NOT success
        ORDER BY severity <> 'critical', severity, suite_name, rule, batch_id
        LIMIT ?
        """,
        [run_id, VALIDATION_FAILURES_SHOWN],
    ).fetchall()
    return ValidationOutcome(
        run_id,
        validated_at,
        tuple(SeverityCount(*row) for row in counts),
        tuple(ValidationFailure(*row) for row in failures),
    )


def _read_releases(con: duckdb.DuckDBPyConnection, key: str) -> tuple[Release, ...]:
    rows = con.execute(
        """
        SELECT release_id, product, published_on, status, is_latest_vintage, file_count
        FROM meta.releases WHERE period = ? ORDER BY published_on NULLS LAST, release_id
        """,
        [key],
    ).fetchall()
    return tuple(Release(*row) for row in rows)


def _publication_date(con: duckdb.DuckDBPyConnection, key: str) -> date | None:
    # The headline figures come from the preliminary release; its latest vintage dates them. Without
    # one (a warehouse fed only from the online query), the newest release of the period does.
    row = con.execute(
        """
        SELECT coalesce(
            max(published_on) FILTER (WHERE product = 'preliminary' AND is_latest_vintage),
            max(published_on))
        FROM meta.releases WHERE period = ?
        """,
        [key],
    ).fetchone()
    return row[0] if row else None


def _ingested_from(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(
            "SELECT source FROM meta.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    except duckdb.CatalogException:  # meta.runs is provenance only: a warehouse without it still reports
        return None
    return row[0] if row else None


# --- formatting -------------------------------------------------------------------------------------
def period_label(key: str) -> str:
    """'2025-12' → 'December 2025'; '2025-01..02' → 'January–February 2025'."""
    p = Period.parse(key)
    months = _MONTHS[p.first_month - 1]
    if p.is_combined:
        months += "–" + _MONTHS[p.last_month - 1]
    return f"{months} {p.year}"


def _date_label(value: date | None) -> str:
    return "n/a" if value is None else f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_amount(value: float | None, unit: str = "US$", *, signed: bool = False) -> str:
    """'US$ 330.3 bn', 'CNY 2,512.3 bn', 'US$ 512 m'; `signed` puts + before increases."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    size = abs(value)
    # Below a billion, tenths of a billion would round partner figures to nothing.
    body = f"{size / 1e9:,.1f} bn" if size >= 999.5e6 else f"{size / 1e6:,.0f} m"
    return f"{unit} {sign}{body}"


def format_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def _bn(value: float | None) -> float | None:
    return None if value is None else round(value / 1e9, 2)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _balance_word(value: float | None) -> str:
    return "deficit" if value is not None and value < 0 else "surplus"


def _validation_sentence(v: ValidationOutcome) -> str:
    if not v.recorded:
        return "No validation results are recorded in the warehouse."
    assert v.validated_at is not None
    counts = "; ".join(f"{c.severity}: {c.passed} passed, {c.failed} failed" for c in v.counts)
    return f"Gate run `{v.run_id}` ({v.validated_at:%Y-%m-%d %H:%M} UTC) {v.status}: {counts}."


# --- Markdown summary and Prefect artifacts ---------------------------------------------------------
def render_markdown_summary(data: ReportData) -> str:
    """The release summary: headline totals with y/y, the biggest partner moves, the validation outcome."""
    t = data.totals
    before = Period.parse(data.period).year_earlier().key
    lines = [f"# China's foreign trade, {data.period_label} (`{data.period}`)", ""]
    published = (
        f"published {data.publication_date.isoformat()}"
        if data.publication_date
        else "publication date unknown"
    )
    combined = (
        f" January and February are published together: {t.months_covered} months."
        if t.months_covered > 1
        else ""
    )
    lines += [
        f"GACC figures {published}; values as published, both currencies, never converted.{combined}",
        "",
        "| | US dollars | yuan | y/y (US$) |",
        "|---|---:|---:|---:|",
        f"| Exports | {format_amount(t.exports_usd)} | {format_amount(t.exports_cny, 'CNY')} | {format_pct(t.exports_yoy_pct)} |",
        f"| Imports | {format_amount(t.imports_usd)} | {format_amount(t.imports_cny, 'CNY')} | {format_pct(t.imports_yoy_pct)} |",
        f"| Balance ({_balance_word(t.balance_usd)}) | {format_amount(t.balance_usd)} "
        f"| {format_amount(t.balance_cny, 'CNY')} "
        f"| {format_amount(data.world_balance_change_usd, signed=True)} on {before} |",
        "",
        f"## Biggest partner moves: exports against {before}",
        "",
    ]
    if data.partner_moves:
        lines += ["| Partner | Exports | Change | y/y |", "|---|---:|---:|---:|"]
        for m in data.partner_moves:
            note = " ¹" if m.year_earlier_derived else ""
            lines.append(
                f"| {_md_cell(m.partner_name)} ({m.partner_code}) | {format_amount(m.exports_usd)} "
                f"| {format_amount(m.change_usd, signed=True)}{note} | {format_pct(m.change_pct)} |"
            )
        if any(m.year_earlier_derived for m in data.partner_moves):
            lines += [
                "",
                f"¹ {before} is not in the warehouse: the change is derived from the published y/y rate.",
            ]
    else:
        lines.append(f"No partner has exports figures for both {data.period} and {before}.")
    lines += ["", "## Validation", "", _validation_sentence(data.validation)]
    if data.validation.failures:
        lines += ["", "| Severity | Suite | Rule | Object | Unexpected rows |", "|---|---|---|---|---:|"]
        for f in data.validation.failures:
            count = "" if f.unexpected_count is None else str(f.unexpected_count)
            lines.append(f"| {f.severity} | {f.suite_name} | `{f.rule}` | {f.object_name} | {count} |")
    return "\n".join(lines) + "\n"


def top_partners_table(data: ReportData) -> list[dict[str, Any]]:
    """Rows for a Prefect table artifact: the top partners by exports, values in US$ billion."""
    return [
        {
            "rank": rank,
            "partner": p.partner_name,
            "partner_code": p.partner_code,
            "exports_usd_bn": _bn(p.exports_usd),
            "exports_yoy_pct": None if p.exports_yoy_pct is None else round(p.exports_yoy_pct, 1),
            "imports_usd_bn": _bn(p.imports_usd),
            "imports_yoy_pct": None if p.imports_yoy_pct is None else round(p.imports_yoy_pct, 1),
            "balance_usd_bn": _bn(p.balance_usd),
        }
        for rank, p in enumerate(data.top_partners, start=1)
    ]


def publish_artifacts(data: ReportData) -> None:
    """Create the `release-summary` (Markdown) and `top-partners` (table) artifacts.

    Call it inside a flow or task run: the artifacts attach to that run, and their stable keys make
    the Prefect UI show each release next to the ones before it.
    """
    # Imported here: rendering a report from the command line has no use for Prefect.
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        markdown=render_markdown_summary(data),
        key=SUMMARY_ARTIFACT_KEY,
        description=f"Release summary, {data.period}",
    )
    create_table_artifact(
        table=top_partners_table(data),
        key=PARTNERS_ARTIFACT_KEY,
        description=f"Top {TOP_PARTNERS} partners by exports, {data.period} (US$ billion, y/y %)",
    )


# --- charts -----------------------------------------------------------------------------------------
# Typed loosely: matplotlib's stubs type rc keys as a Literal of every rcParam name.
_CHART_RC: dict[Any, Any] = {
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
    # matplotlib numbers its ids per figure (axes_1, patch_1, ...): prefixed, three charts in one page
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
    month = "Jan–Feb" if p.is_combined else _MONTHS[p.first_month - 1][:3]
    return f"{month}\n{p.year}" if first or p.first_month == 1 else month


def _no_data(fig: Figure, message: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#555555", transform=ax.transAxes)


def _nan(value: float | None, scale: float = 1e9) -> float:
    return float("nan") if value is None else value / scale


def chart_monthly_trade(history: Sequence[Totals]) -> str:
    """Exports and imports (bars) and the balance (line) over the periods, US$ billion."""
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
        (-width / 2, EXPORTS_COLOUR, [t.exports_usd for t in history]),
        (width / 2, IMPORTS_COLOUR, [t.imports_usd for t in history]),
    ):
        bars = ax.bar([i + offset for i in x], [_nan(v) for v in values], width, color=colour)
        for bar, is_combined in zip(bars, combined, strict=True):
            if is_combined:
                bar.set_hatch("////")
                bar.set_edgecolor("white")
                bar.set_linewidth(0)
    (balance,) = ax.plot(
        x,
        [_nan(t.balance_usd) for t in history],
        color=BALANCE_COLOUR,
        marker="o",
        markersize=3.5,
        linewidth=1.8,
        label="Balance",
    )
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_xticks(x, [_tick_label(t.period, i == 0) for i, t in enumerate(history)], fontsize=7.5)
    ax.set_xlim(-0.6, x[-1] + 0.6)
    ax.set_ylabel("US$ billion")
    ax.grid(axis="y")
    # Legend entries made here: taken from the bars, they would show the first bar's hatch whenever the
    # window starts with a Jan-Feb period.
    handles: list[Any] = [
        Patch(facecolor=EXPORTS_COLOUR, label="Exports"),
        Patch(facecolor=IMPORTS_COLOUR, label="Imports"),
        balance,
    ]
    if any(combined):
        handles.append(Patch(facecolor="#999999", hatch="////", edgecolor="white", label="Jan–Feb combined"))
    ax.legend(handles=handles, loc="upper left", ncols=len(handles), fontsize=8)
    ax.margins(y=0.12)
    return _svg(fig, "monthly-trade", "Monthly exports, imports and balance, US$ billion")


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


def chart_surplus_by_partner(surplus: Sequence[SurplusRow]) -> str:
    """Balance with the partners with the largest surplus or deficit, groups hatched."""
    rows = sorted(surplus, key=lambda r: (-abs(r.balance_usd), r.partner_code))[:SURPLUS_PARTNERS]
    rows.sort(key=lambda r: (r.balance_usd, r.partner_code))  # largest surplus at the top
    fig = _new_figure(5.4, 0.26 * max(len(rows), 4) + 1.0)
    title = "Trade balance by partner, US$ billion"
    if not rows:
        _no_data(fig, "No partner figures for this period")
        return _svg(fig, "surplus-by-partner", title)
    ax = fig.add_subplot()
    values = [r.balance_usd / 1e9 for r in rows]
    bars = ax.barh(
        range(len(rows)),
        values,
        height=0.7,
        color=[POSITIVE_COLOUR if v >= 0 else NEGATIVE_COLOUR for v in values],
    )
    for bar, row in zip(bars, rows, strict=True):
        if row.is_group:
            bar.set_hatch("////")
            bar.set_edgecolor("white")
            bar.set_linewidth(0)
    labels = [_short_name(r.partner_code, r.partner_name) + (" (group)" if r.is_group else "") for r in rows]
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
    if any(r.is_group for r in rows):
        handles.append(
            Patch(facecolor="#999999", hatch="////", edgecolor="white", label="Group of countries")
        )
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    return _svg(fig, "surplus-by-partner", title)


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


# --- HTML -------------------------------------------------------------------------------------------
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def report_filename(period: str) -> str:
    return f"report-{Period.parse(period).key}.html"


def render_html_report(data: ReportData) -> str:
    """The static, self-contained HTML page of the release (identical bytes for identical data)."""
    t = data.totals
    before = Period.parse(data.period).year_earlier().key
    with matplotlib.rc_context(_CHART_RC):
        charts = {
            "monthly": Markup(chart_monthly_trade(data.history)),  # matplotlib's own SVG, not user text
            "surplus": Markup(chart_surplus_by_partner(data.surplus)),
            "yoy": Markup(chart_partner_yoy(data.top_partners, t.exports_yoy_pct)),
        }
    command = f"customs report --period {shlex.quote(data.period)} --data-dir {shlex.quote(str(data.warehouse_path.parent))}"
    return (
        _environment()
        .get_template(REPORT_TEMPLATE)
        .render(
            data=data,
            t=t,
            year_earlier=before,
            history_first=data.history[0].period if data.history else data.period,
            publication_date=_date_label(data.publication_date),
            charts=charts,
            command=command,
            amount=format_amount,
            pct=format_pct,
            balance_word=_balance_word,
            top_partners=TOP_PARTNERS,
            surplus_partners=SURPLUS_PARTNERS,
        )
    )


def write_html_report(warehouse_path: Path, period: str, reports_dir: Path) -> Path:
    """Render the report of `period` to `<reports_dir>/report-<period>.html`, atomically."""
    data = load_report_data(warehouse_path, period)
    target = reports_dir / report_filename(data.period)
    # Written aside and renamed: a browser or a mailer picking the file up never sees half a page.
    atomic_write_bytes(target, render_html_report(data).encode("utf-8"))
    return target


# --- command line -----------------------------------------------------------------------------------
def report_command(
    period: Annotated[
        str, typer.Option("--period", help="Period to report on: YYYY-MM or YYYY-01..02", show_default=False)
    ],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Data root (default: $CUSTOMS_DATA_DIR or ./data)", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Folder to write report-<period>.html to (default: <data root>/reports)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the HTML release report of a period from the published warehouse and print its path."""
    # Settings directly, not flows.ingest.flow.settings_for: that module imports Prefect, which a
    # report has no use for and which takes seconds to import.
    overrides: dict[str, Any] = {"data_dir": data_dir} if data_dir else {}
    settings = Settings(**overrides)
    try:
        path = write_html_report(settings.warehouse_path, period, output or settings.reports_dir)
    except FileNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    except ValueError as error:  # a malformed period, or one the warehouse does not hold
        raise typer.BadParameter(str(error), param_hint="--period") from error
    typer.echo(str(path))
