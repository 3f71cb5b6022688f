"""Settings for ``make bench``: production settings (debug off) plus the floor view's URL.

The benchmark database is its own (``bench.run`` points ``DATABASE_URL`` at it before
Django starts); nothing here is meant for serving real users.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# For benchmarks only, like the test suite's key: never use it in production.
os.environ.setdefault("PORTAL_ENCRYPTION_KEYS", "Drmx57uB719anU_7ivvfimUQ8pHqx71FUqAxpbj4FB0=")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
# The load generator sends thousands of requests a minute from one address and one account:
# the API's per-user and per-IP limits would answer 429 and measure the throttle, not the page.
os.environ.setdefault("API_THROTTLE_USER_RATE", "1000000/minute")
os.environ.setdefault("API_THROTTLE_IP_RATE", "1000000/minute")
# The shared cache of a site on several hosts, Redis (database 0; the tests use 1-15). Without REDIS_URL the
# database cache would add its own queries to each count: one per signed-in page, four per API limit checked.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from learnerportal.settings import *  # noqa: F403

if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("Benchmarks measure production settings: unset DJANGO_DEBUG.")  # noqa: F405

# The project's URLs plus the floor view; the project's own URL conf is left alone.
ROOT_URLCONF = "bench.urls"
# No collected static files here: plain static URLs, and no WhiteNoise (no static file is requested).
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Erasure confirmations and other emails stay in memory.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}
# Background work (none is measured through the queue) runs at once if anything enqueues it.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
