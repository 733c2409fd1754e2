"""Pure generators: ServiceSpec -> Prometheus recording rules and alerts."""

from adk_observe.promql import service_selector
from adk_observe.rules.compile import compile_service
from adk_observe.rules.kinds import narrowed_sli_query, sli_query
from adk_observe.rules.output import prometheus_rule, rule_file, rule_file_name
from adk_observe.rules.sli import SLIQuery

__all__ = [
    "SLIQuery",
    "compile_service",
    "narrowed_sli_query",
    "prometheus_rule",
    "rule_file",
    "rule_file_name",
    "service_selector",
    "sli_query",
]
