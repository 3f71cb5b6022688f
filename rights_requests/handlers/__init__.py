"""The request types the portal offers, one handler each, registered here and nowhere else.

Generic code asks ``handler_for(request.type)`` for everything that differs by type
(``base.Handler`` says what that is and how to add a type). The order of
registration is the order learners see the rights in.
"""

from ..request_types import choices, handler_for, register, registered, unregister
from .access import AccessHandler
from .base import ApprovalConfirmation, Handler
from .confirmation import ConfirmationHandler
from .erasure import ErasureHandler
from .limit_sensitive_use import LimitSensitiveUseHandler
from .objection import ObjectionHandler
from .opt_out_of_sale import OptOutOfSaleHandler
from .portability import PortabilityHandler
from .rectification import RectificationHandler
from .restriction import RestrictionHandler
from .sharing_information import SharingInformationHandler

__all__ = [
    "ApprovalConfirmation",
    "Handler",
    "choices",
    "details_fields",
    "handler_for",
    "register",
    "registered",
    "unregister",
]

register(AccessHandler())  # GDPR Art. 15
register(RectificationHandler())  # Art. 16
register(ErasureHandler())  # Art. 17
register(RestrictionHandler())  # Art. 18
register(PortabilityHandler())  # Art. 20
register(ObjectionHandler())  # Art. 21
register(OptOutOfSaleHandler())  # Cal. Civ. Code §1798.120
register(LimitSensitiveUseHandler())  # Cal. Civ. Code §1798.121
register(ConfirmationHandler())  # LGPD Art. 18 I, 19 I
register(SharingInformationHandler())  # LGPD Art. 18 VII


def details_fields():
    """Return the API's ``details`` fields: every registered type's keys, each once, in registration order."""
    fields = {}
    for handler in registered():
        for name, field in handler.api_fields().items():
            fields.setdefault(name, field)
    return fields
