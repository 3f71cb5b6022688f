"""Who may act on requests: the staff permissions and the one check every step makes."""

from django.utils.translation import gettext as _

from .exceptions import NotPermitted

WORK = "rights_requests.work_rightsrequest"
DECIDE_ERASURE = "rights_requests.decide_erasure"
EXTEND_DEADLINE = "rights_requests.extend_deadline"
VIEW_STATISTICS = "rights_requests.view_request_statistics"


def require(actor, permission, what):
    """Return if ``actor`` is active staff holding ``permission``.

    Raises:
        NotPermitted: "You are not allowed to <what>."
    """
    # SECURITY: permissions are enforced here, not only by hiding buttons.
    if actor is None or not actor.is_active or not actor.is_staff or not actor.has_perm(permission):
        raise NotPermitted(_("You are not allowed to %(what)s.") % {"what": what})
