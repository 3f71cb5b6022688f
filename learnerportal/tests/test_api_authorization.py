"""Authorization matrix: every API endpoint × every kind of caller.

Callers: anonymous, the owner (session), another learner (session), staff (session
after 2FA), the owner's read-only token, the owner's read-write token, and two
sessions of the owner that have not passed the two-factor code step (waiting at
the code step; signed in with a password only). Whatever the caller, nobody reads
or changes another learner's data: after each call the owner's data is checked.
"""

import io

import pytest
from django.test import Client
from django.utils import timezone

from compliance.models import StaffGroup
from learnerportal.tests.factories import (
    ProfileVisibilityFactory,
    TOTPDeviceFactory,
    UserFactory,
    photo_file,
    staff_member,
)
from learnerportal.tests.support import make_token, password_step_client, token_client
from privacy.models import Consent, ProfileVisibility
from rights_requests.files import request_file_store
from rights_requests.models import RequestFile, RightsRequest

pytestmark = pytest.mark.django_db

CALLERS = [
    "anonymous",
    "owner",
    "other_learner",
    "staff",
    "token_read",
    "token_read_write",
    "code_pending",
    "unverified",
]


class Endpoint:
    def __init__(self, name, method, path, body=None, ok=200, own_object=False, public=False, write=False):
        self.name, self.method, self.path, self.body = name, method, path, body
        self.ok, self.own_object, self.public, self.write = ok, own_object, public, write

    def __repr__(self):
        return self.name


ENDPOINTS = [
    Endpoint("profile.get", "get", "/api/v1/me/profile/"),
    Endpoint("profile.patch", "patch", "/api/v1/me/profile/", {"bio": "Changed by the caller"}, write=True),
    Endpoint("privacy.get", "get", "/api/v1/me/privacy/"),
    Endpoint("privacy.patch", "patch", "/api/v1/me/privacy/", {"fields": {"bio": "public"}}, write=True),
    Endpoint("consents.get", "get", "/api/v1/me/consents/"),
    Endpoint("consents.post", "post", "/api/v1/me/consents/", {"purpose": "research", "granted": True}, write=True),
    Endpoint("consents.history", "get", "/api/v1/me/consents/history/"),
    Endpoint("requests.list", "get", "/api/v1/me/requests/"),
    Endpoint("requests.file", "post", "/api/v1/me/requests/", {"type": "portability"}, ok=201, write=True),
    Endpoint("requests.detail", "get", "/api/v1/me/requests/{access}/", own_object=True),
    Endpoint("requests.withdraw", "post", "/api/v1/me/requests/{open}/withdraw/", own_object=True, write=True),
    Endpoint("requests.download", "get", "/api/v1/me/requests/{access}/download/", own_object=True),
    Endpoint("learner.profile", "get", "/api/v1/learners/owner/", public=True),
    Endpoint("learner.photo", "get", "/api/v1/learners/owner/photo/", public=True),
]


@pytest.fixture
def world(make_request):
    """The owner with a profile, settings, consents, an access report to download and an open request."""
    owner = UserFactory(
        username="owner",
        profile__full_name="Owner Original Name",
        profile__bio="The owner's own bio",
        profile__photo=photo_file(),
    )
    # Name public, photo for signed-in learners, everything else private.
    ProfileVisibilityFactory(user=owner, full_name="public", photo="learners")
    access = make_request("access", status="completed", subject=owner, completed_at=timezone.now())
    request_file_store(request=access, kind=RequestFile.Kind.ACCESS_REPORT, source=io.BytesIO(b"<h1>Report</h1>"))
    open_request = make_request("restriction", status="awaiting_approval", subject=owner, details={"reason": "x"})
    return {"owner": owner, "access": access, "open": open_request}


def caller_client(kind, world, verified_login):
    owner = world["owner"]
    if kind == "anonymous":
        return Client()
    if kind == "owner":
        client = Client()
        client.force_login(owner)
        return client
    if kind == "other_learner":
        client = Client()
        client.force_login(UserFactory(username="other"))
        return client
    if kind == "staff":
        client = Client()
        verified_login(client, staff_member("priya.staff", StaffGroup.PRIVACY_OFFICER))
        return client
    if kind == "token_read":
        return token_client(make_token(owner, scope="read"))
    if kind == "token_read_write":
        return token_client(make_token(owner, scope="read_write"))
    TOTPDeviceFactory(user=owner)
    if kind == "code_pending":
        return password_step_client(owner)
    client = Client()  # "unverified": signed in with the password only, 2FA on
    client.force_login(owner)
    return client


def expected(kind, endpoint):
    """Return ``(status, code)`` the caller must get; code None when any success body."""
    if endpoint.public:
        if endpoint.name == "learner.photo" and kind in ("anonymous", "code_pending", "unverified"):
            return 404, "not_found"  # the photo is for signed-in learners; those sessions count as anonymous
        return 200, None
    if kind == "anonymous":
        return 401, "not_authenticated"
    if kind in ("code_pending", "unverified"):
        return 401, "two_factor_required"
    if kind == "token_read" and endpoint.write:
        return 403, "insufficient_scope"
    if kind in ("other_learner", "staff") and endpoint.own_object:
        return 404, "not_found"
    return endpoint.ok, None


def owner_state(world):
    owner = world["owner"]
    owner.refresh_from_db()
    owner.profile.refresh_from_db()
    visibility = ProfileVisibility.objects.get(user=owner)
    return {
        "bio": owner.profile.bio,
        "visibility": visibility.audiences(),
        "consents": list(Consent.objects.filter(user=owner).values_list("purpose", "granted")),
        "requests": sorted(RightsRequest.objects.filter(subject=owner).values_list("type", "status")),
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=repr)
@pytest.mark.parametrize("kind", CALLERS)
def test_every_endpoint_answers_each_caller_as_the_rules_say(kind, endpoint, world, verified_login):
    client = caller_client(kind, world, verified_login)
    before = owner_state(world)
    path = endpoint.path.format(access=world["access"].pk, open=world["open"].pk)
    response = getattr(client, endpoint.method)(path, endpoint.body, content_type="application/json")

    status, code = expected(kind, endpoint)
    assert response.status_code == status, response.content[:300]
    if code:
        assert response.json()["code"] == code
    after = owner_state(world)
    changed = {key for key in before if before[key] != after[key]}
    acts_as_owner = kind in ("owner", "token_read_write") and status < 300
    if acts_as_owner and endpoint.write:
        assert changed, "the owner's own change was not made"
    else:
        assert not changed, f"{kind} changed the owner's data: {changed}"
    if kind in ("other_learner", "staff") and status == 200 and not endpoint.public:
        body = response.content.decode()
        for secret in ("Owner Original Name", "owner's own bio", "owner@example.org", str(world["access"].pk)):
            assert secret not in body


@pytest.mark.parametrize("kind", ["other_learner", "staff", "token_read_write"])
def test_the_public_profile_shows_signed_in_callers_what_learners_see(kind, world, verified_login):
    client = caller_client(kind, world, verified_login)
    data = client.get("/api/v1/learners/owner/").json()
    if kind == "token_read_write":  # the owner's own token: the owner sees everything filled in
        assert {"full_name", "photo", "bio"} <= set(data)
    else:
        assert set(data) == {"username", "full_name", "photo"}


@pytest.mark.parametrize("kind", ["anonymous", "code_pending", "unverified"])
def test_a_session_without_its_code_sees_profiles_as_anyone_does(kind, world, verified_login):
    client = caller_client(kind, world, verified_login)
    assert client.get("/api/v1/learners/owner/").json() == {"username": "owner", "full_name": "Owner Original Name"}
