"""Checks every importer applies to the labels it maps (Sloth, OpenSLO)."""

from __future__ import annotations

from adk_observe import conventions as c

# validate.py refuses these in SLO labels for every format; an importer also maps labels that
# land elsewhere (service labels, alert labels), where the same names would be overwritten (or
# overwrite ours and break the alert selectors), so it refuses them there too.
_RESERVED = frozenset(
    {c.LABEL_SERVICE, c.LABEL_SLO, c.LABEL_WINDOWS, c.LABEL_BURN_FACTOR}
    | {c.LABEL_TIER, c.LABEL_CHANGE_FREEZE}
)


def reserved_label_error(key: str, severity_allowed: bool = False) -> str | None:
    """Why label `key` cannot be set by an imported spec, or None.

    `severity` is allowed where it only overrides the alert's severity on purpose (a Sloth
    page_alert/ticket_alert label); elsewhere it would be overwritten on the alerts.
    """
    if key in _RESERVED or (key == c.LABEL_SEVERITY and not severity_allowed):
        # The same words as the one validation (validate.py) uses for SLO labels.
        return f"{key!r} is set by the compiler on every SLO series and alert"
    return None
