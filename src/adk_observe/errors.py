"""Typed errors. Each names the file, line and key path so the user can go straight there."""

from __future__ import annotations

import re

QUOTE_LIMIT = 80
MESSAGE_LIMIT = 1000  # bounds any message; values in it are quoted shorter (QUOTE_LIMIT)


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`repr(value)` cut to about `limit` characters: an error quotes what was wrong, never a
    whole hostile value (a 10 MB string, a template, a line break)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message on one line of bounded length, whatever a parser or validator put in it."""
    flat = " ".join(text.splitlines())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# Characters that act on a terminal or hide text rather than show it: C0 and C1 controls (ANSI
# escapes start with ESC or CSI), DEL, line and paragraph separators, zero-width and bidi
# formatting characters (U+202E reverses what follows), the BOM, and lone surrogates (which no
# output encoding can write).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Outside text (a Prometheus answer, a label value, a path) safe to show on a terminal, in
    a log or in a table cell: every character above written as a visible `\\xNN`/`\\uNNNN`
    escape (so nothing acts on the terminal, and nothing is silently hidden), cut to `limit`."""
    safe = _UNPRINTABLE.sub(_escape, text)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


class AdkObserveError(Exception):
    """Base of every error the CLI turns into exit code 2."""


class SpecError(AdkObserveError):
    """A spec that cannot be used: bad YAML, unknown key, wrong type, inconsistent values."""

    def __init__(self, message: str, *, file: str, line: int | None = None, path: str = "") -> None:
        self.message = one_line(message)
        self.file = file
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" {self.path}:" if self.path else ""
        return f"{where}:{key} {self.message}"


class OptionError(AdkObserveError):
    """A command-line option that does not apply (or not with the others given): exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class OutputError(AdkObserveError):
    """The output directory cannot be written."""


class CommandOptionError(AdkObserveError):
    """A command-line option, or the file it names, that cannot be used (exit code 2)."""


class PrometheusUnavailableError(Exception):
    """Prometheus cannot be reached or gave an answer that cannot be used (exit code 3).

    Not an AdkObserveError: the input was fine, the service it needs was not.
    """


class PrometheusQueryError(PrometheusUnavailableError):
    """Prometheus answered and rejected the query (bad PromQL, a query it cannot run): an
    answer that cannot be used, like its parent, but one a canary measurement reports as its
    own error (Argo's Error phase) rather than as an unreachable server."""
