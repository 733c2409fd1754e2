"""Spec text: every free-text field that reaches a rule file, in every spec format.

A small generator makes hostile text per field (template delimiters and broken actions, YAML
and PromQL punctuation, quotes, backslashes, control and invisible characters, RTL marks,
long runs) and puts it in: SLO descriptions, label keys and values, annotations, alert names
where the pattern allows, `grafana_url`, runbook URLs and selectors in adk-observe/v1; the
description, labels and alert labels and annotations of Sloth files and CRDs; the description,
labels, annotations and display name, and the matchers of OpenSLO queries. Hundreds of such
specs are compiled; each compile either exits 2 with one located line and writes nothing, or
exits 0, and then its rule file loads in `promtool check rules` (one promtool run per batch).

What each field does with such text (docs/security.md lists it too):

- descriptions (every format) are text: a `{{` is written as `{{ "{{" }}`, so Prometheus prints
  the description as written (checked below with promtool's own alert expansion);
- annotations and runbook URLs are templates: checked like Go's parser, refused when invalid;
- label values never hold `{{` (refused: Prometheus expands labels too);
- `grafana_url` refuses braces, quotes, spaces and controls (it starts every dashboard link);
- selectors are parsed as PromQL matchers, refused when Prometheus 2.42 would not read them
  (`or`, quoted label names, RE2-unsafe regexes) and written back canonically (`job="a",` is
  `job="a"`), so the compiler's own matchers never meet a stray comma.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.hostile.test_gotemplate import action, block, mixed

from adk_observe.cli import main

# --- the generator: hostile text per field ------------------------------------------------

PIECES = [
    *("{{", "}}", "{{ oops", "{{end}}", "{{ $x }}", "{{ $labels.job }}", "{{/*", "*/}}"),
    *("{{-", "-}}", '{{ "{{" }}', "{{ else }}", '{{ template "x" }}', "{{{", "}}}"),
    *('"', "'", "`", "\\", "\\n", "\n", "\r\n", "\t", "\x00", "\x07", "\x1b[31m", "\x7f"),
    *("\x85", "\u2028", "\u2029", "\ufeff", "\u200b", "\u202e", "\ufffe", "\U0001f600", "é"),
    *("$value", "${x}", "$1", "%s", "%", "#", "&a", "*a", "---", "...", ": ", "- ", "? "),
    *("|", ">", "<script>", "!!python/object", "~", "null", "true", "0x1f", "1e400", "=~"),
    *(",", ",,", "{", "}", "[", "]", "(", ")", "/", "?", "&", " ", "  "),
]
text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6), st.just("x" * 300)), max_size=6
).map("".join)
# Names as their patterns allow: the longest, digits, dashes and underscores.
slo_names = st.from_regex(r"[a-z0-9]([-a-z0-9_]{0,61}[a-z0-9])?", fullmatch=True)
dns_names = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True)
alert_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,40}", fullmatch=True)
RESERVED = {"service", "slo", "severity", "windows", "burn_factor", "alertname", "le", "budget"}
legal_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: not n.startswith("__") and n not in RESERVED
)
GOOD_REGEXES = ["a|b", "5..", ".*", "(?i)x", "[[:alpha:]]+", "\\d+", "\\pL", "x{2,3}", "(?P<n>a)"]
BAD_REGEXES = ["(?<n>a)", "x{1001}", "(?x)a", "\\Z", "\\p{Emoji}", "\\1", "[", "a**", "(*)"]


@dataclass(frozen=True)
class Fields:
    """One generator per kind of field. `TAME` text is hostile but legal where it goes (so the
    compile must succeed and load); `WILD` text may also be illegal there (exit 2, one line)."""

    label_names: st.SearchStrategy[str]
    label_values: st.SearchStrategy[str]
    annotations: st.SearchStrategy[str]
    url_tails: st.SearchStrategy[str]
    regexes: st.SearchStrategy[str]
    raw_quote: st.SearchStrategy[bool]  # a matcher value put between quotes unescaped
    selector_ends: st.SearchStrategy[str]


TAME = Fields(
    label_names=legal_names,
    label_values=text.map(lambda t: t.replace("{{", "{ {")),
    annotations=st.one_of(text.map(lambda t: t.replace("{{", '{{ "{{" }}')), action, block),
    url_tails=text.map(lambda t: quote(t, safe="/")),
    regexes=st.sampled_from(GOOD_REGEXES),
    raw_quote=st.just(False),
    selector_ends=st.sampled_from(["", ",", " "]),
)
WILD = Fields(
    label_names=st.one_of(
        legal_names, st.sampled_from(["__x", *sorted(RESERVED), "a.b", "9x", "é", "a b"])
    ),
    label_values=text,
    annotations=st.one_of(text, mixed),
    url_tails=text,
    regexes=st.sampled_from(GOOD_REGEXES + BAD_REGEXES),
    raw_quote=st.booleans(),
    selector_ends=st.sampled_from(["", ",", " ", ' or job="x"']),
)
fields = st.sampled_from([TAME, TAME, TAME, WILD])


def labels(f: Fields) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(f.label_names, f.label_values, max_size=3)


def annotations(f: Fields) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(f.label_names, f.annotations, max_size=3)


@st.composite
def matcher(draw: st.DrawFn, f: Fields) -> str:
    name = draw(f.label_names)
    op = draw(st.sampled_from(["=", "!=", "=~", "!~"]))
    value = draw(f.regexes if "~" in op and draw(st.booleans()) else text)
    quoted = f'"{value}"' if draw(f.raw_quote) else json.dumps(value, ensure_ascii=False)
    return f"{name}{op}{quoted}"


@st.composite
def selectors(draw: st.DrawFn, f: Fields) -> str:
    if f is WILD and draw(st.integers(0, 4)) == 0:
        return draw(text)  # anything at all
    parts = draw(st.lists(matcher(f), min_size=1, max_size=3))
    return draw(st.sampled_from([",", ", ", " , "])).join(parts) + draw(f.selector_ends)


def maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any], key: str, out: dict[str, Any]) -> None:
    if draw(st.booleans()):
        out[key] = draw(strategy)


# --- specs in every format ----------------------------------------------------------------

BUILTINS = [
    {"builtin": "success"},
    {"builtin": "latency", "threshold": "500ms"},
    {"builtin": "satisfaction", "good_above": 4.0},
    {"builtin": "cost_per_turn", "threshold": 0.05},
]


@st.composite
def v1_sli(draw: st.DrawFn, f: Fields) -> dict[str, Any]:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return dict(draw(st.sampled_from(BUILTINS)))
    if kind == 1:
        latency: dict[str, Any] = {"metric": "http_request_duration_seconds", "threshold": 0.4}
        maybe(draw, selectors(f), "selector", latency)
        return {"latency": latency}
    sel = draw(selectors(f))
    return {
        "events": {
            "errors": f'sum(rate(http_requests_total{{code="500",{sel}}}[{{{{window}}}}]))',
            "total": f"sum(rate(http_requests_total{{{sel}}}[{{{{window}}}}]))",
        }
    }


@st.composite
def severity(draw: st.DrawFn, f: Fields) -> dict[str, Any]:
    out: dict[str, Any] = {}
    maybe(draw, labels(f), "labels", out)
    maybe(draw, annotations(f), "annotations", out)
    return out


def texts(draw: st.DrawFn, f: Fields, slo: dict[str, Any], severities: tuple[str, str]) -> Any:
    """The free text of an SLO in any format: description, labels, alerting (its mapping, set
    on the SLO, which the caller may add to)."""
    maybe(draw, text, "description", slo)
    maybe(draw, labels(f), "labels", slo)
    alerting: dict[str, Any] = slo.setdefault("alerting", {})
    maybe(draw, alert_names, "name", alerting)
    maybe(draw, labels(f), "labels", alerting)
    maybe(draw, annotations(f), "annotations", alerting)
    for key in severities:
        maybe(draw, severity(f), key, alerting)
    return alerting


@st.composite
def v1_slo(draw: st.DrawFn, name: str, f: Fields) -> dict[str, Any]:
    slo: dict[str, Any] = {"name": name, "objective": 99.5, "sli": draw(v1_sli(f))}
    alerting = texts(draw, f, slo, ("page", "ticket"))
    runbook = f.url_tails.map(lambda t: f"https://runbooks.example.com/{t}")
    maybe(draw, runbook, "runbook_url", alerting)
    sli = slo["sli"]
    if sli.get("builtin") in ("success", "latency", "satisfaction") and draw(st.booleans()):
        slo["group_by"] = ["agent_id"]
    return slo


@st.composite
def v1_spec(draw: st.DrawFn) -> dict[str, Any]:
    f = draw(fields)
    names = draw(st.lists(slo_names, min_size=1, max_size=3, unique=True))
    body: dict[str, Any] = {"slos": [draw(v1_slo(n, f)) for n in names]}
    maybe(draw, selectors(f), "selector", body)
    maybe(draw, f.url_tails.map(lambda t: f"https://g.example.com/{t}"), "grafana_url", body)
    maybe(draw, f.url_tails.map(lambda t: f"https://rb.example.com/{t}"), "runbook_base_url", body)
    if draw(st.booleans()):
        body["budgets"] = [{"name": draw(slo_names), "amount": 100, "period": "7d"}]
    body["alerts"] = {"labels": draw(labels(f))}
    metadata: dict[str, Any] = {"name": draw(dns_names)}
    maybe(draw, labels(f), "labels", metadata)
    return {
        "apiVersion": "adk-observe/v1",
        "kind": "AgentService",
        "metadata": metadata,
        "spec": body,
    }


@st.composite
def sloth_slo(draw: st.DrawFn, name: str, camel: bool, f: Fields) -> dict[str, Any]:
    sel = draw(selectors(f))
    window = "{{.window}}"
    error_key, total_key = ("errorQuery", "totalQuery") if camel else ("error_query", "total_query")
    slo: dict[str, Any] = {
        "name": name,
        "objective": 99.9,
        "sli": {
            "events": {
                error_key: f'sum(rate(http_requests_total{{code="500",{sel}}}[{window}]))',
                total_key: f"sum(rate(http_requests_total{{{sel}}}[{window}]))",
            }
        },
    }
    severities = ("pageAlert", "ticketAlert") if camel else ("page_alert", "ticket_alert")
    texts(draw, f, slo, severities)
    return slo


@st.composite
def sloth_spec(draw: st.DrawFn) -> dict[str, Any]:
    crd, f = draw(st.booleans()), draw(fields)
    names = draw(st.lists(slo_names, min_size=1, max_size=2, unique=True))
    service: dict[str, Any] = {
        "service": draw(dns_names),
        "slos": [draw(sloth_slo(n, crd, f)) for n in names],
    }
    maybe(draw, labels(f), "labels", service)
    if not crd:
        return {"version": "prometheus/v1", **service}
    return {
        "apiVersion": "sloth.slok.dev/v1",
        "kind": "PrometheusServiceLevel",
        "metadata": {"name": draw(dns_names), "namespace": "x"},
        "spec": service,
    }


def _query(query: str) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


@st.composite
def openslo_spec(draw: st.DrawFn) -> dict[str, Any]:
    f = draw(fields)
    sel = draw(selectors(f))
    if draw(st.booleans()):
        indicator: dict[str, Any] = {
            "thresholdMetric": _query(f"apiserver_request_duration_seconds_bucket{{{sel}}}")
        }
        objective: dict[str, Any] = {
            "op": "lte",
            "value": draw(st.sampled_from([0.4, 0.5])),
            "target": 0.99,
        }
    else:
        indicator = {
            "ratioMetric": {
                "counter": True,
                "bad": _query(f'http_requests_total{{code="500",{sel}}}'),
                "total": _query(f"http_requests_total{{{sel}}}"),
            }
        }
        objective = {"target": 0.999}
    maybe(draw, text, "displayName", objective)
    metadata: dict[str, Any] = {"name": draw(dns_names)}
    maybe(draw, text, "displayName", metadata)
    maybe(draw, labels(f), "labels", metadata)
    maybe(draw, st.dictionaries(text, text, max_size=2), "annotations", metadata)
    spec: dict[str, Any] = {
        "service": draw(dns_names),
        "indicator": {"metadata": {"name": "i"}, "spec": indicator},
        "budgetingMethod": "Occurrences",
        "timeWindow": [{"duration": "28d", "isRolling": True}],
        "objectives": [objective],
    }
    maybe(draw, text, "description", spec)
    return {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": metadata, "spec": spec}


specs = st.one_of(v1_spec(), v1_spec(), sloth_spec(), openslo_spec())


# --- running --------------------------------------------------------------------------------


def compile_rules(spec: Path, out: Path) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["compile-rules", str(spec), "-o", str(out)])
    return code, stdout.getvalue(), stderr.getvalue()


def promtool_failures(promtool: str, files: list[Path]) -> set[str]:
    """The files of `files` that `promtool check rules` refuses (one promtool run)."""
    if not files:
        return set()
    proc = subprocess.run(
        [promtool, "check", "rules", *map(str, files)], capture_output=True, text=True, check=False
    )
    report = proc.stdout + proc.stderr
    failed = {str(f) for f in files if f"Checking {f}\n  FAILED" in report or f"{f}: " in report}
    if proc.returncode != 0:
        assert failed, report  # promtool failed, and we must be able to say which file
    return failed


def compile_batch(folder: Path, batch: list[dict[str, Any]]) -> tuple[list[Path], dict[str, str]]:
    """Compile every spec; exit 2 must be one located line and no output. Returns the rule files
    written and, per rule file, the spec text it came from."""
    written: list[Path] = []
    sources: dict[str, str] = {}
    for i, data in enumerate(batch):
        spec = folder / f"spec{i}.yaml"
        spec_text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=2**16)
        spec.write_text(spec_text, encoding="utf-8")
        out = folder / f"out{i}"
        code, _, stderr = compile_rules(spec, out)
        if code == 2:
            assert re.fullmatch(
                rf"(note: [^\n]+\n)*error: {re.escape(str(spec))}:\d+: [^\n]+\n", stderr
            ), (
                stderr,
                spec_text,
            )
            assert not out.exists()
            continue
        assert code == 0, (code, stderr, spec_text)
        for rules in sorted(out.glob("*.rules.yaml")):
            written.append(rules)
            sources[str(rules)] = spec_text
    return written, sources


@pytest.mark.slow
def test_every_compile_that_exits_0_writes_rules_promtool_loads(
    promtool: str, tmp_path: Path
) -> None:
    """300 specs with hostile text in every free-text field, in all four formats: compiled one
    by one, then checked by promtool 50 rule files per run."""
    written: list[Path] = []
    sources: dict[str, str] = {}
    count = [0]

    @settings(
        max_examples=300,
        deadline=None,
        derandomize=True,
        # No shrinking: promtool runs after the examples; the failure names the specs.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(spec=specs)
    def one(spec: dict[str, Any]) -> None:
        files, texts = compile_batch(Path(tempfile.mkdtemp(dir=tmp_path)), [spec])
        written.extend(files)
        sources.update(texts)
        count[0] += 1

    one()
    failed: set[str] = set()
    for i in range(0, len(written), 50):
        failed |= promtool_failures(promtool, written[i : i + 50])
    assert not failed, [sources[f] for f in sorted(failed)]
    assert count[0] >= 300
    # Most hostile text is legal somewhere: a generator refused everywhere would prove nothing.
    assert len(written) >= count[0] // 4, (len(written), count[0])


# --- each field's rule, case by case --------------------------------------------------------------

V1 = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop}
spec:
  selector: 'job="shop"'
  slos:
    - name: success
      objective: 99.9
      sli: {builtin: success}
      alerting: {labels: {route: shop}, annotations: {note: x}}
    - name: reads
      objective: 99
      sli: {latency: {metric: http_request_duration_seconds, threshold: 0.5}}
"""
SELECTOR = "spec.selector: not valid label matchers: "
# (replace this, with this) -> the error line after FILE:
REFUSED: dict[str, tuple[str, str, str]] = {
    "selectors with `or` would silently lose their matchers": (
        "selector: 'job=\"shop\"'",
        'selector: \'job="a" or job="b"\'',
        f"5: {SELECTOR}`or` between matchers needs Prometheus 3; list the matchers with `,`",
    ),
    "a quoted UTF-8 label name is Prometheus 3": (
        "selector: 'job=\"shop\"'",
        'selector: \'"a.b"="x"\'',
        f'5: {SELECTOR}"a.b" is not a Prometheus 2 label name',
    ),
    "a regex Go's RE2 refuses (a**)": (
        "selector: 'job=\"shop\"'",
        'selector: \'job="a",x=~"a**"\'',
        f'5: {SELECTOR}regex "a**": a repetition of nothing or of a repetition (e.g. a**)',
    ),
    "a named group Go 1.19 does not know": (
        "threshold: 0.5}}",
        "threshold: 0.5, selector: 'x=~\"(?<n>a)\"'}}",
        '13: spec.slos[1].sli.latency.selector: not valid label matchers: regex "(?<n>a)": only '
        "(?P<name>...) and the flags i, m, s, U are supported after (?",
    ),
    "a template in grafana_url would break every alert's dashboard_url": (
        "  selector:",
        "  grafana_url: https://grafana.example.com/{{x}}\n  selector:",
        "5: spec.grafana_url: must be the http(s) base URL of Grafana, without query, fragment, "
        "spaces, braces or quotes (e.g. https://grafana.example.com)",
    ),
    "a runbook URL is a template, checked like one": (
        "annotations: {note: x}}",
        "annotations: {note: x}, runbook_url: 'https://r.example.com/{{oops}}'}",
        '10: spec.slos[0].alerting.runbook_url: not a valid alert template: function "oops" '
        "not defined",
    ),
    "a label value never holds a template": (
        "labels: {route: shop}",
        "labels: {route: '{{ $value }}'}",
        "10: spec.slos[0].alerting.labels.route: a label value must not contain a template ({{)",
    ),
    "an annotation is a template: {{end}} alone is refused": (
        "annotations: {note: x}",
        "annotations: {note: '{{end}}'}",
        "10: spec.slos[0].alerting.annotations.note: not a valid alert template: unexpected "
        "{{end}}",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_field_refuses_text_that_would_break_the_rules(case: str, tmp_path: Path) -> None:
    old, new, expected = REFUSED[case]
    assert old in V1
    spec = tmp_path / "spec.yaml"
    spec.write_text(V1.replace(old, new, 1), encoding="utf-8")
    code, stdout, stderr = compile_rules(spec, tmp_path / "out")
    assert (code, stdout, stderr) == (2, "", f"error: {spec}:{expected}\n")
    assert not (tmp_path / "out").exists()


def test_a_selector_is_written_back_canonically(promtool: str, tmp_path: Path) -> None:
    """`job="a",` is legal PromQL; joined with the compiler's own matchers it once gave `,,`."""
    text = V1.replace("selector: 'job=\"shop\"'", 'selector: \' job = "a" , env!~"x|y" ,\'')
    text = text.replace("threshold: 0.5}}", "threshold: 0.5, selector: 'job=\"api\",'}}")
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    code, _, stderr = compile_rules(spec, tmp_path / "out")
    assert (code, stderr) == (0, "")
    rules = (tmp_path / "out" / "shop.rules.yaml").read_text()
    assert ",," not in rules and ",}" not in rules
    assert 'adk_agent_requests_total{job="a",env!~"x|y",status_code=~"5.."}' in rules
    assert 'http_request_duration_seconds_count{job="api"}' in rules
    assert promtool_failures(promtool, [tmp_path / "out" / "shop.rules.yaml"]) == set()


# A description in every template form Prometheus would choke on or expand: it must come out of
# the alert exactly as written.
DESCRIPTION = 'Checkout {{ oops }}, {{end}}, {{ $x }}, }} {{/* c */}} {{- "q" -}} \\ 100% {{{'

DESCRIBED: dict[str, str] = {
    "adk-observe/v1": f"""\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: shop}}
spec:
  slos:
    - name: checkout
      objective: 99.9
      description: {json.dumps(DESCRIPTION)}
      sli:
        events:
          errors: sum(rate(errors_total[{{{{window}}}}]))
          total: sum(rate(requests_total[{{{{window}}}}]))
  alerts: {{enabled: false}}
""",
    "sloth": f"""\
version: prometheus/v1
service: shop
slos:
  - name: checkout
    objective: 99.9
    description: {json.dumps(DESCRIPTION)}
    sli:
      events:
        error_query: sum(rate(errors_total[{{{{.window}}}}]))
        total_query: sum(rate(requests_total[{{{{.window}}}}]))
""",
    "openslo": f"""\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: checkout}}
spec:
  service: shop
  description: {json.dumps(DESCRIPTION)}
  budgetingMethod: Occurrences
  timeWindow: [{{duration: 30d, isRolling: true}}]
  objectives: [{{target: 0.999}}]
  indicator:
    metadata: {{name: checkout}}
    spec:
      ratioMetric:
        counter: true
        bad: {{metricSource: {{type: Prometheus, spec: {{query: errors_total}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: requests_total}}}}}}
""",
}


def _expanded(template: str) -> str:
    """The two templates the burn alerts of this test carry, as Prometheus fills them in with
    every request failing (an error ratio of 1)."""
    return template.replace('{{ "{{" }}', "{{").replace("{{ $value | humanizePercentage }}", "100%")


@pytest.mark.parametrize("fmt", sorted(DESCRIBED))
def test_a_description_comes_out_of_the_alert_as_written(
    promtool: str, tmp_path: Path, fmt: str
) -> None:
    """promtool evaluates the alerts over failing traffic and expands their annotations: the
    description starts with the SLO's description, character for character."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(DESCRIBED[fmt], encoding="utf-8")
    code, _, stderr = compile_rules(spec, tmp_path)
    assert code == 0, stderr
    groups = yaml.safe_load((tmp_path / "shop.rules.yaml").read_text())["groups"]
    rules = [r for g in groups for r in g["rules"]]
    ratio = next(r for r in rules if r.get("record") == "slo:sli_error:ratio_rate5m")
    burns = [r for r in rules if r.get("alert", "").endswith("BudgetBurn")]
    assert len(burns) == 4
    expected = [
        {
            "exp_labels": {**ratio["labels"], **r["labels"]},
            "exp_annotations": {k: _expanded(v) for k, v in r["annotations"].items()},
        }
        for r in burns
    ]
    for alert in expected:
        assert alert["exp_annotations"]["description"].startswith(f"{DESCRIPTION}. The ")
    test = {
        "rule_files": ["shop.rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": "errors_total", "values": "0+60x30"},
                    {"series": "requests_total", "values": "0+60x30"},
                ],
                "alert_rule_test": [
                    {"eval_time": "20m", "alertname": burns[0]["alert"], "exp_alerts": expected}
                ],
            }
        ],
    }
    (tmp_path / "alerts.test.yaml").write_text(yaml.safe_dump(test, allow_unicode=True))
    result = subprocess.run(
        [promtool, "test", "rules", "alerts.test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Regex pieces: RE2 and the Rust regex crate (which the PromQL parser here uses) differ.
_REGEX_PIECES = [
    *("a", "b", "é", ".", "^", "$", "|", "-", "*", "+", "?", "{2}", "{2,}", "{1,3}", "{1001}"),
    *("{3,1}", "{", "}", "(", ")", "(?i)", "(?i:", "(?-s)", "(?x)", "(?u)", "(?P<n>", "(?<n>"),
    *("(?:", "(?=", "[", "]", "[^", "[[:alpha:]]", "[[:word:]]", "[a-z]", "\\d", "\\w", "\\pL"),
    *("\\p{Greek}", "\\p{Emoji}", "\\PN", "\\Q", "\\E", "\\1", "\\x41", "\\x{41}", "\\b", "\\z"),
    *("\\A", "\\Z", "\\<", "\\.", "\\", "&&", "--", "~~"),
]
regexes = st.lists(st.sampled_from(_REGEX_PIECES), min_size=1, max_size=6).map("".join)


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # the failure lists the rule files
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(regexes, min_size=40, max_size=40))
def test_every_regex_a_selector_accepts_loads_in_promtool(
    promtool: str, tmp_path: Path, batch: list[str]
) -> None:
    from adk_observe.loader.promql import canonical_selector

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    files = []
    for i, pattern in enumerate(batch):
        try:
            sel = canonical_selector(f'job="a",x=~{json.dumps(pattern, ensure_ascii=False)}')
        except ValueError:
            continue
        rule = {"record": "r", "expr": f"up{{{sel}}}"}
        path = folder / f"r{i}.yaml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [rule]}]}))
        files.append(path)
    failed = promtool_failures(promtool, files)
    assert not failed, [Path(f).read_text() for f in sorted(failed)]
