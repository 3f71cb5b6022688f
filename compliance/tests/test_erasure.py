"""Erasure through the registry: one transaction, nothing identifying left, the receipt says so."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import Enrollment, LearningEvent, Payment, Profile, User
from compliance.erasure import erasure_execute
from compliance.models import AuditEvent, StaffGroup
from learnerportal.tests.factories import (
    EnrollmentFactory,
    LearningEventFactory,
    PaymentFactory,
    UserFactory,
    photo_file,
    staff_member,
)
from privacy.models import Consent, ProfileVisibility
from privacy.services import consent_record, profile_visibility_update
from rights_requests import services
from rights_requests.models import RightsRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def noor():
    user = UserFactory(
        username="noor-hassan",
        email="noor.hassan@example.org",
        profile__full_name="Noor Al-Hassan",
        profile__phone="+44 7700 900555",
        profile__bio="Loves statistics",
        profile__date_of_birth=datetime.date(1990, 1, 2),
        profile__photo=photo_file(),
    )
    enrollment = EnrollmentFactory(user=user)
    LearningEventFactory(user=user, course=enrollment.course)
    PaymentFactory(user=user, course=enrollment.course, amount=49)
    consent_record(actor=user, user=user, purpose="research", granted=True, source="settings")
    profile_visibility_update(actor=user, subject=user, audiences={"full_name": "public"})
    return user


def test_erasure_leaves_nothing_that_identifies_the_learner(noor):
    other = UserFactory(username="bystander")
    photo = noor.profile.photo.name
    signed_in = Client()
    signed_in.force_login(noor)

    receipt = erasure_execute(subject=noor)

    noor.refresh_from_db()
    assert receipt["scan"] == [], f"identifiers left: {receipt['scan']}"
    assert not noor.is_active and noor.username.startswith("erased-") and not noor.has_usable_password()
    assert not Profile.objects.filter(user=noor).exists()
    assert not Enrollment.objects.filter(user=noor).exists() and not LearningEvent.objects.filter(user=noor).exists()
    assert not ProfileVisibility.objects.filter(user=noor).exists()
    payment = Payment.objects.get(user=noor)
    assert payment.method_summary == "(removed on erasure)" and payment.amount == 49, "kept for the tax law"
    assert Consent.objects.filter(user=noor).exists(), "proof of consent is retained, anonymised"
    kept = AuditEvent.objects.filter(subject=noor)
    assert kept.exists(), "the audit log is kept for accountability, linked only to the anonymised account"
    assert not kept.filter(pseudonymised_at__isnull=True).exists()
    assert not kept.exclude(network="").exists(), "no network left that could point at the learner"
    assert not Session.objects.filter(user_session__user=noor).exists()
    assert signed_in.get("/settings/account/").status_code == 302
    assert receipt["records"]["accounts.payment"] == ["retained", 1]
    assert User.objects.filter(pk=other.pk, is_active=True).exists()
    assert default_storage.exists(photo), "the file goes only after the commit"


def test_an_approved_erasure_request_runs_keeps_its_receipt_and_confirms_to_the_old_address(
    noor, django_capture_on_commit_callbacks
):
    officer = staff_member("dpo", StaffGroup.PRIVACY_OFFICER)
    request = services.request_submit(actor=noor, subject=noor, request_type="erasure", details={})
    mail.outbox.clear()
    photo = noor.profile.photo.name

    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=request)

    request = RightsRequest.objects.get(pk=request.pk)
    assert request.status == Status.COMPLETED
    assert request.result["erasure_receipt"]["scan"] == []
    assert [m.to for m in mail.outbox] == [["noor.hassan@example.org"]]
    assert "we erased your personal data" in mail.outbox[0].body
    assert not default_storage.exists(photo)
    assert request.details == {}


def test_the_receipt_names_where_an_identifier_survives_without_repeating_it(noor):
    gossip = UserFactory(username="gossip")
    gossip.profile.bio = "Study buddy of noor.hassan@example.org"
    gossip.profile.save()

    receipt = erasure_execute(subject=noor)

    assert receipt["scan"] == [{"table": "accounts_profile", "column": "bio", "identifier": "email", "rows": 1}]
    assert "noor.hassan@example.org" not in str(receipt)
