"""Settings of a real ``db_worker`` subprocess run by tests: the test settings with the database task backend.

The test passes the test database (``DATABASE_URL``) and its media folder
(``LEARNERPORTAL_TEST_MEDIA_ROOT``), so the worker sees what the test sees.
Retries wait no time; emails stay in memory.
"""

import os

from learnerportal.test_settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RIGHTS_REQUESTS_RETRY_BACKOFF_SECONDS = 0
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}
MEDIA_ROOT = os.environ["LEARNERPORTAL_TEST_MEDIA_ROOT"]
STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
