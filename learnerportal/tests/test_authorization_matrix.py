"""Every URL of the URL conf × every kind of visitor answers as expected (200 / login / 403 / 404 / 405).

A URL pattern without an entry here fails the test: whoever adds a page decides who may see it.
Admin pages are covered per model: every model registered in admin needs an entry, and each of
its pages (list, add, record, delete, history) is requested with a real row of it.
"""

import io

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from PIL import Image

from accounts.tests.factories import UserFactory
from learnerportal.tests.admin_objects import one_of_each
from privacy.services import profile_visibility_update
from rights_requests import services as rr_services
from rights_requests.files import request_file_store
from rights_requests.tests.conftest import staff_member

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "learner", "other_learner", "support_agent", "privacy_officer", "staff_without_2fa")
LOGIN = "login"  # a redirect to the sign-in page
REDIRECT = "redirect"  # a redirect elsewhere (e.g. to set up two-factor authentication, or to the next step)


def row(anonymous, learner, other_learner, support_agent, privacy_officer, staff_without_2fa):
    answers = (anonymous, learner, other_learner, support_agent, privacy_officer, staff_without_2fa)
    return dict(zip(ROLES, answers, strict=True))


def everyone(expected):
    return row(*([expected] * len(ROLES)))


SIGNED_IN_PAGE = row(LOGIN, 200, 200, 200, 200, 200)
POST_ONLY = row(LOGIN, 405, 405, 405, 405, 405)
#: The API answers 401 in JSON instead of sending to the sign-in page.
SIGNED_IN_API = row(401, 200, 200, 200, 200, 200)
#: Signing in or up again while signed in goes to the dashboard.
SIGNED_OUT_PAGE = row(200, *[REDIRECT] * 5)

#: URL name → (path with the fixtures' values, expected answer per role) for GET requests.
EXPECTED = {
    "home": ("/", everyone(200)),
    "healthz": ("/healthz", everyone(200)),
    "accounts:signup": ("/accounts/signup/", SIGNED_OUT_PAGE),
    "accounts:login": ("/accounts/login/", SIGNED_OUT_PAGE),
    "accounts:logout": ("/accounts/logout/", everyone(405)),
    "accounts:password_reset": ("/accounts/password/reset/", everyone(200)),
    "accounts:password_reset_done": ("/accounts/password/reset/sent/", everyone(200)),
    "accounts:password_reset_confirm": ("/accounts/password/reset/MQ/not-a-token/", everyone(200)),
    "accounts:password_reset_complete": ("/accounts/password/reset/complete/", everyone(200)),
    "accounts:settings": ("/settings/", everyone(REDIRECT)),  # to the Account tab, which needs a sign-in
    "accounts:settings_account": ("/settings/account/", SIGNED_IN_PAGE),
    "accounts:settings_security": ("/settings/security/", SIGNED_IN_PAGE),
    "accounts:settings_sessions_end_others": ("/settings/security/sessions/sign-out-others/", POST_ONLY),
    "privacy:settings": ("/settings/privacy/", SIGNED_IN_PAGE),
    "privacy:notice": ("/privacy/notice/", everyone(200)),
    "privacy:unsubscribe": ("/privacy/unsubscribe/not-a-token/", everyone(400)),
    "privacy:account_activity": ("/settings/security/activity/", SIGNED_IN_PAGE),
    "privacy:consent_change": ("/settings/privacy/consents/", everyone(405)),
    "privacy:policy_confirm": ("/privacy/policy/confirm/", row(LOGIN, *[REDIRECT] * 5)),
    "privacy:checkup_dismiss": ("/settings/privacy/checkup/dismiss/", everyone(405)),
    # Staff set up 2FA only after following an enrolment link a superuser sent them.
    "privacy:two_factor_setup": ("/settings/privacy/two-factor/setup/", row(LOGIN, 200, 200, REDIRECT, REDIRECT, 403)),
    # A made-up enrolment link works for nobody: back to the Privacy tab with an explanation.
    "privacy:two_factor_staff_enrol": (
        "/settings/privacy/two-factor/staff-enrol/MQ/not-a-token/",
        row(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    ),
    "privacy:two_factor_backup_codes": (
        "/settings/privacy/two-factor/backup-codes/",
        row(LOGIN, REDIRECT, REDIRECT, 200, 200, REDIRECT),
    ),
    "privacy:two_factor_disable": (
        "/settings/privacy/two-factor/disable/",
        row(LOGIN, REDIRECT, REDIRECT, 200, 200, REDIRECT),
    ),
    "privacy:two_factor_login": ("/accounts/login/code/", everyone(LOGIN)),
    "privacy:confirm_password": ("/accounts/confirm-password/", SIGNED_IN_PAGE),
    # The learner shows their name to signed-in learners only; nothing to the internet.
    "privacy:profile": ("/learners/amara/", row(404, 200, 200, 200, 200, 200)),
    # The photo is "only me": nobody else, staff included, gets it.
    "privacy:photo": ("/learners/amara/photo/", row(404, 200, 404, 404, 404, 404)),
    "rights_requests:index": ("/settings/data/", SIGNED_IN_PAGE),
    "rights_requests:new": ("/settings/data/new/erasure/", SIGNED_IN_PAGE),
    "rights_requests:detail": ("/settings/data/{request}/", row(LOGIN, 200, 404, 404, 404, 404)),
    "rights_requests:withdraw": ("/settings/data/{request}/withdraw/", POST_ONLY),
    "rights_requests:download": ("/settings/data/{request}/download/", row(LOGIN, 200, 404, 404, 404, 404)),
    "accounts:api_token_new": ("/settings/security/tokens/new/", SIGNED_IN_PAGE),
    "accounts:api_token_revoke": ("/settings/security/tokens/1/revoke/", POST_ONLY),
    # The REST API with the browser session (tokens: learnerportal/tests/test_api_authorization.py).
    "api:profile": ("/api/v1/me/profile/", SIGNED_IN_API),
    "api:privacy": ("/api/v1/me/privacy/", SIGNED_IN_API),
    "api:consents": ("/api/v1/me/consents/", SIGNED_IN_API),
    "api:consent_history": ("/api/v1/me/consents/history/", SIGNED_IN_API),
    "api:requests": ("/api/v1/me/requests/", SIGNED_IN_API),
    "api:request_detail": ("/api/v1/me/requests/{request}/", row(401, 200, 404, 404, 404, 404)),
    "api:request_withdraw": ("/api/v1/me/requests/{request}/withdraw/", everyone(405)),
    "api:request_download": ("/api/v1/me/requests/{request}/download/", row(401, 200, 404, 404, 404, 404)),
    "api:learner": ("/api/v1/learners/amara/", row(404, 200, 200, 200, 200, 200)),
    "api:learner_photo": ("/api/v1/learners/amara/photo/", row(404, 200, 404, 404, 404, 404)),
    "api:schema": ("/api/schema/", everyone(200)),
    "api:docs": ("/api/docs/", everyone(200)),
}

#: Without staff status and a second factor in this session, every admin page sends to the sign-in.
ADMIN_OUTSIDERS = {"anonymous": LOGIN, "learner": LOGIN, "other_learner": LOGIN, "staff_without_2fa": LOGIN}

#: Admin pages outside any model: URL name → path; staff with 2FA get 200.
ADMIN_SITE_PAGES = {
    "admin:index": "/admin/",
    "admin:password_change": "/admin/password_change/",
    "admin:password_change_done": "/admin/password_change/done/",
    "admin:jsi18n": "/admin/jsi18n/",
}
#: Admin pages answered the same to everyone.
ADMIN_PUBLIC = {
    # Staff without 2FA are sent to set it up; there is no admin sign-in form. Signed-in learners
    # get a 403 (sending them to sign in would bring them back, in a loop).
    "admin:login": ("/admin/login/", row(LOGIN, 403, 403, LOGIN, LOGIN, REDIRECT)),
    "admin:logout": ("/admin/logout/", row(REDIRECT, REDIRECT, REDIRECT, 405, 405, REDIRECT)),
}

#: Model label → (what a support agent may do, what the privacy officer may do) in admin:
#: "v" opens the list, the record and its history, "a" adds, "d" deletes; "" is a 403 on every page.
ADMIN_MODELS = {
    "accounts.User": ("v", "v"),
    "accounts.Partner": ("", ""),
    "accounts.Course": ("", ""),
    "accounts.Enrollment": ("", ""),
    "accounts.Payment": ("", ""),
    "auth.Group": ("", ""),
    "axes.AccessAttempt": ("", ""),
    "axes.AccessLog": ("", ""),
    "axes.AccessFailureLog": ("", ""),
    # Nobody deletes or adds audit events, not even the officer who reads them.
    "privacy.AuditEvent": ("", "v"),
    "privacy.ProcessingRestriction": ("v", "va"),
    "privacy.ProcessingRun": ("v", "v"),
    "privacy.PolicyVersion": ("", "va"),
    # Requests are filed by learners, never added in admin, and never deleted (they are the record).
    "rights_requests.RightsRequest": ("v", "v"),
    "django_tasks_database.DBTaskResult": ("", ""),
}
#: Admin page kind → the letter of ``ADMIN_MODELS`` that opens it.
ADMIN_PAGE_NEEDS = {"changelist": "v", "add": "a", "change": "v", "delete": "d", "history": "v"}


def admin_page(meta, kind, obj):
    """Return the admin path of a model page kind, for ``obj`` where the page is about one record."""
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    return {"changelist": base, "add": f"{base}add/"}.get(kind, f"{base}{obj.pk}/{kind}/")


def url_names():
    """Return every named URL of the URL conf, namespaced, e.g. ``"privacy:profile"``."""

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                yield from walk(pattern, f"{namespace}:{inner}".strip(":") if inner else namespace)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}".strip(":")

    return set(walk(get_resolver(), ""))


@pytest.fixture
def world(verified_login):
    learner = UserFactory(username="amara")
    learner.profile.full_name = "Amara Okafor"
    learner.profile.save()
    profile_visibility_update(actor=learner, subject=learner, audiences={"full_name": "learners"})
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
    learner.profile.photo.save("p.jpg", ContentFile(buffer.getvalue()))
    clients = {role: Client() for role in ROLES}
    clients["learner"].force_login(learner)
    clients["other_learner"].force_login(UserFactory(username="bilal"))
    verified_login(clients["support_agent"], staff_member("sam.agent", "Support agent"))
    verified_login(clients["privacy_officer"], staff_member("priya.officer", "Privacy officer"))
    clients["staff_without_2fa"].force_login(staff_member("tom.staff", "Support agent"))
    return learner, clients


def answer(response):
    if response.status_code in (301, 302):
        return LOGIN if response["Location"].startswith(("/accounts/login/", "/admin/login/")) else REDIRECT
    return response.status_code


def test_every_url_pattern_has_an_entry():
    admin_models = {model._meta.label for model in admin.site._registry}
    assert sorted(admin_models - set(ADMIN_MODELS)) == [], "admin models without an entry in ADMIN_MODELS"
    covered = set(EXPECTED) | set(ADMIN_SITE_PAGES) | set(ADMIN_PUBLIC)
    model_urls = {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}"
        for model in admin.site._registry
        for kind in ("changelist", "add", "change", "delete", "history")
    }
    generic = {
        "admin:app_list",
        "admin:view_on_site",
        "admin:autocomplete",
        "admin:auth_user_password_change",
        "admin:rights_requests_rightsrequest_leftovers",
    }
    assert sorted(url_names() - covered - model_urls - generic) == []
    admin_kinds = {name.rsplit("_", 1)[1] for name in url_names() & model_urls}
    assert admin_kinds == set(ADMIN_PAGE_NEEDS), "an admin page kind the matrix does not request"


@pytest.mark.parametrize("role", ["learner", "anonymous"])
def test_a_learner_opening_the_admin_ends_on_a_page_not_in_a_redirect_loop(world, role):
    _, clients = world
    response = clients[role].get("/admin/rights_requests/rightsrequest/", follow=True)
    assert len(response.redirect_chain) <= 2
    if role == "learner":
        assert response.status_code == 403 and "You do not have permission for this page" in response.content.decode()
    else:
        assert response.status_code == 200 and response.request["PATH_INFO"] == "/accounts/login/"


def test_the_matrix(world):
    learner, clients = world
    # The report is stored directly: this test is about who may download it, not how it is made.
    request = rr_services.request_submit(actor=learner, subject=learner, request_type="access")
    request_file_store(request=request, kind="access_report", source=io.BytesIO(b"<p>Your data</p>"))
    cases = {name: (path.format(request=request.pk), expected) for name, (path, expected) in EXPECTED.items()}
    cases |= ADMIN_PUBLIC
    for name, path in ADMIN_SITE_PAGES.items():
        cases[name] = (path, ADMIN_OUTSIDERS | {"support_agent": 200, "privacy_officer": 200})
    objects = one_of_each(learner)
    for model in admin.site._registry:
        meta = model._meta
        may = dict(zip(("support_agent", "privacy_officer"), ADMIN_MODELS[meta.label], strict=True))
        for kind, needs in ADMIN_PAGE_NEEDS.items():
            expected = ADMIN_OUTSIDERS | {role: 200 if needs in may[role] else 403 for role in may}
            cases[f"admin:{meta.app_label}_{meta.model_name}_{kind}"] = (
                admin_page(meta, kind, objects[meta.label]),
                expected,
            )
    # What an erasure left is the privacy officer's to remove; this request left nothing (back to its page).
    cases["admin:rights_requests_rightsrequest_leftovers"] = (
        f"/admin/rights_requests/rightsrequest/{request.pk}/leftovers/",
        ADMIN_OUTSIDERS | {"support_agent": 403, "privacy_officer": REDIRECT},
    )
    cases["admin:auth_user_password_change"] = (
        f"/admin/accounts/user/{learner.pk}/password/",
        ADMIN_OUTSIDERS | {"support_agent": 403, "privacy_officer": 403},
    )

    wrong = []
    for name, (path, expected) in sorted(cases.items()):
        for role in ROLES:
            got = answer(clients[role].get(path))
            if got != expected[role]:
                wrong.append(f"{name} {path} as {role}: expected {expected[role]}, got {got}")
    assert wrong == [], "\n".join(wrong)
