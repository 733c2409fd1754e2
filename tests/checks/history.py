"""Known histories for the report tests: per-minute counters, `up`, and (optionally) the recorded
series a rule evaluation would have written, as OpenMetrics for `promtool tsdb
create-blocks-from openmetrics`.

Every figure a test expects is computed here from the same per-minute increments, with plain
arithmetic: none of it goes through adk_observe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

MINUTE = 60
HOUR = 3600
DAY = 86400
# 2026-11-03T00:00:00Z: two days after the 1st, so a calendar-month report covers the same two
# days as the SLOs' 2d window. (promtool reads the whole input once per 2h block, so the
# history is kept short: a week of it takes most of a minute to backfill.)
END = 1_793_664_000
WINDOW = 2 * DAY
HISTORY = WINDOW + 2 * HOUR  # the window plus room for the raw range selectors
START = END - HISTORY
RATE = 10.0  # requests per second
BURN_WINDOWS = {"5m": 300, "30m": 1800, "1h": HOUR, "2h": 2 * HOUR, "6h": 6 * HOUR, "1d": DAY}

# (minute index) -> (requests, failed requests, up) during that minute.
Minute = tuple[float, float, int]


@dataclass
class Service:
    name: str
    minute: Callable[[int], Minute]
    recorded_from: int | None = 0  # minute index the recorded series start at; None = never
    job: str = ""  # the job of its raw series: another service's, so the raw data is shared
    alerts: list[tuple[dict[str, str], int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        steps = HISTORY // MINUTE + 1
        self.total = [0.0] * steps  # counter values at START + i minutes
        self.errors = [0.0] * steps
        self.up = [1] * steps
        for i in range(1, steps):
            n, e, up = self.minute(i)
            self.total[i] = self.total[i - 1] + n
            self.errors[i] = self.errors[i - 1] + e
            self.up[i] = up

    # --- the truth, computed from the increments -------------------------------------------------

    def index(self, t: int) -> int:
        return (t - START) // MINUTE

    def ratio(self, end: int, seconds: int) -> float | None:
        """Error ratio of the requests in (end - seconds, end]."""
        a, b = self.index(end - seconds), self.index(end)
        total = self.total[b] - self.total[a]
        return None if total == 0 else (self.errors[b] - self.errors[a]) / total

    def requests(self, end: int, seconds: int) -> float:
        return self.total[self.index(end)] - self.total[self.index(end - seconds)]

    def down_minutes(self, end: int, seconds: int) -> int:
        a, b = self.index(end - seconds), self.index(end)
        return sum(1 for i in range(a + 1, b + 1) if self.up[i] == 0)

    # --- OpenMetrics ------------------------------------------------------------------------------

    def lines(self) -> Iterator[str]:
        steps = len(self.total)
        base = f'job="{self.name}",agent_id="a",method="turn",endpoint="agent"'
        if self.job:  # reads another service's raw series
            yield from self._recorded(len(self.total)) if self.recorded_from is not None else ()
            return
        yield "# TYPE adk_agent_requests counter"
        for code, values in (("200", None), ("500", self.errors)):
            for i in range(steps):
                ok = self.total[i] - self.errors[i]
                v = ok if values is None else values[i]
                series = f'adk_agent_requests_total{{{base},status_code="{code}"}}'
                yield f"{series} {v} {START + i * MINUTE}"
        for i in range(steps):
            yield f'up{{job="{self.name}",instance="a:9464"}} {self.up[i]} {START + i * MINUTE}'
        if self.recorded_from is not None:
            yield from self._recorded(steps)
        for labels, a, b in self.alerts:
            text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            for t in range(a, b + 1, MINUTE):
                yield f"ALERTS{{{text}}} 1 {t}"

    def _recorded(self, steps: int) -> Iterator[str]:
        """What the rules record every minute: 5m event rates (uptime: 5m sample counts) and,
        over the last 10 minutes, the ratio over the 2d period
        (`sum_over_time(errors[2d]) / sum_over_time(total[2d] > 0)`)."""
        first = max(5, self.recorded_from or 0)
        for slo in ("success", "availability"):
            labels = f'service="{self.name}",slo="{slo}"'
            values: dict[str, list[float]] = {}
            for name in ("slo:sli_errors:rate5m", "slo:sli_total:rate5m"):
                values[name] = [0.0] * steps
                for i in range(first, steps):
                    if slo == "success":
                        series = self.errors if "errors" in name else self.total
                        v = (series[i] - series[i - 5]) / 300
                    else:
                        window = self.up[i - 4 : i + 1]
                        v = float(window.count(0) if "errors" in name else len(window))
                    values[name][i] = v
                    yield f"{name}{{{labels}}} {v} {START + i * MINUTE}"
            if self.recorded_from != 0:
                continue  # only where the 5m rates cover the period
            span = WINDOW // MINUTE
            for i in range(steps - 10, steps):
                errors = sum(values["slo:sli_errors:rate5m"][i - span + 1 : i + 1])
                total = sum(values["slo:sli_total:rate5m"][i - span + 1 : i + 1])
                if total > 0:
                    ratio = errors / total
                    yield f"slo:sli_error:ratio_rate2d{{{labels}}} {ratio} {START + i * MINUTE}"
            if slo != "success":
                continue
            # The alert windows' ratios, as the rules record them from the raw counters.
            for text, seconds in BURN_WINDOWS.items():
                back = seconds // MINUTE
                for i in range(steps - 10, steps):
                    total = self.total[i] - self.total[i - back]
                    if total > 0:
                        ratio = (self.errors[i] - self.errors[i - back]) / total
                        name = f"slo:sli_error:ratio_rate{text}"
                        yield f"{name}{{{labels}}} {ratio} {START + i * MINUTE}"


def openmetrics(services: list[Service]) -> str:
    return "\n".join(line for s in services for line in s.lines()) + "\n# EOF\n"


# --- the scenarios ------------------------------------------------------------------------------

INCIDENT_AT = END - 30 * HOUR  # in the 2d window, before the 1d one
INCIDENT_FOR = 2 * HOUR
DOWN_FOR = 30 * MINUTE


def constant(i: int) -> Minute:
    """0.4% of 10 requests/s fail, all the time: 40% of a 99% budget."""
    return RATE * MINUTE, RATE * MINUTE * 0.004, 1


def incident(i: int) -> Minute:
    """0.1% errors, except 20% for 2h in the middle of the window, when the target is also
    down (`up` 0) for 30 minutes."""
    t = START + i * MINUTE
    during = INCIDENT_AT < t <= INCIDENT_AT + INCIDENT_FOR
    down = INCIDENT_AT < t <= INCIDENT_AT + DOWN_FOR
    ratio = 0.2 if during else 0.001
    return RATE * MINUTE, RATE * MINUTE * ratio, 0 if down else 1


def quiet(i: int) -> Minute:
    """Scraped, but no request at all."""
    return 0.0, 0.0, 1


def alert(service: str, slo: str, severity: str, windows: str) -> dict[str, str]:
    return {
        "alertname": f"{service.title().replace('-', '')}SuccessBudgetBurn",
        "alertstate": "firing",
        "service": service,
        "slo": slo,
        "severity": severity,
        "windows": windows,
    }


def scenarios() -> list[Service]:
    return [
        Service(
            "steady",
            constant,
            alerts=[(alert("steady", "success", "ticket", "1d/2h"), END - 6 * HOUR, END)],
        ),
        # Recorded series only for the last day: they do not cover the window -> raw.
        Service("steady-raw", constant, recorded_from=(HISTORY - DAY) // MINUTE, job="steady"),
        Service(
            "incident",
            incident,
            alerts=[
                (
                    alert("incident", "success", "page", "1h/5m"),
                    INCIDENT_AT + 2 * MINUTE,
                    INCIDENT_AT + INCIDENT_FOR + 5 * MINUTE,
                )
            ],
        ),
        Service("incident-raw", incident, recorded_from=None, job="incident"),
        Service("quiet", quiet),
        Service("quiet-raw", quiet, recorded_from=None, job="quiet"),
    ]


def spec_text(service: Service) -> str:
    selector = f"\n  selector: 'job=\"{service.job}\"'" if service.job else ""
    return f"""apiVersion: adk-observe/v1
kind: AgentService
metadata:
  name: {service.name}
spec:{selector}
  slos:
    - {{name: success, objective: 99, window: 2d, sli: {{builtin: success}}}}
    - {{name: availability, objective: 99.5, window: 2d, sli: {{builtin: uptime}}}}
  alert_windows:
    page: [{{long: 1h, short: 5m, factor: 14.4}}, {{long: 6h, short: 30m, factor: 6}}]
    ticket: [{{long: 1d, short: 2h, budget_percent: 10}}]
"""
