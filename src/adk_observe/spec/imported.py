"""Checks every importer applies to the labels it maps (Sloth, OpenSLO)."""

from __future__ import annotations

from adk_observe import conventions as c

# The compiler sets these on every SLO series and alert; a spec label of the same name would be
# overwritten (or overwrite ours and break the alert selectors), so it is refused, as v1 does.
_RESERVED = frozenset({c.LABEL_SERVICE, c.LABEL_SLO, c.LABEL_WINDOWS, c.LABEL_BURN_FACTOR})


def reserved_label_error(key: str, severity_allowed: bool = False) -> str | None:
    """Why label `key` cannot be set by an imported spec, or None.

    `severity` is allowed where it only overrides the alert's severity on purpose (a Sloth
    page_alert/ticket_alert label); elsewhere it would be overwritten on the alerts.
    """
    if key in _RESERVED or (key == c.LABEL_SEVERITY and not severity_allowed):
        return (
            f"{key!r} is set by the compiler on every SLO series and alert; a spec label of "
            "that name would be overwritten, so rename it"
        )
    return None
