"""Settings for the test suite: the production settings with test-only values.

Tests still run on real PostgreSQL (``DATABASE_URL``).
"""

import os
import tempfile
import uuid

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# For development and tests only: never use this key in production.
os.environ.setdefault("PORTAL_ENCRYPTION_KEYS", "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0=")
# A media folder of this process's own: pytest-xdist's workers inherit the controller's environment,
# and tests that look at what is stored must not see another worker's files.
os.environ["DJANGO_MEDIA_ROOT"] = tempfile.mkdtemp(
    prefix=f"learnerportal-media-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-"
)
# The cache is Redis, as in production with REDIS_URL: the server on 127.0.0.1:6379 (.ci/run starts it), or
# the one TEST_REDIS_URL names. Each pytest-xdist worker has a database number of its own (a subprocess a
# test starts inherits the worker's), so that emptying the cache between tests never empties another worker's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_redis_db = 2 + int(_worker.removeprefix("gw")) if _worker else 1
if _redis_db > 15:
    raise RuntimeError("The tests use Redis databases 1-15, one per worker: run at most 14 xdist workers.")
os.environ["REDIS_URL"] = f"{os.environ.get('TEST_REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')}/{_redis_db}"

from learnerportal.settings import *  # noqa: E402, F403

# Runs of the suite side by side on one machine share the Redis server: each run's keys carry a prefix of its
# own, inherited by its xdist workers and the processes its tests start, and emptying the cache between tests
# deletes only this run's and this worker's keys (conftest._empty_cache).
_run = os.environ.setdefault("LEARNERPORTAL_TEST_RUN", uuid.uuid4().hex[:12])
CACHES["default"]["KEY_PREFIX"] = f"test-{_run}-{_worker or 'main'}"  # noqa: F405

# Argon2 is deliberately slow; tests hash many passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# The live server of browser tests serves static files itself.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Live-server threads must not keep connections open past their request, or the
# test database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Background tasks run at once, inside the test.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PORTAL_BASE_URL = "http://testserver"
# Passkey ceremonies as a browser on http://localhost makes them (tests sign them with a software authenticator).
OTP_WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost"]
# High API limits, so that no test is throttled except the one about throttling (it sets its own).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"api_user": "100000/minute", "api_ip": "100000/minute"},
}
