"""The summary a fleet report opens with (spec.clusters): one row per SLO (the fleet's figures)
and per cluster and group of it, worst budget first, in every format."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from adk_observe.checks.report import Report
from adk_observe.checks.report_fleet import HOUR, Groups
from adk_observe.durations import format_seconds
from adk_observe.errors import printable

NO_DATA = "no data"
FLEET = "fleet"


# In a Markdown table cell (a pull-request comment): `|` would end the cell, `<...>` is HTML
# to GitHub, and the rest is emphasis, code or link syntax; each is written as itself.
_MARKDOWN = str.maketrans(
    {**{ch: f"\\{ch}" for ch in "\\`*_[]|~"}, "<": "&lt;", ">": "&gt;", "&": "&amp;"}
)


def md(text: str) -> str:
    """Text (from a spec or a Prometheus answer) as a literal Markdown table cell."""
    return printable(text).translate(_MARKDOWN)


@dataclass(frozen=True)
class SummaryRow:
    service: str
    slo: str
    groups: Groups  # () for the fleet
    budget_remaining: float | None
    error_ratio: float | None
    burn_1h: float | None
    firing: int

    @property
    def where(self) -> str:
        return printable(", ".join(f"{k}={v}" for k, v in self.groups)) or FLEET


def _order(row: SummaryRow) -> tuple[bool, float, str, str, str]:
    # A figure that cannot be read counts as the worst: it comes first.
    value = row.budget_remaining
    known = value is not None
    return (known, value if value is not None else 0.0, row.service, row.slo, row.where)


def summary_rows(report: Report) -> list[SummaryRow]:
    """Empty when no SLO of the report has per-cluster rows (no spec.clusters)."""
    rows = []
    for svc in report.services:
        for slo in svc.slos:
            if not slo.groups:
                continue
            burn = slo.burn(format_seconds(HOUR))
            rows.append(
                SummaryRow(
                    svc.name,
                    slo.name,
                    (),
                    slo.budget_remaining,
                    slo.error_ratio,
                    burn,
                    len(slo.firing),
                )
            )
            rows += [
                SummaryRow(
                    svc.name,
                    slo.name,
                    g.groups,
                    g.budget_remaining,
                    g.error_ratio,
                    g.burn_1h,
                    len(g.firing),
                )
                for g in slo.groups
            ]
    return sorted(rows, key=_order)


def _pct(value: float | None, digits: int) -> str:
    return NO_DATA if value is None else f"{value * 100:.{digits}f}%"


def _burn(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _cells(row: SummaryRow) -> list[str]:
    return [
        printable(row.service),
        printable(row.slo),
        row.where,
        _pct(row.budget_remaining, 1),
        _pct(row.error_ratio, 3),
        _burn(row.burn_1h),
        str(row.firing),
    ]


HEADER = ["service", "SLO", "cluster / group", "budget left", "error ratio", "1h burn", "firing"]


def text_lines(report: Report) -> list[str]:
    rows = [_cells(r) for r in summary_rows(report)]
    if not rows:
        return []
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = ["", "Summary (worst budget first)", "  " + fmt.format(*HEADER).rstrip()]
    out += ["  " + fmt.format(*r).rstrip() for r in rows]
    return out


def markdown_lines(report: Report) -> list[str]:
    rows = summary_rows(report)
    if not rows:
        return []
    out = [
        "### Summary (worst budget first)",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    out += ["| " + " | ".join(md(cell) for cell in _cells(r)) + " |" for r in rows]
    return [*out, ""]


def html_table(report: Report) -> str:
    rows = summary_rows(report)
    if not rows:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADER)
    body = []
    for row in rows:
        bad = row.budget_remaining is None or row.budget_remaining <= 0
        cells = "".join(f"<td>{escape(c)}</td>" for c in _cells(row))
        body.append(f'<tr class="{"bad" if bad else "ok"}">{cells}</tr>')
    return f"<h2>Summary (worst budget first)</h2><table><tr>{head}</tr>{''.join(body)}</table>"


def json_rows(report: Report) -> list[dict[str, object]]:
    return [
        {
            "service": r.service,
            "slo": r.slo,
            "groups": dict(r.groups),
            "budget_remaining": None
            if r.budget_remaining is None
            else round(r.budget_remaining, 9),
            "error_ratio": None if r.error_ratio is None else round(r.error_ratio, 9),
            "burn_1h": None if r.burn_1h is None else round(r.burn_1h, 9),
            "firing": r.firing,
        }
        for r in summary_rows(report)
    ]
