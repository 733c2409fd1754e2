"""Field types shared by the spec formats: durations, percentages, names, label maps."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from adk_observe import conventions as c
from adk_observe import kube
from adk_observe.durations import DECIMAL_PATTERN, decimal_seconds, format_seconds, parse_ms
from adk_observe.errors import quote
from adk_observe.loader import gotemplate

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
SLO_NAME = r"^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$"
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
ALERT_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
_DURATION_PATTERN = r"^([0-9]+(ms|s|m|h|d|w))+$"


def _defaults_as_written(schema: dict[str, Any]) -> None:
    """A duration's default in the JSON Schema as a spec writes it (`30d`), not in seconds."""
    for prop in schema.get("properties", {}).values():
        default = prop.get("default")
        if prop.get("pattern") == _DURATION_PATTERN and type(default) is int:
            prop["default"] = format_seconds(default)


class Strict(BaseModel):
    """Every spec object: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        strict=True,
        allow_inf_nan=False,
        json_schema_extra=_defaults_as_written,
    )


def _duration_ms(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("must be a duration string like 30s, 5m, 1h or 30d")
    return parse_ms(value)


def _seconds(value: Any) -> int:
    ms = _duration_ms(value)
    if ms % 1000:
        raise ValueError("must be a whole number of seconds")
    return ms // 1000


def _latency_seconds(value: Any) -> float:
    """`500ms`, `2s`, `1.5s` (durations.decimal_seconds) or a plain number of seconds."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):  # null: left empty
        raise ValueError("must be a duration like 500ms or a number of seconds")
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError("must be greater than zero")
        return float(value)
    decimal = decimal_seconds(value) if isinstance(value, str) else None
    return _duration_ms(value) / 1000 if decimal is None else decimal


def _ratio(value: Any) -> float:
    """`5%` or 0.05."""
    if isinstance(value, bool):
        raise ValueError("must be a percentage like 5% or a ratio like 0.05")
    if isinstance(value, str):
        text = value.strip()
        if not text.endswith("%"):
            raise ValueError("must be a percentage like 5% or a ratio like 0.05")
        try:
            value = float(text[:-1]) / 100
        except ValueError:
            raise ValueError("must be a percentage like 5% or a ratio like 0.05") from None
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError("must be between 0% and 100%")
    return float(value)


_BYTES = {
    "": 1,
    "B": 1,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}


def _bytes(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"(\d+)\s*([KMG]i?B|B)?", value.strip())
        if match:
            return int(match.group(1)) * _BYTES[match.group(2) or ""]
    raise ValueError("must be a size like 100MiB or a number of bytes")


def _label_name(key: str) -> str:
    if not LABEL_NAME.fullmatch(key):
        raise ValueError(f"{quote(key)} is not a valid Prometheus label name")
    if key.startswith("__"):
        raise ValueError(f"{quote(key)}: label names starting with __ are reserved by Prometheus")
    return key


def compiler_label(key: str) -> str | None:
    """Why a spec may not set label `key`, or None: the compiler sets it on what it generates
    (conventions.SLO_LABELS, BUDGET_LABELS) and Prometheus sets `alertname`. The Alertmanager
    routes and inhibits on them: a `service` label would detach an alert from its service."""
    if key in c.SLO_LABELS:
        return "is set by the compiler on every SLO series and alert"
    if key in c.BUDGET_LABELS:
        return "is set by the compiler on every spend-budget series and alert"
    if key == c.LABEL_ALERTNAME:
        return "is set by the compiler on every alert"
    if key == c.LABEL_CHANGE_FREEZE:
        return "is set by the compiler on every budget-exhausted alert"
    return None


def reserved_label_error(key: str, severity_allowed: bool = False) -> str | None:
    """Why an importer may not map label `key` (an SLO, service or alert label), or None.
    `severity` is allowed where it overrides the alert's severity on purpose (a Sloth
    page_alert/ticket_alert label)."""
    if severity_allowed and key == c.LABEL_SEVERITY:
        return None
    why = compiler_label(key)
    return f"{key!r} {why}" if why else None


def _alert_label_name(key: str) -> str:
    if why := compiler_label(key):
        raise ValueError(f"{key!r} {why}")
    return key


def _severity_label_name(key: str) -> str:
    """Per-severity labels may rename the severity (e.g. `severity: critical` for pages)."""
    if key != c.LABEL_SEVERITY and (why := compiler_label(key)):
        raise ValueError(f"{key!r} {why}")
    return key


def _label_value(value: str) -> str:
    # Prometheus expands templates in alert labels too: `{{ $value }}` in a label makes a new
    # alert (and a new route) at every evaluation, and a broken one makes the file unloadable.
    if "{{" in value:
        raise ValueError("a label value must not contain a template ({{)")
    return value


def label_problem(key: str, value: str) -> str | None:
    """Why `key: value` cannot be an alert label (for importers that build labels by hand)."""
    try:
        _alert_label_name(_label_name(key))
        _label_value(value)
    except ValueError as exc:
        return str(exc)
    return None


def _annotation(text: str) -> str:
    if err := gotemplate.error(text):
        raise ValueError(err)
    return text


def _http_url(value: str) -> str:
    """A runbook link: http(s) only (no javascript: or file: links in the alert), one line,
    and a valid template since it is an annotation."""
    parts = urlsplit(value) if value.isprintable() and " " not in value else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http:// or https:// URL (got {quote(value)})")
    return _annotation(value)


# The JSON Schema describes what a user writes (`30d`, `500ms`, `5%`, `100MiB`), not the number
# it is parsed to, so editors accept the spec the loader accepts.
_DURATION_SCHEMA = {"type": "string", "pattern": _DURATION_PATTERN}
Seconds = Annotated[int, BeforeValidator(_seconds), WithJsonSchema(_DURATION_SCHEMA)]
LatencySeconds = Annotated[
    float,
    BeforeValidator(_latency_seconds),
    WithJsonSchema(
        {
            "anyOf": [
                _DURATION_SCHEMA,
                {"type": "string", "pattern": DECIMAL_PATTERN},
                {"type": "number", "exclusiveMinimum": 0},
            ]
        }
    ),
]
Ratio = Annotated[
    float,
    BeforeValidator(_ratio),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?%$"},
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            ]
        }
    ),
]
Bytes = Annotated[
    int,
    BeforeValidator(_bytes),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[0-9]+\s*([KMG]i?B|B)?$"},
                {"type": "integer", "exclusiveMinimum": 0},
            ]
        }
    ),
]
LabelName = Annotated[str, AfterValidator(_label_name)]
LabelValue = Annotated[str, AfterValidator(_label_value)]
AlertLabelName = Annotated[str, AfterValidator(_label_name), AfterValidator(_alert_label_name)]
SeverityLabelName = Annotated[
    str, AfterValidator(_label_name), AfterValidator(_severity_label_name)
]
Labels = dict[AlertLabelName, LabelValue]
SeverityLabels = dict[SeverityLabelName, LabelValue]
AnnotationText = Annotated[str, AfterValidator(_annotation)]
Annotations = dict[LabelName, AnnotationText]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
DnsName = Annotated[str, Field(pattern=DNS_LABEL, max_length=63)]
SloName = Annotated[str, Field(pattern=SLO_NAME, max_length=63)]
AlertName = Annotated[str, Field(pattern=ALERT_NAME)]
# Sloth's service and SLO names (its conventions.NameRegexp: alphanumerics, `-`, `_`, `.`,
# starting and ending alphanumeric; one character is accepted here too). Sloth's CRD caps an SLO
# name at 128 characters; the same cap on services and in files keeps every file named after
# them (`<service>.<target>.rules.cluster-test.yaml`, `slo-<slo>-budget-exhausted.md`) under
# the file systems' 255 bytes. Where such a name cannot go as written, identifiers.py derives.
SLOTH_NAME = r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
SLOTH_NAME_MAX = 128


def _sloth_name(value: str) -> str:
    if not re.fullmatch(SLOTH_NAME, value):
        raise ValueError(
            f"{quote(value)} is not a Sloth name: it starts and ends with a letter or digit and "
            "holds only letters, digits, -, _ and ."
        )
    return value


SlothName = Annotated[str, Field(max_length=SLOTH_NAME_MAX), AfterValidator(_sloth_name)]
# A Sloth alert name: Sloth only requires one; Prometheus does not check it. Its legacy metric
# name characters and `-` and `.` (`slo_foo-bar_grpc-latency-percentile-90_fail`, from Sloth's
# examples/victoria-metrics.yml) keep it one word in matchers, file names and runbooks.
SLOTH_ALERT_NAME = r"^[A-Za-z0-9_:][-A-Za-z0-9_.:]*$"
SlothAlertName = Annotated[str, Field(pattern=SLOTH_ALERT_NAME)]


def _kube_label_key(key: str) -> str:
    if not kube.label_key_ok(key):
        raise ValueError(f"{quote(key)} is not a valid Kubernetes label key")
    return key


def _kube_label_value(value: str) -> str:
    if not kube.label_value_ok(value):
        raise ValueError(
            f"{quote(value)} is not a valid Kubernetes label value ({kube.LABEL_VALUE_RULE})"
        )
    return value


# Labels of a Kubernetes object (a rendered workload, a Sloth CRD's metadata).
KubeLabels = dict[
    Annotated[str, AfterValidator(_kube_label_key)],
    Annotated[str, AfterValidator(_kube_label_value)],
]


def member_of(values: tuple[str, ...]) -> AfterValidator:
    """A string that must be one of `values`: a core tuple, so a spec field does not restate it
    as a Literal (use with `enum_schema(values)`)."""

    def check(value: str) -> str:
        if value not in values:
            raise ValueError(f"must be one of {', '.join(values)} (got {quote(value)})")
        return value

    return AfterValidator(check)


def enum_schema(values: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(values)})
