"""Priority rules of service.yml: critical conditions are P1, error codes map by severity
(critical P1, fault P2, warning P3, info P4), questions and service requests are P4."""

from __future__ import annotations

from tickets.catalog import PRIORITIES, Catalog

SEVERITY_PRIORITY = {"critical": "P1", "fault": "P2", "warning": "P3", "info": "P4"}


def derive_priority(*, catalog: Catalog, ticket_type: str, requested: str | None,
                    escalation_reason: str | None, error_code: str | None, family: str | None,
                    production_down: bool = False) -> str:
    """The ticket's priority: the highest of what the caller asked and what the rules say.

    A caller may raise a priority but never lower it below the rules (a critical condition stays
    P1 even if the assistant asked for P3)."""
    candidates: list[str] = []
    if requested:
        candidates.append(requested)
    if escalation_reason == "critical" or production_down:
        candidates.append("P1")
    if error_code:
        severity = catalog.error_severity(family, error_code)
        if severity in SEVERITY_PRIORITY:
            candidates.append(SEVERITY_PRIORITY[severity])
    if ticket_type == "incident":
        candidates.append("P3")
    elif not candidates:
        candidates.append("P4")
    return min(candidates, key=PRIORITIES.index)
