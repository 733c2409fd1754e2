"""The report as one self-contained HTML page: inline CSS and SVG, no script, no request.

Per SLO: the error budget remaining across the window (burn-down), and the burn rate of each
alert pair's long window against its threshold, with the spans where the SLO's alerts fired.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from adk_observe.checks.report import Report, SLOReport
from adk_observe.checks.report_history import History
from adk_observe.checks.report_render import NO_DATA, human_duration, percent, timestamp
from adk_observe.promql import number

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 640, 200, 56, 12, 20
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1em;margin:1.5em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:left;font-size:.9em}.bad{color:#b00;font-weight:bold}.ok{color:#070}
.charts{display:flex;flex-wrap:wrap;gap:1em}svg{background:#fafafa;border:1px solid #ddd}
svg text{font-size:11px;fill:#444}.legend{font-size:.8em}
"""


def _path(points: Sequence[tuple[float, float]], x0: float, x1: float, y0: float, y1: float) -> str:
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - 2 * PAD_Y
    out = []
    for i, (t, v) in enumerate(points):
        x = PAD_LEFT + (t - x0) / ((x1 - x0) or 1) * plot_w
        y = PAD_Y + (y1 - min(max(v, y0), y1)) / ((y1 - y0) or 1) * plot_h
        out.append(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}")
    return " ".join(out)


def _y(v: float, y0: float, y1: float) -> float:
    return PAD_Y + (y1 - v) / ((y1 - y0) or 1) * (HEIGHT - 2 * PAD_Y)


def _axes(
    title: str, history: History, y0: float, y1: float, ticks: Sequence[tuple[float, str]]
) -> list[str]:
    bottom = HEIGHT - 4
    parts = [
        f'<text x="{PAD_LEFT}" y="14">{escape(title)}</text>',
        f'<text x="{PAD_LEFT}" y="{bottom}">{timestamp(history.start)}</text>',
        f'<text x="{WIDTH - PAD_RIGHT}" y="{bottom}" text-anchor="end">'
        f"{timestamp(history.end)}</text>",
    ]
    for v, label in ticks:
        y = _y(v, y0, y1)
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ddd"/>'
        )
        parts.append(f'<text x="4" y="{y + 4:.1f}">{escape(label)}</text>')
    return parts


def _budget_chart(slo: SLOReport, history: History) -> str:
    x0, x1 = history.start, history.end
    values = [v for _, v in history.budget]
    y0, y1 = min([0.0, *values]), 1.0
    ticks = [(y0, f"{y0 * 100:.0f}%"), (1.0, "100%")]
    # Deep overspending squeezes 0..100% together: label fewer lines there then.
    if y0 > -5:
        ticks.append((0.0, "0%"))
    if y0 > -1:
        ticks.append((0.5, "50%"))
    parts = _axes("error budget remaining", history, y0, y1, sorted(set(ticks)))
    parts.append(
        f'<path d="{_path(history.budget, x0, x1, y0, y1)}" fill="none" '
        f'stroke="{COLOURS[0]}" stroke-width="2"/>'
    )
    return _svg(f"{slo.name} budget burn-down", parts)


def _burn_chart(slo: SLOReport, history: History) -> str:
    x0, x1 = history.start, history.end
    peak = max([line.factor for line in history.burns] + [1.0])
    top = max([v for line in history.burns for _, v in line.points] + [peak]) * 1.1
    parts = _axes(
        "burn rate (x budget) by alert window; dashed: thresholds",
        history,
        0.0,
        top,
        [(0.0, "0x"), (top / 1.1, f"{top / 1.1:.1f}x")],
    )
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    for span in history.alerts:
        a = PAD_LEFT + (span.start - x0) / ((x1 - x0) or 1) * plot_w
        b = PAD_LEFT + (span.end - x0) / ((x1 - x0) or 1) * plot_w
        colour = "#f4a0a0" if span.severity == "page" else "#f6d58e"
        parts.append(
            f'<rect class="alert" x="{a:.1f}" y="{PAD_Y}" width="{max(b - a, 2):.1f}" '
            f'height="{HEIGHT - 2 * PAD_Y}" fill="{colour}" opacity="0.6">'
            f"<title>{escape(span.severity)} {escape(span.windows)} firing "
            f"{timestamp(span.start)} to {timestamp(span.end)}</title></rect>"
        )
    legend = []
    for i, line in enumerate(history.burns):
        colour = COLOURS[i % len(COLOURS)]
        if line.points:
            parts.append(
                f'<path d="{_path(line.points, x0, x1, 0.0, top)}" fill="none" '
                f'stroke="{colour}" stroke-width="1.5"/>'
            )
        y = _y(line.factor, 0.0, top)
        parts.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-dasharray="4 3"/>'
        )
        legend.append(
            f'<span style="color:{colour}">&#9632; {escape(line.windows)} '
            f"(threshold {number(line.factor)}x)</span>"
        )
    return _svg(f"{slo.name} burn rates", parts) + f'<div class="legend">{" ".join(legend)}</div>'


def _svg(label: str, parts: list[str]) -> str:
    return (
        f'<svg role="img" aria-label="{escape(label)}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(parts)
        + "</svg>"
    )


def _slo_section(service: str, slo: SLOReport) -> str:
    b = slo.budget
    left = slo.budget_remaining
    css = "" if left is None else "bad" if left < 0.25 else "ok"
    exhausted = (
        NO_DATA
        if b is None
        else "not burning"
        if slo.exhaustion_seconds is None
        else "spent"
        if slo.exhaustion_seconds == 0
        else f"in {human_duration(slo.exhaustion_seconds)}"
    )
    rows = [
        ("objective", f"{number(slo.objective)}% over {slo.window.label}"),
        ("SLI", percent(slo.sli)),
        ("budget remaining", f'<span class="{css}">{percent(left, 1)}</span>'),
        (
            "budget",
            NO_DATA if b is None else f"{b.spent:,.1f} of {b.total:,.1f} {b.unit} spent",
        ),
        (
            "burn rates",
            ", ".join(f"{w} {'-' if r is None else f'{r:.2f}x'}" for w, r in slo.burn_rates),
        ),
        ("exhausted (1h burn)", exhausted),
        (
            "firing now",
            ", ".join(f"{f.alertname} {f.severity} {f.windows}" for f in slo.firing) or "none",
        ),
        ("source", f"{slo.source} series"),
    ]
    table = "".join(
        f"<tr><th>{escape(k)}</th><td>{v if k == 'budget remaining' else escape(v)}</td></tr>"
        for k, v in rows
    )
    charts = ""
    if slo.history is not None and b is not None:
        charts = (
            f'<div class="charts"><div>{_budget_chart(slo, slo.history)}</div>'
            f"<div>{_burn_chart(slo, slo.history)}</div></div>"
        )
    elif b is None:
        charts = f"<p>{NO_DATA}: no traffic in the window.</p>"
    return (
        f'<section class="slo" data-service="{escape(service)}" data-slo="{escape(slo.name)}">'
        f"<h3>{escape(service)} / {escape(slo.name)}</h3><table>{table}</table>{charts}</section>"
    )


def render_html(report: Report) -> str:
    from adk_observe.checks.report_summary import html_table

    body = [html_table(report)]  # spec.clusters: the summary first
    for svc in report.services:
        body.append(f"<h2>{escape(svc.name)}</h2>")
        if svc.firing:
            names = ", ".join(f"{f.alertname} ({f.severity})" for f in svc.firing)
            body.append(f"<p>Other alerts firing: {escape(names)}</p>")
        body.extend(_slo_section(svc.name, slo) for slo in svc.slos)
    title = f"Error budgets at {timestamp(report.at)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>Prometheus {escape(report.prometheus)}</p>"
        + "".join(body)
        + "</body></html>\n"
    )
