"""App settings with a prefix and defaults, read from Django's settings each time they are used."""

from django.conf import settings


class AppSettings:
    """The settings of one app: subclass it in the app's ``conf.py``.

    Set ``prefix`` (e.g. ``"PRIVACY_"``) and declare each setting as an upper-case class
    attribute holding its default. ``read("NAME")`` answers with Django's setting
    ``<prefix>NAME`` when the project sets it, else the default, looked up at every call:
    a value read once at import would ignore ``override_settings`` in tests.

    The app's ``conf.py`` ends with ``__getattr__ = TheSettings.read``, so that
    ``conf.NAME`` reads the setting on the module itself (PEP 562). Never write
    ``from app.conf import NAME``: that reads the value once, at import.
    """

    prefix = ""

    @classmethod
    def read(cls, name):
        """Return the setting ``name`` now: ``settings.<prefix><name>`` when set, else its default.

        Raises:
            AttributeError: ``name`` is not a setting this class declares.
        """
        if not name.isupper() or not hasattr(cls, name):
            raise AttributeError(f"{cls.__name__} has no setting {name!r}")
        return getattr(settings, f"{cls.prefix}{name}", getattr(cls, name))
