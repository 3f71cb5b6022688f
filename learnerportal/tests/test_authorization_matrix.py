"""Every URL of the URL conf × every kind of visitor answers as expected (200 / login / 403 / 404 / 405).

A URL pattern without an entry here fails the test: whoever adds a page decides who may see it.
Admin pages are covered per model: every model registered in admin needs an entry, and each of
its pages (list, add, record, delete, history) is requested with a real row of it, then posted
to (add, record, delete). The pages that change an account are tried by every role on a
learner's, a staff member's and a superuser's account, with what the attacker would send.
"""

import io

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver

from accounts.models import User
from compliance.models import AuditEvent, StaffGroup
from learnerportal.tests.factories import PasskeyFactory, UserFactory, one_of_each, photo_file, staff_member
from privacy.services import profile_visibility_update
from rights_requests import services as rr_services
from rights_requests.files import request_file_store

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "learner",
    "other_learner",
    "support_agent",
    "privacy_officer",
    "staff_without_2fa",
    # Staff outside the portal's groups with Django's add/change/delete/view user permissions.
    "support_clerk",
    "superuser",
)
#: The roles with staff status and a second factor in this session: the admin's users.
ADMIN_ROLES = ("support_agent", "privacy_officer", "support_clerk", "superuser")
LOGIN = "login"  # a redirect to the sign-in page
REDIRECT = "redirect"  # a redirect elsewhere (e.g. to set up two-factor authentication, or to the next step)


def row(anonymous, learner, other_learner, support_agent, privacy_officer, staff_without_2fa, **others):
    """Return ``{role: expected answer}``; the support clerk and the superuser answer as the agent unless named.

    Outside the admin, staff accounts are signed-in accounts like the agent's.
    """
    answers = (anonymous, learner, other_learner, support_agent, privacy_officer, staff_without_2fa)
    defaults = {"support_clerk": support_agent, "superuser": support_agent}
    return dict(zip(ROLES[:6], answers, strict=True)) | defaults | others


def everyone(expected):
    return dict.fromkeys(ROLES, expected)


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
    # The visitors' language switcher takes a POST; a GET changes nothing and goes back home.
    "set_language": ("/language/", everyone(REDIRECT)),
    "accounts:signup": ("/accounts/signup/", SIGNED_OUT_PAGE),
    "accounts:signup_sent": ("/accounts/signup/sent/", everyone(200)),
    # A made-up sign-up link makes no account for anybody.
    "accounts:signup_confirm": ("/accounts/signup/confirm/not-a-token/", everyone(400)),
    "accounts:signup_finish": ("/accounts/signup/finish/", everyone(405)),
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
    "privacy:consent_history": ("/settings/privacy/consents/history/", SIGNED_IN_PAGE),
    "privacy:consent_change": ("/settings/privacy/consents/", everyone(405)),
    "privacy:policy_confirm": ("/privacy/policy/confirm/", row(LOGIN, *[REDIRECT] * 5)),
    "privacy:checkup_dismiss": ("/settings/privacy/checkup/dismiss/", everyone(405)),
    "privacy:global_privacy_control": ("/settings/privacy/global-privacy-control/", everyone(405)),
    # Staff set up 2FA only after following an enrolment link a superuser sent them.
    "privacy:two_factor_setup": ("/settings/privacy/two-factor/setup/", row(LOGIN, 200, 200, REDIRECT, REDIRECT, 403)),
    # A made-up enrolment link works for nobody: back to the Privacy tab with an explanation.
    "accounts:two_factor_staff_enrol": (
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
    "accounts:two_factor_login": ("/accounts/login/code/", everyone(LOGIN)),
    # Passkeys: adding one needs 2FA on and the code step passed; amara's passkey is hers alone.
    "privacy:passkey_add": (
        "/settings/privacy/two-factor/passkeys/add/",
        row(LOGIN, REDIRECT, REDIRECT, 200, 200, REDIRECT),
    ),
    "privacy:passkey_rename": (
        "/settings/privacy/two-factor/passkeys/{passkey}/name/",
        row(LOGIN, 200, 404, 404, 404, 404),
    ),
    # Removing needs the password and a code: amara, without an authenticator app, is sent to the Privacy tab.
    "privacy:passkey_remove": (
        "/settings/privacy/two-factor/passkeys/{passkey}/remove/",
        row(LOGIN, REDIRECT, 404, 404, 404, 404),
    ),
    # The ceremonies' JSON endpoints take POSTs only (tested in accounts/tests/test_passkeys.py).
    "accounts:passkey_registration_begin": ("/accounts/passkeys/add/begin/", everyone(405)),
    "accounts:passkey_registration_complete": ("/accounts/passkeys/add/complete/", everyone(405)),
    "accounts:passkey_sign_in_begin": ("/accounts/passkeys/sign-in/begin/", everyone(405)),
    "accounts:passkey_sign_in_complete": ("/accounts/passkeys/sign-in/complete/", everyone(405)),
    "accounts:passkey_messages": ("/accounts/passkeys/messages.js", everyone(200)),
    "accounts:confirm_password": ("/accounts/confirm-password/", SIGNED_IN_PAGE),
    # Only a session waiting at the code step may ask for a recovery; everyone else is sent to sign in.
    "accounts:recovery_request": ("/accounts/login/code/recovery/", everyone(LOGIN)),
    # Made-up recovery links start or cancel nothing, for anybody.
    "accounts:recovery_start": ("/accounts/recovery/1/start/1-not-a-token/", everyone(400)),
    "accounts:recovery_cancel_link": ("/accounts/recovery/1/cancel/1-not-a-token/", everyone(400)),
    "accounts:recovery_cancel": ("/settings/security/recovery/cancel/", POST_ONLY),
    # The learner shows their name to signed-in learners only; nothing to the internet.
    "privacy:profile": ("/learners/amara/", row(404, 200, 200, 200, 200, 200)),
    # The photo is "only me": nobody else, staff included, gets it.
    "privacy:photo": ("/learners/amara/photo/", row(404, 200, 404, 404, 404, 404)),
    "rights_requests:index": ("/settings/data/", SIGNED_IN_PAGE),
    "rights_requests:new": ("/settings/data/new/erasure/", SIGNED_IN_PAGE),
    "rights_requests:detail": ("/settings/data/{request}/", row(LOGIN, 200, 404, 404, 404, 404)),
    "rights_requests:withdraw": ("/settings/data/{request}/withdraw/", POST_ONLY),
    "rights_requests:lift": ("/settings/data/{request}/lift/", POST_ONLY),
    "rights_requests:download": ("/settings/data/{request}/download/", row(LOGIN, 200, 404, 404, 404, 404)),
    # People who cannot sign in: the form for all; the steps after it need the session's request.
    "rights_requests:public_new": ("/privacy/request/", everyone(200)),
    "rights_requests:public_code": ("/privacy/request/code/", everyone(REDIRECT)),
    "rights_requests:public_code_new": ("/privacy/request/code/new/", everyone(405)),
    "rights_requests:public_password": ("/privacy/request/password/", everyone(REDIRECT)),
    "rights_requests:public_done": ("/privacy/request/done/", everyone(REDIRECT)),
    # A made-up download link gives nobody anything; nor does a made-up objection link cancel anything.
    "rights_requests:public_download": ("/privacy/request/download/not-a-token/", everyone(404)),
    "rights_requests:agent_object": ("/privacy/request/object/not-a-token/", everyone(404)),
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
    "api:request_lift": ("/api/v1/me/requests/{request}/lift/", everyone(405)),
    "api:request_download": ("/api/v1/me/requests/{request}/download/", row(401, 200, 404, 404, 404, 404)),
    "api:learner": ("/api/v1/learners/amara/", row(404, 200, 200, 200, 200, 200)),
    "api:learner_photo": ("/api/v1/learners/amara/photo/", row(404, 200, 404, 404, 404, 404)),
    "api:learner_courses": ("/api/v1/learners/amara/courses/", row(404, 200, 404, 404, 404, 404)),
    # amara has completed no course: an empty list has no pages, for its owner too.
    "api:learner_accomplishments": ("/api/v1/learners/amara/accomplishments/", everyone(404)),
    "api:schema": ("/api/schema/", everyone(200)),
    "api:docs": ("/api/docs/", everyone(200)),
}

#: Without staff status and a second factor in this session, every admin page sends to the sign-in.
ADMIN_OUTSIDERS = {"anonymous": LOGIN, "learner": LOGIN, "other_learner": LOGIN, "staff_without_2fa": LOGIN}

#: Admin pages outside any model: URL name → (path, what staff with 2FA get).
ADMIN_SITE_PAGES = {
    "admin:index": ("/admin/", 200),
    # Staff change their password on Settings → Security, like everyone (audited, API tokens revoked).
    "admin:password_change": ("/admin/password_change/", REDIRECT),
    "admin:password_change_done": ("/admin/password_change/done/", REDIRECT),
    "admin:jsi18n": ("/admin/jsi18n/", 200),
}
#: Admin pages answered the same to everyone.
ADMIN_PUBLIC = {
    # Staff without 2FA are sent to set it up; there is no admin sign-in form. Signed-in learners
    # get a 403 (sending them to sign in would bring them back, in a loop).
    "admin:login": ("/admin/login/", row(LOGIN, 403, 403, LOGIN, LOGIN, REDIRECT)),
    "admin:logout": ("/admin/logout/", row(REDIRECT, REDIRECT, REDIRECT, 405, 405, REDIRECT)),
}

#: Model label → what each of ``ADMIN_ROLES`` may do with it in admin: "v" opens the list, the
#: record and its history, "c" saves the record, "a" adds, "d" deletes; "" is a 403 on every page.
ADMIN_MODELS = {
    # Only superusers change accounts, whatever Django permissions other staff hold.
    "accounts.User": ("v", "v", "v", "vcad"),
    # Profiles in admin record a learner's regime only: the privacy officer (``record_regime``) and superusers.
    "accounts.Profile": ("", "vc", "", "vc"),
    "accounts.Partner": ("", "", "", "vcad"),
    "accounts.Course": ("", "", "", "vcad"),
    "accounts.Enrollment": ("", "", "", "vcad"),
    "accounts.Payment": ("", "", "", "vcad"),
    # A group's permissions are its members' rights: only superusers change them.
    "auth.Group": ("", "", "", "vcad"),
    "axes.AccessAttempt": ("", "", "", "vcd"),
    "axes.AccessLog": ("", "", "", "vcd"),
    "axes.AccessFailureLog": ("", "", "", "vcd"),
    # Nobody deletes or adds audit events, not even the officer who reads them.
    "compliance.AuditEvent": ("", "v", "", "v"),
    "privacy.ProcessingRestriction": ("v", "vca", "", "vca"),
    "privacy.ProcessingRun": ("v", "v", "", "v"),
    "privacy.PolicyVersion": ("", "vca", "", "vca"),
    # Requests are filed by learners, never added in admin, and never deleted (they are the record).
    "rights_requests.RightsRequest": ("v", "v", "", "v"),
    # Answered by an action, erased by the officer's action, never edited.
    "rights_requests.PublicRequest": ("v", "v", "", "v"),
    "django_tasks_database.DBTaskResult": ("", "", "", "v"),
}
#: Admin page kind → the letter of ``ADMIN_MODELS`` that opens it (GET).
ADMIN_PAGE_NEEDS = {"changelist": "v", "add": "a", "change": "v", "delete": "d", "history": "v"}
#: Admin page kind → the letter of ``ADMIN_MODELS`` that lets a POST to it through. An empty POST
#: changes nothing: a form that may be saved answers with its errors (or saves nothing new),
#: a delete page asks to confirm.
ADMIN_POST_NEEDS = {"add": "a", "change": "c", "delete": "d"}
#: A POST let through: the form again (200) or back to the list (302).
ALLOWED = "allowed"


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
def world(verified_login, support_clerk):
    learner = UserFactory(username="amara", profile__full_name="Amara Okafor", profile__photo=photo_file())
    profile_visibility_update(actor=learner, subject=learner, audiences={"full_name": "learners"})
    clients = {role: Client() for role in ROLES}
    clients["learner"].force_login(learner)
    clients["other_learner"].force_login(UserFactory(username="bilal"))
    verified_login(clients["support_agent"], staff_member("sam.agent", StaffGroup.SUPPORT_AGENT))
    verified_login(clients["privacy_officer"], staff_member("priya.officer", StaffGroup.PRIVACY_OFFICER))
    clients["staff_without_2fa"].force_login(staff_member("tom.staff", StaffGroup.SUPPORT_AGENT))
    verified_login(clients["support_clerk"], support_clerk)
    verified_login(clients["superuser"], UserFactory(username="sue.root", is_staff=True, is_superuser=True))
    return learner, clients


def answer(response):
    if response.status_code in (301, 302):
        return LOGIN if response["Location"].startswith(("/accounts/login/", "/admin/login/")) else REDIRECT
    return response.status_code


def post_answer(response):
    """Return the answer to an admin POST: LOGIN, 403, or ``ALLOWED`` (the form again, or a redirect)."""
    got = answer(response)
    return ALLOWED if got in (200, REDIRECT) else got


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
        "admin:rights_requests_rightsrequest_statistics",
        "admin:rights_requests_publicrequest_authorisation",
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
    passkey = PasskeyFactory(user=learner)
    cases = {
        name: (path.format(request=request.pk, passkey=passkey.pk), expected)
        for name, (path, expected) in EXPECTED.items()
    }
    cases |= ADMIN_PUBLIC
    for name, (path, staff) in ADMIN_SITE_PAGES.items():
        cases[name] = (path, ADMIN_OUTSIDERS | dict.fromkeys(ADMIN_ROLES, staff))
    objects = one_of_each(learner)
    posts = {}
    for model in admin.site._registry:
        meta = model._meta
        may = dict(zip(ADMIN_ROLES, ADMIN_MODELS[meta.label], strict=True))
        for kind, needs in ADMIN_PAGE_NEEDS.items():
            expected = ADMIN_OUTSIDERS | {role: 200 if needs in may[role] else 403 for role in may}
            cases[f"admin:{meta.app_label}_{meta.model_name}_{kind}"] = (
                admin_page(meta, kind, objects[meta.label]),
                expected,
            )
        for kind, needs in ADMIN_POST_NEEDS.items():
            expected = ADMIN_OUTSIDERS | {role: ALLOWED if needs in may[role] else 403 for role in may}
            posts[f"admin:{meta.app_label}_{meta.model_name}_{kind}"] = (
                admin_page(meta, kind, objects[meta.label]),
                expected,
            )
    # What an erasure left is the privacy officer's to remove; this request left nothing (back to its page).
    cases["admin:rights_requests_rightsrequest_leftovers"] = (
        f"/admin/rights_requests/rightsrequest/{request.pk}/leftovers/",
        ADMIN_OUTSIDERS
        | {"support_agent": 403, "privacy_officer": REDIRECT, "support_clerk": 403, "superuser": REDIRECT},
    )
    # The request statistics are the privacy officer's (and a superuser's).
    cases["admin:rights_requests_rightsrequest_statistics"] = (
        "/admin/rights_requests/rightsrequest/statistics/",
        ADMIN_OUTSIDERS | {"support_agent": 403, "privacy_officer": 200, "support_clerk": 403, "superuser": 200},
    )
    # An agent's signed authorisation opens for staff who work requests, whatever other permissions staff hold.
    cases["admin:rights_requests_publicrequest_authorisation"] = (
        f"/admin/rights_requests/publicrequest/{objects['rights_requests.PublicRequest'].pk}/authorisation/",
        ADMIN_OUTSIDERS | {"support_agent": 200, "privacy_officer": 200, "support_clerk": 403, "superuser": 200},
    )
    cases["admin:auth_user_password_change"] = (
        f"/admin/accounts/user/{learner.pk}/password/",
        ADMIN_OUTSIDERS | {"support_agent": 403, "privacy_officer": 403, "support_clerk": 403, "superuser": 200},
    )

    wrong = []
    for name, (path, expected) in sorted(cases.items()):
        for role in ROLES:
            got = answer(clients[role].get(path))
            if got != expected[role]:
                wrong.append(f"{name} {path} as {role}: expected {expected[role]}, got {got}")
    for name, (path, expected) in sorted(posts.items()):
        for role in ROLES:
            got = post_answer(clients[role].post(path, {}))
            if got != expected[role]:
                wrong.append(f"POST {name} {path} as {role}: expected {expected[role]}, got {got}")
    assert wrong == [], "\n".join(wrong)


NEW_PASSWORD = "a-new-long-passphrase-for-2027"
#: The steps of an attacker through every admin page that changes an account, in order.
ACCOUNT_STEPS = (
    "open the record",
    "open its history",
    "change its email",
    "open the password form",
    "set its password",
    "open the delete page",
    "delete it",
    "delete it from the list",
    "email it a 2FA enrolment link",
)
#: Expected answer per step for staff other than superusers, whatever permissions they hold.
STAFF_STEPS = (200, 200, 403, 403, 403, 403, 403, 403, 403)
#: A superuser may: the account is changed (302), and it is not deleted only because its audit log
#: protects it (the confirmation page lists what is in the way).
SUPERUSER_STEPS = (200, 200, REDIRECT, 200, REDIRECT, 200, 200, 200, REDIRECT)
#: What the account's owner is told a refused staff member tried, per refused step.
REFUSED_ATTEMPTS = {
    "change its email": "change your account details",
    "open the password form": "set your password",
    "set its password": "set your password",
    "open the delete page": "delete your account",
    "delete it": "delete your account",
    "delete it from the list": "delete your account",
    "email it a 2FA enrolment link": "email your account a two-factor enrolment link",
}


def account_form(user, **changes):
    """Return the admin's change form for ``user`` as a browser would post it, with ``changes``."""
    data = {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
        "user_permissions": [permission.pk for permission in user.user_permissions.all()],
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
    }
    data |= {"is_staff": "on"} if user.is_staff else {}
    data |= {"is_superuser": "on"} if user.is_superuser else {}
    return data | changes


def account_step(client, step, target):
    """Take ``step`` of ``ACCOUNT_STEPS`` against ``target`` with ``client``; return the answer."""
    base = f"/admin/accounts/user/{target.pk}/"
    selected = {"_selected_action": [target.pk]}
    password = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    taken = account_form(target, email=f"{target.username}@attacker.example")
    requests = {
        "open the record": ("get", f"{base}change/", None),
        "open its history": ("get", f"{base}history/", None),
        "change its email": ("post", f"{base}change/", taken),
        "open the password form": ("get", f"{base}password/", None),
        "set its password": ("post", f"{base}password/", password),
        "open the delete page": ("get", f"{base}delete/", None),
        "delete it": ("post", f"{base}delete/", {"post": "yes"}),
        "delete it from the list": (
            "post",
            "/admin/accounts/user/",
            {"action": "delete_selected", "post": "yes"} | selected,
        ),
        "email it a 2FA enrolment link": (
            "post",
            "/admin/accounts/user/",
            {"action": "send_two_factor_enrolment_link", "index": "0"} | selected,
        ),
    }
    method, path, data = requests[step]
    return answer(getattr(client, method)(path, data))


def account_targets(role, verified_login):
    """Return fresh accounts for ``role`` to attack: a learner, a staff member without 2FA yet, a superuser."""
    superuser = UserFactory(username=f"ola-{role}", is_staff=True, is_superuser=True)
    verified_login(Client(), superuser)  # a superuser with two-factor authentication
    return {
        "learner": UserFactory(username=f"lena-{role}"),
        "staff": staff_member(f"kim-{role}", StaffGroup.SUPPORT_AGENT),
        "superuser": superuser,
    }


def test_the_account_matrix(world, verified_login, mailoutbox, django_capture_on_commit_callbacks):
    """Every role × every page that changes an account × a learner's, a staff member's and a superuser's account."""
    _, clients = world
    wrong = []
    for role in ROLES:
        actor = clients[role].session.get("_auth_user_id")
        expected = {
            **dict.fromkeys(ROLES, (LOGIN,) * len(ACCOUNT_STEPS)),
            **dict.fromkeys(ADMIN_ROLES, STAFF_STEPS),
            "superuser": SUPERUSER_STEPS,
        }[role]
        for kind, target in account_targets(role, verified_login).items():
            mailoutbox.clear()
            for step, wanted in zip(ACCOUNT_STEPS, expected, strict=True):
                with django_capture_on_commit_callbacks(execute=True):
                    got = account_step(clients[role], step, target)
                if got != wanted:
                    wrong.append(f"{step} of the {kind} as {role}: expected {wanted}, got {got}")
            after = User.objects.get(pk=target.pk)
            changed = (after.email != target.email, after.check_password(NEW_PASSWORD), bool(mailoutbox))
            refused = AuditEvent.objects.filter(subject=target, action=AuditEvent.Action.ACCOUNT_CHANGE_REFUSED)
            attempts = sorted(refused.filter(actor_id=actor).values_list("changes__attempt", flat=True))
            if role == "superuser":
                wanted_changes, wanted_attempts = (True, True, True), []
            else:
                wanted_changes = (False, False, False)
                wanted_attempts = sorted(REFUSED_ATTEMPTS.values()) if role in ADMIN_ROLES else []
            if changed != wanted_changes:
                wrong.append(f"the {kind} as {role}: (email, password, mail) changed {changed}, not {wanted_changes}")
            if attempts != wanted_attempts:
                wrong.append(f"the {kind} as {role}: refusals recorded {attempts}, not {wanted_attempts}")
    assert wrong == [], "\n".join(wrong)


def test_an_action_not_offered_is_refused_on_every_admin_page(world):
    """A forged action answers 403 on every list and record page, for every admin user, superusers too.

    Django would show the list again, or say no action was chosen: the attempt went unnoticed.
    """
    learner, clients = world
    objects = one_of_each(learner)
    wrong = []
    for model in admin.site._registry:
        meta = model._meta
        obj = objects[meta.label]
        forged = {
            "list": (admin_page(meta, "changelist", obj), {"action": "not_offered", "index": "0"}),
            "list, confirmed": (admin_page(meta, "changelist", obj), {"action": "not_offered", "post": "yes"}),
            "record": (admin_page(meta, "change", obj), {"CHANGE_FORM-action": "not_offered"}),
        }
        for where, (path, data) in forged.items():
            for role in ADMIN_ROLES:
                got = answer(clients[role].post(path, data | {"_selected_action": [obj.pk]}))
                if got != 403:
                    wrong.append(f"{meta.label} {where} as {role}: expected 403, got {got}")
    assert wrong == [], "\n".join(wrong)
