"""Project-wide pytest configuration: the test database's settings, browser set-up, and the fixtures every app shares.

Rows come from ``learnerportal/tests/factories.py``, other shared helpers from
``learnerportal/tests/support.py``; a test module defines only the fixtures of its own.
"""

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from playwright.sync_api import Error as PlaywrightError

from accounts.models import LearningEvent, TOTPDevice
from compliance.models import TRUNCATE_ALLOWED_SETTING, StaffGroup
from learnerportal.catalogs import catalogs_compile
from learnerportal.settings import s3_storage
from learnerportal.tests import support
from learnerportal.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    RightsRequestFactory,
    UserFactory,
    staff_member,
)
from learnerportal.tests.support import make_token, token_client
from rights_requests.models import Status

# pytest-playwright runs an event loop in the test thread; the live server's
# database set-up is synchronous Django code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let Django empty the test database between transactional tests (it does so with TRUNCATE).

    The audit log and consent ledger refuse TRUNCATE unless the session allows it
    (``privacy.models.refuse_truncate``); the test database allows it for every new
    connection, which the tests of that refusal turn off again.
    """
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET {TRUNCATE_ALLOWED_SETTING} = 'on'")
        cursor.execute(f"SET {TRUNCATE_ALLOWED_SETTING} = 'on'")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (Playwright's own download cannot work on these machines)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("Browser tests need Chromium: .ci/run installs it (apt-get install chromium).")
    skip = pytest.mark.skip(reason="Chromium not installed: apt-get install chromium (CI installs it).")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def screenshot(request):
    """Return ``save(page, name)``, which keeps a full-page PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name):
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        # A screenshot is an artifact for people, not an assertion: a busy machine's
        # occasional capture error must not fail the test.
        for attempt in range(3):
            try:
                page.screenshot(path=str(path), full_page=True)
                return path
            except PlaywrightError:
                page.wait_for_timeout(300 * (attempt + 1))
        warnings.warn(f"Could not capture the screenshot {path.name}", stacklevel=2)
        return None

    return save


def _clear_this_runs_keys(backend):
    """Delete this run's and this worker's keys from a Redis cache, and nobody else's.

    Django's ``RedisCache.clear`` is ``FLUSHDB``: run by one run of the suite, it empties the
    rate-limit logs of another run sharing the server and worker number, whose limits then admit
    one request too many. Tests call ``cache.clear()`` freely; in tests it means this.
    """
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


RedisCache.clear = _clear_this_runs_keys


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache: counts kept there (e.g. sign-up emails per address) are per test.

    The cache is this worker's own Redis database (``learnerportal.test_settings``), and only this run's
    keys in it are deleted (``_clear_this_runs_keys``): other workers, and other runs on the machine, keep theirs.
    """
    caches["default"].clear()


@pytest.fixture
def database_cache(settings):
    """Use the database cache, the production default without ``REDIS_URL`` (table ``portal_cache``), emptied.

    Its entries expire by Python's clock, so ``time_machine`` moves them; Redis's own clock does not travel.
    """
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _platform_language():
    """Start every test in the platform's language and time zone, whatever an earlier one left active.

    A request through ``LocaleMiddleware`` leaves its language active in the thread that served it,
    the test's own thread under the test client: a test reading labels after another's Spanish request
    would read them in Spanish.
    """
    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs():
    """Compile the message catalogs the tests read (``make test`` has already; a bare pytest run may not have)."""
    catalogs_compile(django_settings.BASE_DIR)


@pytest.fixture
def pseudo_locale():
    """Render in a pseudo-locale for this test: every translated string comes out as ⟪…⟫ (``support.unmarked_text``).

    Replaces the platform language's translation (what a request without Accept-Language gets,
    and what ``translation.activate`` returns) with a ``support.PseudoTranslation``.
    """
    with support.pseudo_locale_active() as pseudo:
        yield pseudo


@pytest.fixture
def verified_login():
    """Return ``login(client, user)``: sign ``user`` in with a confirmed TOTP device, second factor passed.

    Staff need this to reach the admin site, which refuses sessions without 2FA.
    """

    def login(client, user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "Test phone"})
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    return login


@pytest.fixture
def support_clerk():
    """Return a staff member outside the portal's groups with Django's add, change, delete and view user permissions.

    The account a company might give a clerk who fixes learners' accounts: the
    admin must not let it change anyone's sign-in details, identity or rights.
    """
    clerk = UserFactory(username="carl.clerk", is_staff=True)
    codenames = ["add_user", "change_user", "delete_user", "view_user"]
    clerk.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))
    return clerk


@pytest.fixture
def learner():
    """Return learner noor, with a full name, a phone number and a country; every part of her profile private."""
    return UserFactory(
        username="noor",
        profile__full_name="Noor Al-Hassan",
        profile__phone="+44 7700 900555",
        profile__country="GB",
    )


@pytest.fixture
def busy_learner(learner):
    """Return learner noor enrolled on a course, with 30 learning events: something to export."""
    course = CourseFactory(title="Statistics without Tears")
    EnrollmentFactory(user=learner, course=course)
    LearningEvent.objects.bulk_create(
        LearningEvent(user=learner, course=course, event_type=LearningEvent.EventType.PAGE_VIEWED) for _ in range(30)
    )
    return learner


@pytest.fixture
def signed_in(client, learner):
    """Return the test ``client`` signed in as ``learner`` (a fresh sign-in, so a recent password too)."""
    client.force_login(learner)
    return client


@pytest.fixture
def api(learner):
    """Return a client calling the API with a read-write token of ``learner`` (and no session)."""
    return token_client(make_token(learner, scope="read_write"))


@pytest.fixture
def amara():
    """Return learner amara, her profile empty and private."""
    return UserFactory(username="amara")


@pytest.fixture
def agent():
    """Return support agent sam.agent, without two-factor authentication (``verified_login`` gives one)."""
    return staff_member("sam.agent", StaffGroup.SUPPORT_AGENT)


@pytest.fixture
def officer():
    """Return privacy officer priya.officer, without two-factor authentication (``verified_login`` gives one)."""
    return staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER)


@pytest.fixture
def make_request(learner):
    """Return ``make(request_type="access", status="awaiting_approval", subject=learner, **fields)``.

    It creates a rights request directly in that state (``RightsRequestFactory``).
    """

    def make(request_type="access", status=Status.AWAITING_APPROVAL, subject=None, **fields):
        return RightsRequestFactory(type=request_type, status=status, subject=subject or learner, **fields)

    return make


# axe-core rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_violations():
    """Return ``check(page, sizes=None)``: axe-core's WCAG 2.2 AA violations on ``page`` as readable lines.

    ``sizes`` is a list of ``{"width", "height"}`` viewports (CSS pixels) to check
    the loaded page at, in turn, without reloading it; by default the current one.
    Each line names the window width, the page's path, the rule, its impact and the
    first offending elements, so a failing assertion says what to fix and where.
    A page wider than the window (sideways scrolling) is reported too, as
    ``reflow`` (WCAG 1.4.10, which axe-core cannot check);
    ``[]`` means no violation. axe-core is injected once per page load (a context
    may preload it with ``context.add_init_script(check.script)``).
    """
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": WCAG_AA_TAGS}, "resultTypes": ["violations"]}

    def check(page, sizes=None):
        # A form's answer can be in the DOM (and "visible") before its stylesheet applies:
        # judge the page as a learner sees it, once loaded, not its unstyled first paint.
        page.wait_for_load_state("load")
        if page.evaluate("typeof window.axe") == "undefined":
            page.evaluate(axe.axe_script)
        found = []
        path = urlsplit(page.url).path
        for size in sizes or [page.viewport_size]:
            if size != page.viewport_size:
                page.set_viewport_size(size)
            # A busy renderer can apply the new size a moment later: check the page laid out at it.
            page.wait_for_function("width => window.innerWidth === width", arg=size["width"])
            for violation in page.evaluate("options => axe.run(document, options)", options)["violations"]:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                where = f"{size['width']}px {path}"
                found.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > size["width"]:
                found.append(f"{size['width']}px {path}: reflow: the page is {width}px wide, it scrolls sideways")
        return found

    check.script = axe.axe_script
    return check


@dataclasses.dataclass(frozen=True)
class S3Bucket:
    """A bucket on the test session's S3 API server: its name, the server's address, a boto3 client for it."""

    name: str
    endpoint_url: str
    client: object

    def object_keys(self):
        """Return the set of the bucket's object keys, asked of the S3 API."""
        listed = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listed.get("Contents", [])}

    def read(self, key):
        """Return the bytes of the object ``key``, read with the portal's credentials."""
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def environment(self):
        """Return the environment variables that send another process's files here (``learnerportal.settings``)."""
        return {
            "DJANGO_STORAGE_S3_BUCKET": self.name,
            "DJANGO_STORAGE_S3_ENDPOINT_URL": self.endpoint_url,
            "DJANGO_STORAGE_S3_REGION": "us-east-1",
            "DJANGO_STORAGE_S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": S3_CREDENTIALS["access_key"],
            "AWS_SECRET_ACCESS_KEY": S3_CREDENTIALS["secret_key"],
        }


#: Any credentials do for moto; they are passed explicitly so that nothing in the environment is read.
S3_CREDENTIALS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


@pytest.fixture(scope="session")
def s3_server():
    """Start moto's S3 API server (``moto_server``) on a free port of 127.0.0.1 for this session; its address.

    One per xdist worker. A process of its own, not a thread of the tests': what it holds stays out
    of the tests' memory measurements, and it does not compete for their interpreter.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - our own virtualenv's moto_server, fixed arguments
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if server.poll() is not None:
                raise RuntimeError(f"moto_server stopped at start (exit {server.returncode}); is port {port} taken?")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto_server did not answer within 20 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_session_bucket(s3_server):
    """Create this worker's bucket on the session's S3 API server."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["access_key"],
        aws_secret_access_key=S3_CREDENTIALS["secret_key"],
    )
    name = f"learnerportal-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    client.create_bucket(Bucket=name)
    return S3Bucket(name=name, endpoint_url=s3_server, client=client)


@pytest.fixture
def s3_bucket(settings, s3_session_bucket):
    """Store this test's files on S3 (the production settings' ``s3_storage``), in an emptied bucket; the bucket.

    ``settings`` clears Django's storage cache when ``STORAGES`` changes, and again after the test,
    so the rest of the suite keeps the local directory.
    """
    bucket = s3_session_bucket
    for key in bucket.object_keys():
        bucket.client.delete_object(Bucket=bucket.name, Key=key)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=bucket.name, endpoint_url=bucket.endpoint_url, region="us-east-1", **S3_CREDENTIALS
        ),
    }
    return bucket
