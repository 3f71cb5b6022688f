"""Limits kept in the cache hold across processes: a second process's requests count against the same limit.

Each test starts another Python process with the portal's settings, which spends part of
a limit (the API's per address, sign-up emails per address); then this process finds the
limit reached. With Redis (the test settings' cache, as with ``REDIS_URL``) and with the
production default, the database cache. The sign-in lockout is counted in the database
whatever the cache.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.crypto import salted_hmac

from learnerportal import counters
from learnerportal.counters import cache_increment, sliding_log_admit, sliding_log_admit_reading
from learnerportal.tests.support import run_in_another_process, signup_post

RATE = "5/minute"
#: Sends ``argv[1]`` anonymous API requests through every middleware with the per-address limit at RATE,
#: and prints their status codes as JSON.
SPEND_LIMIT = f"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
rates = {{"api_user": "{RATE}", "api_ip": "{RATE}"}}
with override_settings(REST_FRAMEWORK={{**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}}):
    client = Client()
    print(json.dumps([client.get("/api/v1/me/profile/").status_code for _ in range(int(sys.argv[1]))]))
"""
SIGNUP = {
    "username": "kofi",
    "email": "kofi@example.org",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}
#: Posts the sign-up form with SIGNUP ``argv[1]`` times; prints how many emails were sent.
SIGN_UP = f"""
import json, sys
import django
django.setup()
from django.core import mail
from django.test import Client
for _ in range(int(sys.argv[1])):
    Client().post("/accounts/signup/", {SIGNUP!r})
print(json.dumps(len(mail.outbox)))
"""

#: Posts a wrong password for ``argv[1]`` from each address in ``argv[2:]``; prints the status codes.
SIGN_IN = """
import json, sys
import django
django.setup()
from django.test import Client
print(json.dumps([
    Client(REMOTE_ADDR=ip).post("/accounts/login/", {"username": sys.argv[1], "password": "wrong-password"}).status_code
    for ip in sys.argv[2:]
]))
"""


@pytest.fixture
def low_limit(settings):
    """Limit each address to RATE API requests, as the other process does."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_user": RATE, "api_ip": RATE}}


@pytest.mark.django_db
def test_redis_counts_the_requests_of_every_process_against_one_limit(client, low_limit):
    assert django_settings.CACHES["default"]["BACKEND"] == "learnerportal.redis_cache.RedisCache"

    elsewhere = run_in_another_process(SPEND_LIMIT, 3)
    here = [client.get("/api/v1/me/profile/").status_code for _ in range(3)]

    assert elsewhere == [401, 401, 401]
    assert here == [401, 401, 429]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_cache")
def test_the_database_cache_counts_the_requests_of_every_process_against_one_limit(client, low_limit):
    # The other process runs the production settings without REDIS_URL: their database cache, their table.
    elsewhere = run_in_another_process(
        SPEND_LIMIT, 3, DJANGO_SETTINGS_MODULE="learnerportal.settings", REDIS_URL=None, DJANGO_DEBUG=None
    )
    here = [client.get("/api/v1/me/profile/").status_code for _ in range(3)]

    assert elsewhere == [401, 401, 401]
    assert here == [401, 401, 429]


@pytest.mark.django_db(transaction=True)  # the other process's sign-ups are committed; the flush removes them
def test_sign_up_emails_sent_by_another_process_count_against_the_address():
    elsewhere = run_in_another_process(SIGN_UP, 2, DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    for _ in range(2):
        signup_post(Client(), SIGNUP)

    assert elsewhere == 2
    assert [message.to for message in mail.outbox] == [["kofi@example.org"]]  # 3 an hour: the third; not the fourth


@pytest.mark.django_db(transaction=True)  # the other process's failures are committed; the flush removes them
def test_sign_in_failures_in_another_process_count_towards_the_lockout_whatever_the_cache(settings):
    settings.AXES_FAILURE_LIMIT = 3
    # This process's cache is its own memory: only the database can carry the other process's failures.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    elsewhere = run_in_another_process(SIGN_IN, "amara", "203.0.113.1", "198.51.100.2", AXES_FAILURE_LIMIT="3")
    here = Client(REMOTE_ADDR="192.0.2.3").post("/accounts/login/", {"username": "amara", "password": "wrong"})

    assert elsewhere == [200, 200]
    assert here.status_code == 429 and "Signing in is paused" in here.content.decode()


@pytest.mark.django_db(transaction=True)  # each thread counts in its own connection and transaction
@pytest.mark.parametrize("backend", ["redis", "database"])
def test_counts_made_at_the_same_instant_are_all_kept(request, backend):
    """Sixteen threads counting one key together: each count is handed out once, none is lost (both caches)."""
    if backend == "database":
        request.getfixturevalue("database_cache")

    def count(_):
        try:
            return [cache_increment("test:burst", timeout=60) for _ in range(10)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        counts = [number for batch in pool.map(count, range(16)) for number in batch]

    assert sorted(counts) == list(range(1, 161))


@pytest.mark.django_db(transaction=True)  # each thread admits in its own connection and transaction
@pytest.mark.parametrize("backend", ["redis", "database"])
def test_requests_arriving_at_the_same_instant_are_admitted_up_to_the_limit_exactly(request, backend):
    """Sixteen threads asking ten times each under a limit of 50: exactly 50 are admitted, on both caches."""
    if backend == "database":
        request.getfixturevalue("database_cache")

    def ask(_):
        try:
            return [sliding_log_admit("test:log", limit=50, window=60)[0] for _ in range(10)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = [admitted for batch in pool.map(ask, range(16)) for admitted in batch]

    assert answers.count(True) == 50


@pytest.mark.django_db
@pytest.mark.usefixtures("database_cache")
def test_on_the_database_cache_the_sign_up_limit_lasts_its_whole_hour():
    """Each count rewrites the entry; its expiry is kept, not reset to the cache's default five minutes."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            signup_post(Client(), SIGNUP)
        clock.move_to(start + datetime.timedelta(minutes=50))
        signup_post(Client(), SIGNUP)
        assert len(mail.outbox) == 3, "the fourth within the hour is not sent"
        clock.move_to(start + datetime.timedelta(minutes=61))
        signup_post(Client(), SIGNUP)
    assert len(mail.outbox) == 4, "a new hour, a new email"


@pytest.mark.django_db
@pytest.mark.usefixtures("database_cache")
def test_on_the_database_cache_a_count_written_by_cache_incr_is_counted_on_not_a_500():
    """The previous release counted sign-up emails with ``cache.incr`` (a bare int): an upgrade counts on."""
    digest = salted_hmac("accounts.signup-emails", SIGNUP["email"], algorithm="sha256").hexdigest()
    cache.set(f"accounts:signup-emails:{digest}", 2, timeout=3600)

    answers = [signup_post(Client(), SIGNUP).status_code for _ in range(2)]

    assert 500 not in answers
    assert len(mail.outbox) == 1, "the third email of the hour is sent, the fourth is not"


@pytest.mark.django_db
def test_a_redis_that_forgot_the_limits_scripts_still_counts_exactly(monkeypatch):
    """Redis forgets its scripts when it restarts (or on SCRIPT FLUSH): the limit sends the script again."""
    monkeypatch.setattr(counters, "_sha", lambda script: "0" * 40)  # a script Redis has never run
    assert [sliding_log_admit("test:forgot", limit=2, window=60)[0] for _ in range(3)] == [True, True, False]
    assert [cache_increment("test:forgot:count", timeout=60) for _ in range(2)] == [1, 2]


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["redis", "database"])
def test_the_keys_read_with_a_limit_are_what_the_cache_holds_even_when_refused(request, backend):
    if backend == "database":
        request.getfixturevalue("database_cache")
    cache.set("test:kept", {"answer": 42})
    read = ["test:kept", "test:missing"]
    admitted = sliding_log_admit_reading("test:read", limit=1, window=60, read=read)
    refused = sliding_log_admit_reading("test:read", limit=1, window=60, read=read)
    assert admitted[0] is True and refused[0] is False and refused[1] > 0
    assert admitted[2] == refused[2] == {"test:kept": {"answer": 42}, "test:missing": None}
