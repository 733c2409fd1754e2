"""What every part of the deploy mapper shares: where the section is (to locate an error) and
the facts of the rest of the spec, as the main mapper validated them."""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe.errors import SpecError
from adk_observe.yamlsource import Document, KeyPath, format_path


class Locator:
    """Errors at a key path under the deploy section (or, with `absolute`, anywhere)."""

    def __init__(self, doc: Document, path: KeyPath) -> None:
        self.doc = doc
        self.path = path

    def fail(self, keys: KeyPath, message: str, *, absolute: bool = False) -> SpecError:
        full = keys if absolute else (*self.path, *keys)
        return SpecError(
            message, file=self.doc.file, line=self.doc.line_of(full), path=format_path(full)
        )


@dataclass(frozen=True)
class ServiceFacts:
    """What the deploy checks need from the rest of the spec, as the main mapper validated it:
    never re-read from the raw YAML (whose values the pydantic models may have coerced)."""

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    metrics_port: int
    log_file: str
    slos: tuple[tuple[str, str], ...]  # (SLO name, its custom PromQL SLI key or "")
    # (SLO index, SLO name, threshold seconds) of every latency SLO on the agent's turns.
    latency: tuple[tuple[int, str, float], ...] = ()
    console: str = "stdout"  # telemetry.logging.console
    log_levels: tuple[tuple[tuple[str, ...], str], ...] = ()  # (key path under logging, level)
    shortest_window: int = 0  # seconds: the shortest SLO alert window (a raw rate() range)
    telemetry_env: tuple[str, ...] = ()  # the variables the telemetry section sets in the pod
