"""The admin in Spanish for a staff member who chose it: the portal's own words there are translated too.

Django translates its own admin; these pages check the portal's: site and app names, model and
field names, help texts, actions, messages and the request steps' forms. What stays English is said
in the README (the registry's sentences reworded for staff).
"""

import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client

from learnerportal.tests.factories import EnrollmentFactory
from rights_requests import services
from rights_requests.handlers import handler_for
from rights_requests.models import RequestEvent

pytestmark = pytest.mark.django_db

QUEUE = "/admin/rights_requests/rightsrequest/"


def text(response):
    """Return the page's visible text, tags dropped, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def spanish_officer(client, officer, verified_login):
    """Return the test client, signed in (with 2FA) as the privacy officer, who chose Spanish on Settings → Account."""
    officer.profile.language = "es"
    officer.profile.save(update_fields=["language"])
    verified_login(client, officer)
    return client


def choose(client, action, rights_request):
    return client.post(QUEUE, {"action": action, "_selected_action": [str(rights_request.pk)], "index": "0"})


def test_the_site_the_queue_and_a_request_speak_spanish(spanish_officer, learner):
    EnrollmentFactory(user=learner)
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure", details={})

    index = text(spanish_officer.get("/admin/"))
    queue = text(spanish_officer.get(QUEUE))
    page = text(spanish_officer.get(f"{QUEUE}{erasure.pk}/change/"))

    assert "Personal de Learner Portal" in index and "Learner Portal staff" not in index
    for words in ("Cuentas y registros de aprendizaje", "Cumplimiento normativo", "Eventos de auditoría"):
        assert words in index
    for words in ("Versiones de la política", "Limitaciones del tratamiento", "Ejecuciones de tratamiento"):
        assert words in index
    assert "Perfiles" in index and "Profiles" not in index
    assert "Solicitudes de ejercicio de derechos" in queue
    assert "Prorrogar el plazo…" in page and "Plazo" in page


def test_the_steps_forms_and_the_confirmation_of_an_erasure_speak_spanish(spanish_officer, learner):
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure", details={})
    rectification = services.request_submit(
        actor=learner, subject=learner, request_type="rectification", details={"changes": {"full_name": "Noor H"}}
    )

    approve = text(choose(spanish_officer, "approve", erasure))
    approve_some = text(choose(spanish_officer, "approve_some", rectification))

    assert "Se suprimen" in approve and "Se conservan" in approve and "Se anonimizan" in approve
    assert not re.search(r"\b(Deleted|Retained|Anonymised)\b", approve)
    assert "Nombre completo → Noor H" in approve_some and "Full name" not in approve_some


def test_accounts_and_the_audit_log_speak_spanish(spanish_officer, learner, officer):
    users = text(spanish_officer.get("/admin/accounts/user/"))
    account = text(spanish_officer.get(f"/admin/accounts/user/{learner.pk}/change/"))
    audit = text(spanish_officer.get("/admin/compliance/auditevent/"))

    assert "Escribe un nombre de usuario o una dirección de correo electrónico completos" in users
    assert "Es staff" in users and "Fecha de alta" in users
    assert "Permisos" in account and "Fechas importantes" in account
    for heading in ("Interesado", "Autor", "Acción", "Red", "Creado el"):
        assert heading in audit
    assert "Request id" not in audit and "Created at" not in audit


def test_requests_an_erasure_closes_read_in_each_readers_language_whoever_approved_it(
    spanish_officer, agent, learner, verified_login, django_capture_on_commit_callbacks
):
    """The officer approves in Spanish; the closed request's note is not stuck in Spanish for English staff."""
    rectification = services.request_submit(
        actor=learner, subject=learner, request_type="rectification", details={"changes": {"full_name": "Noor H"}}
    )
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure", details={})
    with django_capture_on_commit_callbacks(execute=True):
        spanish_officer.post(
            QUEUE, {"action": "approve", "_selected_action": [str(erasure.pk)], "apply": "1"}, follow=True
        )
    english_agent = Client()
    verified_login(english_agent, agent)
    page = f"{QUEUE}{rectification.pk}/change/"

    spanish = text(spanish_officer.get(page))
    english = text(english_agent.get(page))

    assert f"Cerrada: la cuenta se suprimió por la solicitud {erasure.reference}." in spanish
    assert f"Closed: the account was erased under request {erasure.reference}." in english
    assert "Cerrada" not in english


def test_a_closure_note_written_in_spanish_before_still_reads(spanish_officer, learner):
    """Notes stored before the closure note was kept in English show as they were written."""
    rights_request = services.request_submit(actor=learner, subject=learner, request_type="access", details={})
    rights_request.events.create(
        action=RequestEvent.Action.CLOSED,
        from_status=rights_request.status,
        to_status=rights_request.status,
        note="Cerrada: la cuenta se suprimió por la solicitud DSR-2026-000009.",
    )

    page = text(spanish_officer.get(f"{QUEUE}{rights_request.pk}/change/"))

    assert "Cerrada: la cuenta se suprimió por la solicitud DSR-2026-000009." in page


def test_a_failed_request_and_its_email_tell_a_spanish_officer_in_spanish(
    spanish_officer, officer, learner, monkeypatch, django_capture_on_commit_callbacks
):
    def fulfil(request):
        raise ValueError("the report could not be written")

    monkeypatch.setattr(handler_for("access"), "fulfil", fulfil)
    with django_capture_on_commit_callbacks(execute=True):
        rights_request = services.request_submit(actor=learner, subject=learner, request_type="access", details={})

    page = text(spanish_officer.get(f"{QUEUE}{rights_request.pk}/change/"))
    (email,) = [message for message in mail.outbox if message.to == [officer.email]]

    assert "La tramitación se detuvo con ValueError." in page
    assert "La tramitación se detuvo con ValueError." in email.body
    assert "Processing stopped" not in page + email.body


def test_the_learners_data_and_the_erasure_plan_are_in_spanish_staff_words(spanish_officer, learner):
    """What the registry says of each record, reworded for staff ("the learner's payments"), reads in Spanish."""
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure", details={})

    page = text(spanish_officer.get(f"{QUEUE}{erasure.pk}/change/"))
    plan = text(choose(spanish_officer, "approve", erasure))

    for words in ("Los pagos del estudiante", "Las llaves de acceso del estudiante para la verificación en dos pasos"):
        assert words in page and words in plan
    assert "Sustituidos: nombre de usuario, dirección de correo electrónico" in plan
    assert "Sustituidos al suprimir: detalles; identificadores del estudiante eliminados de:" in plan
    assert "El registro de auditoría demuestra que los datos del estudiante se trataron de forma lícita" in plan
    for english in ("The learner", "the learner", "Replaced", "identifiers removed"):
        assert english not in page and english not in plan


def test_an_erasure_receipt_and_the_audit_log_are_in_spanish(
    spanish_officer, learner, django_capture_on_commit_callbacks
):
    erasure = services.request_submit(actor=learner, subject=learner, request_type="erasure", details={})
    with django_capture_on_commit_callbacks(execute=True):
        spanish_officer.post(QUEUE, {"action": "approve", "_selected_action": [str(erasure.pk)], "apply": "1"})
    spanish_officer.get(f"/admin/accounts/user/{learner.pk}/change/")  # a staff view of the (erased) account

    receipt = text(spanish_officer.get(f"{QUEUE}{erasure.pk}/change/"))
    audit = text(spanish_officer.get("/admin/compliance/auditevent/?action__exact=staff_viewed"))

    assert re.search(r"Se revisaron \d+ tablas y \d+ columnas en busca de los identificadores anteriores", receipt)
    assert "correo electrónico" in receipt and ": no queda ningún identificador anterior." in receipt
    assert "la cuenta del estudiante (1 fila)" in receipt
    assert re.search(r"Suprimido el \d{1,2} [a-z]{3} \d{4}, \d\d:\d\d [A-Z]+\.", receipt), "7 dic 2026, not 7 Dic"
    assert "la cuenta y el perfil del estudiante" in audit
    for english in ("searched", "the learner", "former identifier"):
        assert english not in receipt and english not in audit
