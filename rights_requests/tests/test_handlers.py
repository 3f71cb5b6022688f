"""A request type is one handler registered in one place: a new one works end to end without touching generic code.

The type here is Colorado's right to opt out of profiling (a type the portal does not offer), registered
by the test alone (and unregistered after it): the page, the API, the staff queue,
approval and fulfilment must all take it as they take the portal's own six.
"""

import dataclasses

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from compliance import regimes
from compliance.regimes import Right
from compliance.registry import Purpose
from learnerportal.api.fields import StrictCharField
from learnerportal.tests.support import make_token, token_client
from privacy.models import Consent
from privacy.selectors import may_process
from privacy.services import consent_record
from rights_requests import handlers, services
from rights_requests.details import clean_text
from rights_requests.exceptions import InvalidRequestDetails, NotPermitted
from rights_requests.forms import RightsRequestForm, note_field
from rights_requests.handlers import Handler
from rights_requests.models import RightsRequest, Status
from rights_requests.permissions import DECIDE_ERASURE

pytestmark = pytest.mark.django_db

SCOPES = ("partners", "everyone")


class OptOutOfProfilingForm(RightsRequestForm):
    scope = forms.CharField(label="Who should stop profiling you?", required=False)
    note = note_field()

    def details(self):
        return {"scope": self.cleaned_data["scope"], "note": self.cleaned_data["note"]}


class OptOutOfProfilingHandler(Handler):
    """Stop profiling the learner (C.R.S. § 6-1-1306)."""

    type = "opt_out_of_profiling"
    label = "Opt-out of profiling (Colorado)"
    article = "C.R.S. § 6-1-1306"
    title = "Stop profiling me"
    summary = "Tell us not to profile you."
    action = "Opt out of profiling"
    what_we_do = "We stop sharing your progress with course partners."
    form_class = OptOutOfProfilingForm
    decide_permission = DECIDE_ERASURE
    decide_refusal = "an opt-out of profiling; the privacy officer decides those"

    def api_fields(self):
        return {**super().api_fields(), "scope": StrictCharField(required=False, help_text="partners or everyone.")}

    def clean_details(self, details, *, subject=None):
        note = super().clean_details(details, subject=subject)
        scope = clean_text(details.get("scope"), "scope", required=True).lower()
        if scope not in SCOPES:
            raise InvalidRequestDetails("Choose partners or everyone.", field="scope")
        return {"scope": scope, **note}

    def details_as_text(self, request):
        return [("Stop profiling for", request.details["scope"]), *super().details_as_text(request)]

    def fulfil(self, request):
        consent_record(
            actor=None,
            user=request.subject,
            purpose=Purpose.PARTNER_SHARING,
            granted=False,
            source=Consent.Source.OBJECTION,
        )
        return "We no longer share your data with course partners."


@pytest.fixture
def opt_out_of_profiling(monkeypatch):
    """Register the opt-out type for one test, given by every regime, and remove both after, whatever the test did."""
    handler = OptOutOfProfilingHandler()
    handlers.register(handler)
    right = Right(type=handler.type, name="Right to opt out of profiling", citation=handler.article)
    for key, each in list(regimes.REGIMES.items()):
        monkeypatch.setitem(regimes.REGIMES, key, dataclasses.replace(each, rights=(*each.rights, right)))
    yield handler
    handlers.unregister(handler.type)


def test_a_registered_type_is_offered_checked_filed_approved_and_carried_out(
    client, learner, agent, officer, opt_out_of_profiling, django_capture_on_commit_callbacks
):
    consent_record(actor=learner, user=learner, purpose=Purpose.PARTNER_SHARING, granted=True, source="settings")
    client.force_login(learner)

    tab = client.get("/settings/data/").content.decode()
    assert "Stop profiling me" in tab and 'href="/settings/data/new/opt_out_of_profiling/"' in tab
    page = client.post("/settings/data/new/opt_out_of_profiling/", {"scope": "the moon", "note": "Please."})
    assert "Choose partners or everyone." in page.content.decode().split('id="id_scope"')[1]
    api = token_client(make_token(learner))
    refused = api.post(
        "/api/v1/me/requests/",
        {"type": "opt_out_of_profiling", "details": {"scope": "nobody"}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_details"
    assert refused.json()["fields"] == {"details.scope": ["Choose partners or everyone."]}
    assert not RightsRequest.objects.exists()

    filed = api.post(
        "/api/v1/me/requests/",
        {"type": "opt_out_of_profiling", "details": {"scope": "  Partners ", "note": " Stop it. "}},
        content_type="application/json",
    )
    assert filed.status_code == 201
    body = filed.json()
    assert body["details"] == {"scope": "partners", "note": "Stop it."}, "the handler's cleaning, through the API"
    assert body["type_label"] == "Stop profiling me (C.R.S. § 6-1-1306)"
    assert body["status"] == "awaiting_approval", "not approved on filing: staff decide"
    request = RightsRequest.objects.get(pk=body["id"])

    with pytest.raises(NotPermitted, match="an opt-out of profiling; the privacy officer decides those"):
        services.request_approve(actor=agent, request=request)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_approve(actor=officer, request=request)

    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    assert not may_process(learner, Purpose.PARTNER_SHARING), "the fulfilment ran"
    assert "We no longer share your data with course partners." in mail.outbox[-1].body
    detail = client.get(f"/settings/data/{request.pk}/").content.decode()
    assert "Stop profiling for" in detail and "We no longer share your data with course partners." in detail


def test_the_staff_queue_filters_by_a_registered_type_and_shows_its_details(
    client, learner, officer, opt_out_of_profiling, verified_login
):
    request = services.request_submit(
        actor=learner,
        subject=learner,
        request_type="opt_out_of_profiling",
        details={"scope": "everyone", "note": "Hi."},
    )
    verified_login(client, officer)

    queue = client.get("/admin/rights_requests/rightsrequest/", {"type": "opt_out_of_profiling"}).content.decode()
    page = client.get(f"/admin/rights_requests/rightsrequest/{request.pk}/change/").content.decode()

    assert "Opt out of profiling" in queue and request.reference in queue
    assert "Opt out of profiling (C.R.S. § 6-1-1306)" in page and "Hi." in page, "named as staff name it"


def test_a_type_is_registered_once_under_a_name_that_fits_the_database_and_the_address(opt_out_of_profiling):
    with pytest.raises(ImproperlyConfigured, match="registered already"):
        handlers.register(OptOutOfProfilingHandler())
    too_long = type("TooLong", (OptOutOfProfilingHandler,), {"type": "opt_out_of_profiling_too"})
    with pytest.raises(ImproperlyConfigured, match="1–20 lower-case letters"):
        handlers.register(too_long())
