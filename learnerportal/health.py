"""``/healthz``: whether this process can serve, for a load balancer or supervisor.

It answers 200 when the database, the cache and the file storage are reachable
and this process's encryption keys decrypt the newest value of each encrypted
column; else 503, so a process started with an old ``PORTAL_ENCRYPTION_KEYS``
is taken out of service. The body names the checks and their results only:
no personal data, no error text. It reads only (the cache's probe value is
written and deleted), sets no cookie and is neither rate-limited nor redirected
to HTTPS (``SECURE_REDIRECT_EXEMPT``): a load balancer may call it every few
seconds over plain HTTP.
"""

import logging
import uuid

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .encryption import stored_data_readable_check

logger = logging.getLogger(__name__)


def check_database():
    """Run ``SELECT 1`` on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache():
    """Write a value to the default cache (Redis, or the database's cache table) and read it back.

    The key is new at each probe, so that probes from several hosts at once never read each other's value.
    """
    key, value = f"healthz:{uuid.uuid4()}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def check_storage():
    """List the top level of the file storage (two folders).

    Local: fails when the media directory is missing (not mounted). S3: one request, which
    fails when the storage does not answer, the bucket is gone or the portal's key is refused
    (asking about a single name would not: S3 answers 404 for a missing bucket as for a
    missing object).
    """
    default_storage.listdir("")


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "encryption": stored_data_readable_check,
}


@require_safe
@never_cache
def healthz(request):
    """Answer ``{"status": "ok"|"unavailable", "checks": {name: "ok"|"failing"}}``, 200 or 503."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure means this process should not serve
            # The check and the error's type only: an error's text may name a host, a user or a value.
            logger.error("Health check %s failed: %s", name, type(error).__name__)
            results[name] = "failing"
        else:
            results[name] = "ok"
    healthy = all(result == "ok" for result in results.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)
