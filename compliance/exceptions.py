"""Errors raised by the compliance base's services."""

from learnerportal.exceptions import PortalError


class ComplianceError(PortalError):
    """Base error of the compliance base (registry, notice, erasure, audit log)."""

    code = "compliance_error"


class LeftoverNotRedactable(ComplianceError):
    """An erasure leftover that cannot be redacted where it is (no such text column, or an append-only log)."""

    code = "leftover_not_redactable"
