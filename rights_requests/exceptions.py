"""Errors raised by the rights_requests services."""

from django.utils.translation import gettext as _

from learnerportal.exceptions import PortalError


class RightsRequestError(PortalError):
    """Base error of the rights_requests app."""

    code = "rights_request_error"


class TransitionNotAllowed(RightsRequestError):
    """The request's status does not allow this step (e.g. withdrawing a completed request)."""

    code = "transition_not_allowed"
    status_code = 409


class NotPermitted(RightsRequestError):
    """The actor may not take this step (e.g. an agent approving an erasure)."""

    code = "not_permitted"
    status_code = 403


class AccountClosed(RightsRequestError):
    """The data subject's account was erased (or is being erased): nothing more can be filed for it."""

    code = "permission_denied"
    status_code = 403


class InvalidRequestDetails(RightsRequestError):
    """The details given for a request do not fit its type.

    ``field`` names the (first) offending key and ``detail`` says what is wrong with it.
    ``errors`` is ``{key: message}`` for every offending key, for a page that shows
    each beside its field. ``within`` is the key of the details that holds ``field``
    ("changes" for a proposed correction), or "" for a key of the details themselves.
    """

    code = "invalid_details"

    def __init__(self, detail, *, field=None, within="", errors=None):
        super().__init__(detail, field=field)
        self.within = within
        self.errors = errors or {field: detail}


class EmailNotSent(RightsRequestError):
    """The mail server did not take an email to a learner; it is queued again with back-off."""

    code = "email_not_sent"


class LeaseLost(RightsRequestError):
    """The work no longer holds the request: recovery took it back (its lease ran out) or staff acted on it."""

    code = "lease_lost"


class DuplicateOpenRequest(RightsRequestError):
    """The learner already has an open request of this type; ``existing`` is that request."""

    code = "duplicate_open_request"
    status_code = 409

    def __init__(self, existing):
        super().__init__(
            _("You already have an open request of this type (%(reference)s).") % {"reference": existing.reference}
        )
        self.existing = existing


class RequestFileUnavailable(RightsRequestError):
    """A stored report or portable copy is missing or fails its integrity check: an operational fault.

    The record stays and staff are alerted; restoring the file (e.g. the media
    folder from the backup taken with the database) makes it downloadable again.
    ``request_file`` is the record.
    """

    code = "file_unavailable"
    status_code = 503

    def __init__(self, request_file):
        super().__init__(
            _(
                "Your file is temporarily unavailable. Our team has been alerted and is restoring it; "
                "please try again later."
            )
        )
        self.request_file = request_file


class DownloadExpired(RightsRequestError):
    """The request's file is past its download period and was deleted; ``request_file`` is its record."""

    code = "download_expired"
    status_code = 410

    def __init__(self, request_file):
        super().__init__(
            _(
                "This file was available to download for a limited time and has been deleted. "
                "Ask for a new copy of your data if you still need one."
            )
        )

        self.request_file = request_file


class PublicRequestLimited(RightsRequestError):
    """Too many codes went to this address or from this network lately; ask again later."""

    code = "too_many_codes"
    status_code = 429


class CodeRefused(RightsRequestError):
    """The code typed is wrong; ``tries_left`` more may be typed before a new code is needed."""

    code = "code_refused"

    def __init__(self, detail, *, tries_left):
        super().__init__(detail, field="code")
        self.tries_left = tries_left


class CodeSpent(RightsRequestError):
    """The code expired, was used, or was typed wrong too often: a new code is needed."""

    code = "code_spent"


class PasswordRefused(RightsRequestError):
    """The account's password typed to confirm an erasure filed without signing in is wrong, or tried too often."""

    code = "password_refused"


class AuthorisationUnavailable(RightsRequestError):
    """A signed authorisation cannot be read: missing from storage, the storage down, or the file damaged."""

    code = "authorisation_unavailable"
    status_code = 503

    def __init__(self):
        super().__init__(
            _(
                "The signed authorisation cannot be read: it is missing from storage or damaged. "
                "Restore the media from the backup taken with the database, or ask the filer for it again."
            )
        )
