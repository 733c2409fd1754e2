"""The notification text of every receiver: title, then per alert its summary (`RESOLVED:` first
when it is), the dashboard and the runbook links (the `dashboard_url` and `runbook_url`
annotations the rules set).

The configuration file loads `templates/adk-observe.tmpl`, which defines `adk_observe.title`
and `adk_observe.text`; its receivers call them by name. An AlertmanagerConfig CR cannot bring
a template file, so its receivers carry the same bodies inline: one text, two spellings.
"""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe.conventions import generated_note

TEMPLATE_FOLDER = "templates"
TEMPLATE_FILE = "adk-observe.tmpl"

TITLE = (
    "[{{ .Status | toUpper }}] {{ .CommonLabels.service }}: {{ .CommonLabels.alertname }}"
    "{{ with .CommonLabels.slo }} (SLO {{ . }}){{ end }}"
    "{{ with .CommonLabels.budget }} (budget {{ . }}){{ end }}"
)
TEXT = (
    '{{ range .Alerts }}{{ if eq .Status "resolved" }}RESOLVED: {{ end }}'
    "{{ .Annotations.summary }}\n"
    "{{ with .Annotations.dashboard_url }}Dashboard: {{ . }}\n{{ end }}"
    "{{ with .Annotations.runbook_url }}Runbook: {{ . }}\n{{ end }}"
    "{{ end }}"
)
_NAMES = (("adk_observe.title", TITLE), ("adk_observe.text", TEXT))


@dataclass(frozen=True)
class Texts:
    title: str
    text: str


BY_NAME = Texts(*(f'{{{{ template "{name}" . }}}}' for name, _ in _NAMES))
INLINE = Texts(TITLE, TEXT)


def template_file() -> str:
    """The `.tmpl` file the configuration's `templates:` glob loads."""
    head = (
        f"{{{{/* {generated_note()}\n     Notification text: the summary of each alert with "
        "its dashboard and runbook links. Use it in a receiver, e.g. slack_configs:\n     "
        "[{text: '{{ template \"adk_observe.text\" . }}'}]. */}}\n"
    )
    return head + "".join(
        f'{{{{ define "{name}" }}}}{body}{{{{ end }}}}\n' for name, body in _NAMES
    )
