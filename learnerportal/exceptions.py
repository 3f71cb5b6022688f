"""The project's base error. Each app's ``exceptions.py`` subclasses it."""


class PortalError(Exception):
    """An error the user can act on, with a stable machine-readable ``code`` and its HTTP status.

    Views show ``detail`` next to the field (HTML) or return
    ``{"code": code, "detail": detail}`` (API) with ``status_code``. A subclass
    sets both for its kind of error; a ``code`` given when raising names the
    case more precisely and keeps the class's status.
    """

    code = "portal_error"
    #: The HTTP status of the answer: 400 unless the subclass says otherwise.
    status_code = 400

    def __init__(self, detail, *, code=None, field=None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code
