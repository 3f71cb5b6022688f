"""The personal-data registry is complete: `manage.py check` fails on anything undeclared."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

from accounts.models import Course, LearningEvent, Payment, QuizResult, User
from compliance.checks import declaration_errors, free_text_errors, models_about_users, undeclared_model_errors
from compliance.registry import (
    Category,
    Delete,
    PersonalField,
    Purpose,
    Retain,
    SharedText,
    in_staff_words,
    registry,
    registry_text,
)
from compliance.search import free_text_indexes
from rights_requests.models import RightsRequest


@pytest.fixture
def without(request):
    """Unregister a model's declaration for one test, then put it back."""
    removed = []

    def unregister(model):
        removed.append(registry.unregister(model))

    yield unregister
    for declaration in removed:
        if isinstance(declaration, SharedText):
            registry.register_shared_text([declaration])
        else:
            registry.register(declaration)


def test_the_project_passes_its_own_check():
    call_command("check", "--fail-level", "WARNING")


def test_check_fails_for_an_undeclared_model_that_references_the_user(without):
    without(LearningEvent)
    with pytest.raises(SystemCheckError, match=r"compliance\.E001.*accounts\.LearningEvent references the user"):
        call_command("check")


@isolate_apps("privacy")
def test_check_finds_models_that_reach_the_user_only_through_other_models():
    class QuizFeedback(models.Model):
        result = models.ForeignKey(QuizResult, on_delete=models.CASCADE)  # QuizResult → Enrollment → User
        comment = models.TextField()

    class Country(models.Model):
        name = models.CharField(max_length=50)

    assert models_about_users([QuizFeedback, Country]) == {QuizFeedback}
    errors = undeclared_model_errors([QuizFeedback, Country])
    assert [error.id for error in errors] == ["compliance.E001"]
    assert "QuizFeedback references the user" in errors[0].msg


def test_check_fails_when_a_new_field_is_not_classified(without):
    declaration = registry.get(Payment)
    without(Payment)
    fields = {name: field for name, field in declaration.fields.items() if name != "method_summary"}
    incomplete = type(declaration)(**{**declaration.__dict__, "fields": fields, "erasure": Retain(reason="Tax law")})
    registry.register(incomplete)
    try:
        with pytest.raises(SystemCheckError, match=r"compliance\.E003.*Payment\.method_summary is not classified"):
            call_command("check")
    finally:
        registry.unregister(Payment)


def test_check_refuses_declarations_that_do_not_match_the_model():
    declaration = registry.get(LearningEvent)
    wrong = type(declaration)(
        **{
            **declaration.__dict__,
            "subject_lookup": "course",
            "fields": declaration.fields | {"mood": PersonalField(Category.USAGE, "How you felt")},
            "erasure": Retain(reason=" "),
        }
    )
    errors = sorted(error.id for error in declaration_errors(wrong))
    assert errors == ["compliance.E002", "compliance.E004", "compliance.E006"]


def test_check_refuses_a_field_declared_for_a_purpose_its_model_is_not_processed_for():
    declaration = registry.get(LearningEvent)
    name = next(iter(declaration.fields))
    wrong_field = PersonalField(Category.USAGE, "x", purposes=(Purpose.BILLING,))
    wrong = type(declaration)(**{**declaration.__dict__, "fields": declaration.fields | {name: wrong_field}})
    assert [error.id for error in declaration_errors(wrong)] == ["compliance.E008"]


def test_the_notice_says_what_alone_phone_and_date_of_birth_are_used_for_and_who_receives_them(client):
    """Their model (the profile) is also shown and researched; these two fields are not (GDPR Art. 13(1)(c), (e))."""
    page = client.get("/privacy/notice/").content.decode()
    assert "Your phone number (used only to run your account; received only by: our support staff" in page
    assert "Your date of birth (used only to apply the protections for learners under the digital age" in page
    phone = page.split("Your phone number (")[1].split("</p>")[0]
    assert "our hosting provider" in phone and "other people" not in phone.lower(), "never shown on a profile"
    assert "Your country (" not in page, "a field serving all its model's purposes says nothing more"


def test_check_refuses_a_field_declared_for_a_recipient_its_model_is_not_given_to():
    declaration = registry.get(LearningEvent)
    name = next(iter(declaration.fields))
    wrong_field = PersonalField(Category.USAGE, "x", recipients=("A data broker",))
    wrong = type(declaration)(**{**declaration.__dict__, "fields": declaration.fields | {name: wrong_field}})
    assert [error.id for error in declaration_errors(wrong)] == ["compliance.E011"]


def test_check_refuses_listing_rows_by_a_field_that_is_not_a_declared_date():
    declaration = registry.get(LearningEvent)
    for wrong_field in ("event_type", "nonexistent", "id"):
        wrong = type(declaration)(**{**declaration.__dict__, "listed_by": wrong_field})
        assert [error.id for error in declaration_errors(wrong)] == ["compliance.E012"], wrong_field


def test_every_model_about_users_is_declared_with_purposes_retention_and_sources():
    from django.apps import apps

    for model in models_about_users(apps.get_models()):
        declaration = registry.get(model)
        assert declaration is not None, model
        assert declaration.processing, model
        assert declaration.retention and declaration.source and declaration.description, model


def test_secrets_are_never_exportable_and_payments_are_retained_by_law():
    assert registry.get(User).fields["password"].exportable is False
    payment_rule = registry.get(Payment).erasure
    assert isinstance(payment_rule, Retain)
    assert "Art. 17(3)(b)" in payment_rule.reason
    assert isinstance(registry.get(LearningEvent).erasure, Delete)


def test_check_refuses_free_text_that_is_undeclared_or_kept_after_erasure_as_it_is():
    """A staff note kept for accountability may name the learner: erasure must redact it (GDPR Art. 17(1))."""
    from rights_requests.models import RequestEvent

    declaration = registry.get(RequestEvent)
    note = declaration.fields["note"]
    undeclared = type(declaration)(
        **{**declaration.__dict__, "fields": declaration.fields | {"note": PersonalField(note.category, "A note")}}
    )
    kept_as_it_is = type(declaration)(**{**declaration.__dict__, "erasure": Retain(reason="Accountability.")})

    assert [error.id for error in declaration_errors(undeclared)] == ["compliance.E009"]
    assert [error.id for error in declaration_errors(kept_as_it_is)] == ["compliance.E010"]
    assert declaration_errors(declaration) == []


def test_check_refuses_portable_copy_names_a_program_could_not_rely_on(without):
    payments = registry.get(Payment)
    events = registry.get(LearningEvent)
    fields = {**payments.fields, "reference": PersonalField(Category.FINANCIAL, "Its reference", export_name="amount")}
    renamed = type(payments)(**{**payments.__dict__, "fields": fields, "export_name": "Payments made"})
    clashing = type(events)(**{**events.__dict__, "export_name": "quiz_results"})

    assert {(error.id, error.msg) for error in declaration_errors(renamed)} == {
        ("compliance.E013", "accounts.Payment names 'Payments made' in portable copies, which is not snake_case."),
        ("compliance.E014", "accounts.Payment has two columns named 'amount' in portable copies."),
    }
    without(LearningEvent)
    registry.register(clashing)
    try:
        with pytest.raises(
            SystemCheckError, match=r"compliance\.E015.*accounts\.QuizResult and accounts\.LearningEvent"
        ):
            call_command("check")
    finally:
        registry.unregister(LearningEvent)


def test_check_refuses_course_text_the_registry_stops_declaring(without):
    """The erasure scan searches free text in everyone's rows only where the registry says it is."""
    without(Course)
    with pytest.raises(SystemCheckError, match=r"compliance\.E016.*accounts\.Course\.description is free text"):
        call_command("check")


@isolate_apps("compliance")
def test_check_refuses_free_text_nobody_declared_and_free_text_without_its_indexes():
    class Leaflet(models.Model):
        title = models.CharField(max_length=100)
        body = models.TextField()
        kind = models.CharField(max_length=10, choices=[("print", "Print"), ("web", "Web")])  # a fixed set
        pages = models.PositiveIntegerField()

    class Poster(models.Model):
        caption = models.TextField()

        class Meta:
            indexes = free_text_indexes("cmp_poster", "caption")

    undeclared = free_text_errors([Leaflet, Poster])
    assert [(error.id, error.msg.split(" is ")[0]) for error in undeclared] == [
        ("compliance.E016", "compliance.Leaflet.title"),
        ("compliance.E016", "compliance.Leaflet.body"),
        ("compliance.E016", "compliance.Poster.caption"),
    ]
    assert "SharedText" in undeclared[0].hint and "free_text=True" in undeclared[0].hint

    registry.register_shared_text(
        [
            SharedText(Leaflet, ("title", "body"), written_by="Staff"),
            SharedText(Poster, ("caption",), written_by="Staff"),
        ]
    )
    try:
        unindexed = free_text_errors([Leaflet, Poster])
    finally:
        registry.unregister(Leaflet)
        registry.unregister(Poster)
    assert [(error.id, error.msg.split(" is ")[0]) for error in unindexed] == [
        ("compliance.E017", "compliance.Leaflet.title"),
        ("compliance.E017", "compliance.Leaflet.body"),
    ], "the poster's caption has its indexes"


def _learner_texts(declaration):
    """Yield ``(where, text)`` for each sentence ``declaration`` tells a learner (description, retention, …)."""
    yield "description", declaration.description
    yield "retention", declaration.retention
    yield "source", declaration.source
    yield from (("recipient", recipient) for recipient in declaration.recipients)
    if isinstance(declaration.erasure, Retain):
        yield "erasure reason", declaration.erasure.reason
    for name, personal_field in declaration.fields.items():
        yield name, personal_field.description
        yield from ((f"{name} recipient", recipient) for recipient in personal_field.recipients)


def test_every_registry_sentence_is_english_marked_with_gettext_noop_and_translated_where_shown():
    """One way for every app: plain English the checks and staff pages compare and reword, never a lazy translation."""
    lazy = [
        f"{declaration.model._meta.label}: {where}"
        for declaration in registry
        for where, text in _learner_texts(declaration)
        if not isinstance(text, str)  # a lazy translation is not a str; a Worded is
    ]

    assert lazy == []
    with translation.override("es"):
        spanish = registry_text(registry.get(RightsRequest).description)
        retention = registry_text(registry.get(AccessAttempt).retention)
    assert spanish == "Tus solicitudes de ejercicio de derechos"
    assert retention.startswith("Se eliminan cuando han pasado 15 minutos"), "a setting's number, in the reader's words"


def _staff_texts():
    """Yield ``(where, text)`` for each phrase written for the learner that staff pages show in staff's words."""
    for declaration in registry:
        yield f"{declaration.model._meta.label}: description", declaration.description
        if isinstance(declaration.erasure, Retain):
            yield f"{declaration.model._meta.label}: erasure reason", declaration.erasure.reason
    for model, model_admin in admin.site._registry.items():
        for attribute in ("access_view_name", "access_list_name"):
            if text := getattr(model_admin, attribute, None):
                yield f"{model._meta.label} admin: {attribute}", text


def test_staff_read_every_registry_sentence_in_their_own_words_in_spanish():
    """A Spanish officer reads "Los pagos del estudiante", never "The learner's payments", for every declared record.

    Each app's ``STAFF_WORDING`` marks the staff wordings; a new declaration or admin view needs one.
    """
    untranslated = []
    for where, text in _staff_texts():
        english = in_staff_words(text)
        with translation.override("es"):
            if in_staff_words(text) == english:
                untranslated.append(f"{where}: {english}")

    assert untranslated == []
    with translation.override("es"):
        assert in_staff_words(registry.get(Payment).description) == "Los pagos del estudiante"
        assert in_staff_words("set your password") == "establecer la contraseña del estudiante"
