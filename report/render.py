"""The release report as text: the Markdown summary, the top partners' table rows, the HTML page.

Rendering is deterministic: the same `ReportData` gives the same bytes.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
from markupsafe import Markup

from domain.periods import Period
from report.charts import CHART_RC, chart_monthly_trade, chart_partner_yoy, chart_surplus_by_partner
from report.data import SURPLUS_PARTNERS, TOP_PARTNERS, ReportData, ValidationOutcome
from report.labels import date_label, format_amount, format_pct

TEMPLATES_DIR = Path(__file__).parent / "templates"
REPORT_TEMPLATE = "report.html.j2"


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
    with matplotlib.rc_context(CHART_RC):
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
            publication_date=date_label(data.publication_date),
            charts=charts,
            command=command,
            amount=format_amount,
            pct=format_pct,
            balance_word=_balance_word,
            top_partners=TOP_PARTNERS,
            surplus_partners=SURPLUS_PARTNERS,
        )
    )
