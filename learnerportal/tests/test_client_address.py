"""Behind proxies, the client's address is the trusted hop of X-Forwarded-For, for every use of it.

The same requests are made with ``DJANGO_TRUSTED_PROXY_COUNT`` at 0, 1 and 2: each
client forges X-Forwarded-For entries of its own, and each proxy appends the address
it was reached from. The sign-in lockout, the API's per-IP limit, and the networks of
audit events and sessions must all follow the real client, never the proxy and never
the forged entries.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory

from accounts.models import UserSession
from compliance.models import AuditEvent
from learnerportal.addresses import client_ip_address, client_limit_key
from learnerportal.tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
#: The proxies in front of the app, in the order a request passes them; the last is the app's peer.
PROXIES = ("10.0.0.1", "10.0.0.2")
ATTACKER = "203.0.113.66"
NEIGHBOUR = "198.51.100.23"


def through(count, client_ip, *, forged=()):
    """Return the request headers of ``client_ip`` reaching the app through ``count`` proxies.

    The client sends ``forged`` as its own X-Forwarded-For; each proxy appends the
    address it was reached from, and the app sees the last proxy as ``REMOTE_ADDR``.
    """
    forwarded_for, sender = list(forged), client_ip
    for proxy in PROXIES[:count]:
        forwarded_for.append(sender)
        sender = proxy
    headers = {"REMOTE_ADDR": sender}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = ", ".join(forwarded_for)
    return headers


@pytest.fixture(params=[0, 1, 2], ids=["direct", "one-proxy", "two-proxies"])
def proxies(request, settings):
    """Run the test with the app behind 0, 1 and 2 proxies, the setting saying as much."""
    settings.TRUSTED_PROXY_COUNT = request.param
    return request.param


@pytest.mark.parametrize(
    ("count", "remote_addr", "forwarded_for", "client"),
    [
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # no proxy: the header is the client's own
        (1, "10.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the forged left entry is not read
        (2, "10.0.0.2", "198.51.100.1, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "10.0.0.2", "203.0.113.7,10.0.0.1", "203.0.113.7"),
        (1, "10.0.0.1", "203.0.113.7:4711", "203.0.113.7"),  # a port, as some load balancers write it
        (1, "10.0.0.1", "[2001:DB8:0::7]:4711", "2001:db8::7"),  # normalised: one client, one count
        (1, "10.0.0.1", " 2001:db8::7 ", "2001:db8::7"),
        # Not the configured way: the nearest proxy, never an entry the client may have written.
        (1, "10.0.0.1", None, "10.0.0.1"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (2, "10.0.0.2", "203.0.113.7", "10.0.0.2"),
        (1, "10.0.0.1", "203.0.113.7, unknown", "10.0.0.1"),
        (2, "10.0.0.2", "203.0.113.7,,10.0.0.1", "10.0.0.2"),
        (1, "10.0.0.1", "203.0.113.7, 300.1.2.3", "10.0.0.1"),
        (0, "", "203.0.113.7", None),
    ],
)
def test_the_client_is_the_trusted_hop_else_the_nearest_proxy(settings, count, remote_addr, forwarded_for, client):
    settings.TRUSTED_PROXY_COUNT = count
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_ip_address(RequestFactory().get("/", **headers)) == client


@pytest.mark.django_db
def test_failures_lock_out_the_client_behind_the_proxies_and_not_its_neighbours(proxies, settings):
    settings.AXES_FAILURE_LIMIT = 3
    amara, other = UserFactory(username="amara"), UserFactory()
    for attempt in range(3):
        # A new forged address at each attempt gives the attacker no fresh count.
        response = Client(**through(proxies, ATTACKER, forged=[f"192.0.2.{attempt}"])).post(
            LOGIN, {"username": f"nobody-{attempt}", "password": "wrong-password"}
        )
    assert response.status_code == 429

    locked = Client(**through(proxies, ATTACKER, forged=["192.0.2.99"]))
    assert locked.post(LOGIN, {"username": other.username, "password": PASSWORD}).status_code == 429
    neighbour = Client(**through(proxies, NEIGHBOUR))
    assert neighbour.post(LOGIN, {"username": amara.username, "password": PASSWORD}).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.django_db
def test_the_api_limit_counts_each_client_behind_the_proxies(proxies, settings):
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "100/minute", "api_ip": "3/minute"},
    }
    url = "/api/v1/learners/nobody-here/"  # any answer but 429 will do: no such learner, 404

    statuses = [Client(**through(proxies, ATTACKER, forged=[f"192.0.2.{n}"])).get(url).status_code for n in range(4)]

    assert statuses == [404, 404, 404, 429]
    assert Client(**through(proxies, NEIGHBOUR)).get(url).status_code == 404


#: One subscriber's /64, as a provider routes it: the attacker picks a new address at each try.
ATTACKER_V6 = "2001:db8:bad:1::{}"
NEIGHBOUR_V6 = "2001:db8:bad:2::1"  # the next /64: another subscriber


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:bad:1:aaaa:bbbb:cccc:dddd", "2001:db8:bad:1::"),
        ("2001:db8:bad:1::1", "2001:db8:bad:1::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client through a dual-stack socket
    ],
)
def test_an_ipv6_client_is_counted_by_its_64(address, key):
    assert client_limit_key(RequestFactory().get("/", REMOTE_ADDR=address)) == key


@pytest.mark.django_db
def test_new_ipv6_addresses_in_one_64_give_no_fresh_sign_in_attempts(proxies, settings):
    settings.AXES_FAILURE_LIMIT = 3
    amara = UserFactory(username="amara")
    for attempt in range(3):
        response = Client(**through(proxies, ATTACKER_V6.format(attempt + 1))).post(
            LOGIN, {"username": f"nobody-{attempt}", "password": "wrong-password"}
        )
    assert response.status_code == 429

    fresh_address = Client(**through(proxies, ATTACKER_V6.format("beef")))
    assert fresh_address.post(LOGIN, {"username": amara.username, "password": PASSWORD}).status_code == 429
    neighbour = Client(**through(proxies, NEIGHBOUR_V6))
    assert neighbour.post(LOGIN, {"username": amara.username, "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_new_ipv6_addresses_in_one_64_give_no_fresh_api_requests(settings):
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "100/minute", "api_ip": "3/minute"},
    }
    url = "/api/v1/learners/nobody-here/"

    statuses = [Client(REMOTE_ADDR=ATTACKER_V6.format(n + 1)).get(url).status_code for n in range(4)]

    assert statuses == [404, 404, 404, 429]
    assert Client(REMOTE_ADDR=NEIGHBOUR_V6).get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("client_ip", "network", "shown"),
    [
        ("203.0.113.77", "203.0.113.0/24", "203.0.113.x"),
        ("2001:db8:abcd:12::5", "2001:db8:abcd::/48", "2001:db8:abcd:x"),
    ],
)
def test_the_audit_log_and_the_session_list_keep_the_clients_network(proxies, client_ip, network, shown):
    amara = UserFactory(username="amara")
    client = Client(**through(proxies, client_ip, forged=["192.0.2.1"]))

    assert client.post(LOGIN, {"username": "amara", "password": PASSWORD}).status_code == 302

    assert AuditEvent.objects.get(subject=amara, action=AuditEvent.Action.SIGNED_IN).network == network
    assert UserSession.objects.get(user=amara).network == network
    page = client.get("/settings/security/").content.decode()
    assert f"Network (approximate location): {shown}" in page
    assert "10.0.0." not in page and "192.0.2." not in page
