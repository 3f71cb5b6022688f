"""Settings of the web nodes and task workers of ``test_multi_node.py``: the production settings, two test-only changes.

- Cache keys carry the test run's prefix (``LEARNERPORTAL_TEST_CACHE_KEY_PREFIX``), which production has no
  setting for: the nodes share the test's Redis database, and their counts are emptied with the test's
  between tests, never mixed with another run's.
- Static files are served without a manifest (no ``collectstatic`` in tests).
"""

import os

from learnerportal.settings import *  # noqa: F403

CACHES["default"]["KEY_PREFIX"] = os.environ["LEARNERPORTAL_TEST_CACHE_KEY_PREFIX"]  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
