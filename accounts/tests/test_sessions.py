"""Settings → Security: the learner's sessions, and signing out of the others."""

import datetime
import importlib
import logging
import re

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.devices import user_agent_summary
from accounts.models import UserSession
from compliance.models import AuditEvent
from compliance.registry import Category, Delete, registry
from learnerportal.addresses import ip_network
from learnerportal.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
LAPTOP_IP = "203.0.113.77"
PHONE_IP = "2001:db8:abcd:12::5"
TABLET_IP = "198.51.100.23"

SECURITY = "/settings/security/"
SIGN_OUT_OTHERS = "/settings/security/sessions/sign-out-others/"


def sign_in(user, *, ip, agent):
    """Return a client signed in as ``user`` through the sign-in page, from ``ip`` with browser ``agent``."""
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_items(page):
    """Return the text of each session on the Security tab, current session marked by "[current]"."""
    items = re.findall(r'<li class="session( session-current)?">(.*?)</li>', page, re.S)
    return [
        ("[current] " if current else "") + " ".join(re.sub(r"<[^>]+>", " ", body).split()) for current, body in items
    ]


def test_the_security_tab_lists_each_session_with_browser_network_and_this_device(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    sign_in(amara, ip=PHONE_IP, agent=SAFARI_IPHONE)

    response = laptop.get(SECURITY)

    assert response.status_code == 200
    items = session_items(response.content.decode())
    assert len(items) == 2
    assert items[0].startswith(
        "[current] Firefox on Linux This device Network (approximate location): 203.0.113.x Active now"
    )
    assert items[1].startswith("Safari on iOS Network (approximate location): 2001:db8:abcd:x Last active ")
    assert "Change your password" in response.content.decode(), "the password form stays on the tab"
    spanish = session_items(laptop.get(SECURITY, HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert spanish[0].startswith("[current] Firefox en Linux Este dispositivo")
    assert spanish[1].startswith("Safari en iOS")


def test_no_full_ip_address_or_raw_user_agent_is_shown_stored_or_logged(amara, caplog):
    caplog.set_level(logging.DEBUG)
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    sign_in(amara, ip=PHONE_IP, agent=SAFARI_IPHONE)

    page = laptop.get(SECURITY).content.decode()

    for secret in (LAPTOP_IP, PHONE_IP, "abcd:12", "rv:133.0"):
        assert secret not in page
    stored = [
        *UserSession.objects.values_list("user_agent", "network"),
        *(session.get_decoded() for session in Session.objects.all()),
        *AuditEvent.objects.values_list("changes", flat=True),
    ]
    for secret in (LAPTOP_IP, PHONE_IP, "rv:133.0"):
        assert secret not in str(stored)
    for secret in ("rv:133.0", "Gecko/20100101", "Mobile/15E148"):
        assert secret not in caplog.text
    assert set(UserSession.objects.values_list("network", flat=True)) == {"203.0.113.0/24", "2001:db8:abcd::/48"}


def test_signing_in_is_recorded_in_the_audit_log(amara):
    sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    assert AuditEvent.objects.filter(subject=amara, actor=amara, action=AuditEvent.Action.SIGNED_IN).count() == 1


def test_sign_out_of_all_other_sessions_ends_them_and_keeps_this_one(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    phone = sign_in(amara, ip=PHONE_IP, agent=SAFARI_IPHONE)
    tablet = sign_in(amara, ip=TABLET_IP, agent=EDGE_WINDOWS)
    someone_else = sign_in(UserFactory(), ip=TABLET_IP, agent=EDGE_WINDOWS)

    response = laptop.post(SIGN_OUT_OTHERS, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == SECURITY
    assert "Signed out of 2 other sessions." in page
    assert [item.split(" Network")[0] for item in session_items(page)] == ["[current] Firefox on Linux This device"]
    assert "You are not signed in anywhere else." in page
    assert "Sign out of all other sessions" not in page
    for client in (phone, tablet):
        response = client.get(SECURITY)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert laptop.get("/settings/account/").status_code == 200
    assert someone_else.get("/settings/account/").status_code == 200, "other learners' sessions are untouched"
    event = AuditEvent.objects.get(subject=amara, action=AuditEvent.Action.SESSIONS_ENDED)
    assert event.actor == amara
    assert event.changes == {"other_sessions": [2, 0]}


def test_sign_out_of_other_sessions_with_none_says_so_and_is_still_recorded(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)

    response = laptop.post(SIGN_OUT_OTHERS, follow=True)

    assert "You were not signed in anywhere else." in response.content.decode()
    assert laptop.get(SECURITY).status_code == 200
    assert AuditEvent.objects.get(subject=amara, action=AuditEvent.Action.SESSIONS_ENDED).changes == {
        "other_sessions": [0, 0]
    }


def test_sign_out_of_other_sessions_needs_a_signed_in_post(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    assert laptop.get(SIGN_OUT_OTHERS).status_code == 405
    response = Client().post(SIGN_OUT_OTHERS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SESSIONS_ENDED).exists()


def test_a_password_change_ends_the_other_sessions_and_the_list_shows_it(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    phone = sign_in(amara, ip=PHONE_IP, agent=SAFARI_IPHONE)
    new_password = "another-long-phrase-42"

    response = laptop.post(
        SECURITY,
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
        follow=True,
    )

    page = response.content.decode()
    assert "Other devices have been signed out." in page
    items = session_items(page)
    assert len(items) == 1
    assert items[0].startswith("[current] Firefox on Linux This device Network (approximate location): 203.0.113.x")
    assert phone.get(SECURITY).status_code == 302
    assert laptop.get(SECURITY).status_code == 200
    assert UserSession.objects.filter(user=amara).count() == 1


def test_a_session_signed_out_elsewhere_leaves_the_list(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    phone = sign_in(amara, ip=PHONE_IP, agent=SAFARI_IPHONE)

    phone.post("/accounts/logout/")

    assert len(session_items(laptop.get(SECURITY).content.decode())) == 1
    assert UserSession.objects.filter(user=amara).count() == 1


@pytest.mark.usefixtures("database_cache")  # its entries expire by the clock time_machine moves
def test_last_activity_is_written_at_most_every_five_minutes(amara):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
        phone = sign_in(amara, ip=PHONE_IP, agent=SAFARI_IPHONE)
    row = UserSession.objects.get(user=amara, user_agent="Safari on iOS")

    with time_machine.travel(start + datetime.timedelta(minutes=4), tick=False):
        phone.get("/settings/account/")
    row.refresh_from_db()
    assert row.last_seen_at == start

    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        phone.get("/settings/account/")
        page = laptop.get(SECURITY).content.decode()
    row.refresh_from_db()
    assert row.last_seen_at == start + datetime.timedelta(minutes=6)
    assert row.created_at == start
    shown = timezone.localtime(row.last_seen_at).strftime("%H:%M")
    assert f"Last active {timezone.localtime(row.last_seen_at).day} " in session_items(page)[1]
    assert shown in session_items(page)[1]


@pytest.mark.usefixtures("database_cache")  # its entries expire by the clock time_machine moves
def test_being_active_does_not_make_a_session_last_longer(amara):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    expires = Session.objects.get().expire_date

    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False):
        laptop.get("/settings/account/")

    assert UserSession.objects.get().last_seen_at == start + datetime.timedelta(minutes=6)
    assert Session.objects.get().expire_date == expires


def test_a_session_from_before_sessions_were_listed_is_listed_and_can_be_ended(amara):
    laptop = sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    old = Client()
    old.force_login(amara)
    UserSession.objects.filter(session_id=old.session.session_key).delete()
    migration = importlib.import_module("accounts.migrations.0003_user_sessions")

    migration.list_signed_in_sessions(apps, None)

    assert len(session_items(laptop.get(SECURITY).content.decode())) == 2
    laptop.post(SIGN_OUT_OTHERS)
    assert old.get(SECURITY).status_code == 302


def test_sessions_are_declared_in_the_personal_data_registry(amara):
    sign_in(amara, ip=LAPTOP_IP, agent=FIREFOX_LINUX)
    declaration = registry.get(UserSession)
    assert declaration.categories == [Category.SECURITY]
    assert declaration.erasure == Delete()
    assert not declaration.fields["session"].exportable, "a session key is a credential"
    assert declaration.queryset_for(amara).count() == 1


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
            "Opera on Windows",
        ),
        ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) Gecko/20100101 Firefox/133.0", "Firefox on ChromeOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Windows",
        ),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPadOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "Chrome on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; VOG-L29) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36 OPR/86.0.4363.59",
            "Opera on Android",
        ),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ""),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Unknown browser on Android",
        ),
        ('=HYPERLINK("https://evil.example")Bot/1.0 (X11; Linux x86_64)', "Unknown browser on Linux"),
        ("curl/8.5.0", ""),
        ("SomeBot (Linux)", "Unknown browser on Linux"),
        ("", ""),
    ],
)
def test_browser_summaries(agent, summary):
    assert user_agent_summary(agent) == summary


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:abcd:12::5", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.23", "198.51.100.0/24"),
        ("fe80::1%eth0", "fe80::/48"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_networks_are_truncated(address, network):
    assert ip_network(address) == network
