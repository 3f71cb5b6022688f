"""Fixtures for the tests of privacy: the learner whose public profile the page and the API show; Spanish catalogs."""

import fcntl
import tempfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from learnerportal.tests.factories import learner_with_every_field


@pytest.fixture
def subject():
    """Return learner ada, every part of her profile filled in (``MARKERS``, ``NEVER_SHOWN``) and private."""
    return learner_with_every_field()


@pytest.fixture(scope="session")
def spanish_catalogs():
    """Compile the Spanish catalogs (``*.mo`` are not kept in git) when one is missing or older than its ``.po``.

    Under a file lock: the test workers share the working tree. Use it before anything renders in
    Spanish: a process reads a language's catalogs once.
    """
    catalogs = [
        Path(root) / "es" / "LC_MESSAGES" / "django.po"
        for root in [*settings.LOCALE_PATHS, *(Path(app.path) / "locale" for app in apps.get_app_configs())]
    ]
    with open(Path(tempfile.gettempdir()) / "learnerportal-compilemessages.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stale = [po for po in catalogs if po.exists() and _older(po.with_suffix(".mo"), po)]
        if stale:
            call_command("compilemessages", locale=["es"], ignore_patterns=[".venv", "var"], verbosity=0)


def _older(compiled, source):
    return not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime
