"""`manage.py seed_demo` loads rich, fake, international demo data, once."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Course, LearningEvent, Partner, Payment, QuizResult, TOTPDevice, User
from compliance.models import AuditEvent, StaffGroup
from privacy.models import Consent
from rights_requests.deadlines import original_due_at
from rights_requests.models import OPEN_STATUSES, RequestEvent, RightsRequest

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_production_settings(settings, capsys):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with production settings"):
        call_command("seed_demo")

    assert not User.objects.exists(), "no staff with the published password"
    assert "learn-with-privacy" not in capsys.readouterr().out


def test_seed_demo_is_rich_international_and_idempotent(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    learners = User.objects.filter(is_staff=False)
    assert learners.count() >= 60
    assert Partner.objects.count() == 4
    assert Course.objects.count() == 12
    assert LearningEvent.objects.count() >= 20_000
    assert QuizResult.objects.exists() and Payment.objects.exists()
    names = list(learners.values_list("profile__full_name", flat=True))
    assert any("'" in name for name in names) and any("-" in name for name in names)
    assert any("\u4e00" <= char <= "\u9fff" for name in names for char in name), "CJK names expected"
    assert set(User.objects.filter(is_staff=True).values_list("username", "groups__name")) == {
        ("sam.support", StaffGroup.SUPPORT_AGENT),
        ("priya.dpo", StaffGroup.PRIVACY_OFFICER),
    }
    assert RightsRequest.objects.filter(status__in=OPEN_STATUSES).count() >= 5
    assert RightsRequest.objects.filter(regime="lgpd", subject__username="joao").exists(), "a regime besides GDPR"
    assert any(r.is_open and r.due_at < timezone.now() for r in RightsRequest.objects.all()), "one open one is overdue"
    for rights_request in RightsRequest.objects.all():  # its history, deadline and the learner's activity agree
        filed = rights_request.events.get(action="submitted").created_at
        assert abs(filed - rights_request.received_at) < datetime.timedelta(minutes=1)
        assert rights_request.due_at == original_due_at(rights_request)  # the regime's period
        near = (filed - datetime.timedelta(minutes=1), filed + datetime.timedelta(minutes=1))
        assert AuditEvent.objects.filter(subject=rights_request.subject, created_at__range=near).exists()
    assert not RequestEvent.objects.filter(emailed_at__isnull=True, action="submitted").exists(), "no old emails"
    amara = User.objects.get(username="amara")
    choices = Consent.objects.filter(user=amara).order_by("created_at")
    assert [(c.purpose, c.granted) for c in choices][-1] == ("marketing_email", False), "granted, later withdrawn"
    assert (timezone.now() - choices.first().created_at).days >= 59, "a history of two months"
    assert all(email.endswith("@example.org") for email in User.objects.values_list("email", flat=True))
    assert "learn-with-privacy" in first and "amara" in first
    assert "Staff sign in with a code" in first and "Staff sign in with a code" in second
    assert TOTPDevice.objects.filter(user__is_staff=True, confirmed=True).count() == 2
    assert "already loaded" in second
    assert User.objects.count() == learners.count() + 2


def test_some_demo_learners_use_the_site_in_spanish_in_their_own_time_zone(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    lucia = User.objects.get(username="lucia")

    client.force_login(lucia)
    page = client.get("/settings/privacy/").content.decode()

    assert (lucia.profile.language, lucia.profile.timezone) == ("es", "America/Santiago")
    assert '<html lang="es"' in page and "Quién puede ver tu perfil" in page
