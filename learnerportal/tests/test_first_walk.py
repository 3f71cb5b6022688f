"""What a first walk through the portal tripped on: where staff land, and offers made once."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import TOTPDevice
from learnerportal.tests.factories import PASSWORD, UserFactory
from learnerportal.tests.support import code_for

pytestmark = pytest.mark.django_db

QUEUE = "/admin/rights_requests/rightsrequest/"


def _staff_who_work_requests():
    user = UserFactory(username="sam.agent", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_rightsrequest"))
    return user


def _sign_in_with_code(client, user, next_url=""):
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    query = f"?next={next_url}" if next_url else ""
    step = client.post(f"/accounts/login/{query}", {"username": user.username, "password": PASSWORD})
    return client.post(step["Location"], {"token": code_for(device)})


def test_staff_who_work_requests_land_on_the_queue_after_signing_in(client):
    assert _sign_in_with_code(client, _staff_who_work_requests())["Location"] == QUEUE


def test_a_page_staff_asked_for_wins_over_the_queue(client):
    response = _sign_in_with_code(client, _staff_who_work_requests(), next_url="/settings/security/")
    assert response["Location"] == "/settings/security/"


def test_learners_land_on_their_dashboard(client):
    response = client.post("/accounts/login/", {"username": UserFactory(username="lin").username, "password": PASSWORD})
    assert response["Location"] == "/"


def test_the_avatar_menu_offers_the_queue_to_staff_who_work_requests_and_to_nobody_else(client):
    client.force_login(_staff_who_work_requests())
    assert f'<a href="{QUEUE}">Data-rights queue</a>' in client.get("/settings/account/").content.decode()
    client.force_login(UserFactory(username="lin"))
    assert "Data-rights queue" not in client.get("/settings/account/").content.decode()


@pytest.mark.parametrize("checkup_due", [True, False])
def test_the_dashboard_offers_to_review_privacy_settings_once(client, checkup_due):
    learner = UserFactory(username="lin")
    if checkup_due:
        learner.date_joined = timezone.now() - datetime.timedelta(days=400)
        learner.save(update_fields=["date_joined"])
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert ("Time for a privacy checkup" in page) is checkup_due
    assert page.count("Review your privacy settings") == 1


def test_admin_pages_name_the_portal_s_icon_so_browsers_ask_for_no_missing_one(client, verified_login):
    verified_login(client, _staff_who_work_requests())
    page = client.get(QUEUE).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_the_objection_form_warns_before_sending_that_objecting_to_news_by_email_is_for_good(client):
    client.force_login(UserFactory(username="lin"))
    page = client.get("/settings/data/new/objection/").content.decode()
    form = page.split('<form method="post" class="form">')[1]
    warning = form.split('class="notice notice-warning"')[1].split("</div>")[0]
    assert "is for good: you cannot turn it on again later (GDPR Art. 21(3))" in warning
    assert form.index('class="notice notice-warning"') < form.index('name="purposes"'), "said before the choices"
    assert "for good" not in form.split('class="hint"')[1].split("</p>")[0], "not grey hint text"


def test_request_emails_name_the_right_as_the_pages_do(django_capture_on_commit_callbacks, mailoutbox):
    from rights_requests.services import request_submit

    learner = UserFactory(username="lin", profile__country="PT")
    with django_capture_on_commit_callbacks(execute=True):
        request_submit(actor=learner, subject=learner, request_type="rectification", details={"note": "My name."})
    [acknowledgement] = mailoutbox
    assert "We received your request: Correct your data (GDPR Art. 16)." in acknowledgement.body
