"""The project's base error. Each app's ``exceptions.py`` subclasses it."""


class PortalError(Exception):
    """An error the user can act on, with a stable machine-readable ``code``.

    Views show ``detail`` next to the field (HTML) or return
    ``{"code": code, "detail": detail}`` (API).
    """

    code = "portal_error"

    def __init__(self, detail, *, code=None, field=None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code
