"""Shared plumbing of the REST API (``/api/v1/``): authentication, permissions, throttles, pagination, errors.

Every API view subclasses ``views.PortalAPIView``. Errors always come back as JSON
``{"code": "<stable_code>", "detail": "<sentence>", "fields": {"<field>": ["<message>", ...]}}``
(``fields`` is ``{}`` when no field is to blame); codes are listed in ``errors.ERROR_CODES``
and documented in the OpenAPI schema.

Authentication (see README "API"):
    - personal access tokens (``Authorization: Bearer lpat_…``), made on the
      Security tab; they work only here, never on pages, the admin site or
      two-factor settings (Django's own middleware never looks at them);
    - the browser session (with CSRF for writes), but only once a learner with
      two-factor authentication has passed the code step (django-otp ``is_verified``).

Modules: ``auth`` (authentication, permissions, throttles, pagination — named in
settings, so it imports no DRF views), ``errors`` (the error shape, its codes, the
exception handler and their OpenAPI description), ``views`` (the base view, the
docs page) and ``urls``.
"""
