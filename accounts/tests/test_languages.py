"""The learner's language: their choice on Settings → Account, else their browser's, else the platform's.

Pages, the visitors' switcher, <html lang dir>, and emails written in the recipient's language
whoever's action sends them.
"""

import datetime
import re
import zoneinfo

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.utils import formats, timezone, translation

from accounts.models import Profile
from accounts.services import account_password_set
from accounts.two_factor import staff_enrolment_link_send
from compliance.models import AuditEvent
from learnerportal.tests.factories import PASSWORD, RightsRequestFactory, TOTPDeviceFactory, UserFactory
from learnerportal.tests.support import signup_finish, signup_link

pytestmark = pytest.mark.django_db


def html_element(page):
    """Return the page's opening <html …> tag."""
    return re.search(r"<html[^>]*>", page)[0]


@pytest.fixture
def spanish_learner(client):
    """Return learner lucia, who chose Spanish on Settings → Account, signed in."""
    user = UserFactory(username="lucia", profile__language="es")
    client.force_login(user)
    return user


def test_a_learner_who_chose_spanish_sees_the_account_tab_in_spanish_whatever_the_browser_asks(client, spanish_learner):
    response = client.get("/settings/account/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    page = response.content.decode()
    assert html_element(page) == '<html lang="es" dir="ltr">'
    assert response["Content-Language"] == "es"
    assert "<title>Configuración de la cuenta · Learner Portal</title>" in page
    assert "Sesión iniciada como <strong>lucia</strong>" in page
    assert '<label for="id_language">Idioma</label>' in page
    assert "Guardar el perfil" in page
    assert "Save profile" not in page


def test_once_her_password_is_right_the_code_step_and_its_passkey_messages_are_in_her_spanish(client):
    """An English browser (a library's computer): the sign-in page is English, the code step hers."""
    lucia = UserFactory(username="lucia", profile__language="es")
    TOTPDeviceFactory(user=lucia)
    english = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
    assert "Sign in" in client.get("/accounts/login/", **english).content.decode()

    response = client.post("/accounts/login/", {"username": "lucia", "password": PASSWORD}, follow=True, **english)
    messages = client.get("/accounts/passkeys/messages.js", **english).content.decode()

    assert html_element(response.content.decode()) == '<html lang="es" dir="ltr">'
    assert "Escribe tu código" in response.content.decode()
    assert "Esperando a tu dispositivo" in messages


def test_a_visitor_whose_browser_asks_for_spanish_gets_the_sign_in_page_in_spanish(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")

    page = response.content.decode()
    assert html_element(page) == '<html lang="es" dir="ltr">'
    assert "<h1>Iniciar sesión</h1>" in page
    assert "Nombre de usuario o correo" in page
    assert "¿Olvidaste tu contraseña?" in page


def test_without_a_choice_or_a_known_browser_language_pages_are_in_the_platforms_english(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja")

    page = response.content.decode()
    assert html_element(page) == '<html lang="en-gb" dir="ltr">'
    assert "<h1>Sign in</h1>" in page


def test_a_learner_who_chose_no_language_gets_their_browsers(client):
    client.force_login(UserFactory(username="nadia"))

    page = client.get("/settings/account/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Configuración de la cuenta" in page


def test_the_switcher_sets_a_visitors_language_and_returns_to_the_page(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<form class="language-switcher" method="post" action="/language/">' in page
    assert 'value="es" lang="es" translate="no"' in page

    response = client.post("/language/", {"language": "es"}, HTTP_REFERER="http://testserver/accounts/login/")

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/accounts/login/"
    spanish = client.get("/accounts/login/").content.decode()
    assert "<h1>Iniciar sesión</h1>" in spanish
    assert (
        'lang="en-gb" translate="no" aria-describedby="language-switcher-label">British English</button>' in spanish
    ), "each language is named in itself, whatever the page's language"


def test_the_switcher_does_not_send_a_visitor_to_another_site(client):
    response = client.post("/language/", {"language": "es"}, HTTP_REFERER="https://evil.example/")

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_signed_in_learners_choose_in_settings_not_in_the_switcher(client, spanish_learner):
    page = client.get("/").content.decode()

    assert "language-switcher" not in page


def test_choosing_spanish_on_the_account_tab_saves_it_and_the_next_page_is_in_spanish(client):
    learner = UserFactory(username="zoe")
    client.force_login(learner)

    response = client.post("/settings/account/", {"language": "es"}, follow=True)

    assert Profile.objects.get(user=learner).language == "es"
    assert html_element(response.content.decode()) == '<html lang="es" dir="ltr">'
    assert "Tu perfil se ha guardado." in response.content.decode(), "the confirmation in the language chosen"
    event = AuditEvent.objects.get(subject=learner, action=AuditEvent.Action.PROFILE_UPDATED)
    assert event.changes["fields"] == ["language"]


def test_an_unknown_language_is_refused_beside_its_field(client):
    learner = UserFactory(username="zoe", profile__full_name="Zoë")
    client.force_login(learner)

    response = client.post("/settings/account/", {"full_name": "Zoë", "language": "tlh"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. tlh is not one of the available choices." in page.split('id="id_language"')[1]
    assert Profile.objects.get(user=learner).language == ""


def test_a_right_to_left_language_is_written_right_to_left(client, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]

    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert html_element(page) == '<html lang="ar" dir="rtl">'


def test_the_error_page_rendered_without_a_request_is_in_the_visitors_language(client):
    page = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert html_element(page) == '<html lang="es" dir="ltr">'
    assert "No encontramos esa página" in page


def test_a_notice_to_a_spanish_learner_is_in_spanish_when_an_english_speaking_superuser_acts():
    learner = UserFactory(username="lucia", profile__language="es")
    superuser = UserFactory(username="root-admin", is_staff=True, is_superuser=True)

    with translation.override("en-gb"), TestCase.captureOnCommitCallbacks(execute=True):
        account_password_set(actor=superuser, user=learner, password="a-new-long-passphrase")

    (message,) = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "Ha cambiado el inicio de sesión de tu cuenta de Learner Portal"
    assert "Un miembro del personal ha puesto una contraseña nueva" in message.body
    assert "Hello" not in message.body


def test_an_email_to_staff_is_in_their_language_else_the_platforms():
    superuser = UserFactory(username="root-admin", is_staff=True, is_superuser=True, profile__language="es")
    spanish = UserFactory(username="pilar", is_staff=True, profile__language="es")
    english = UserFactory(username="oliver", is_staff=True)

    with translation.override("es"), TestCase.captureOnCommitCallbacks(execute=True):
        staff_enrolment_link_send(actor=superuser, user=spanish)
        staff_enrolment_link_send(actor=superuser, user=english)

    to_spanish, to_english = mail.outbox
    assert to_spanish.subject == "Activa la verificación en dos pasos"
    assert to_english.subject == "Turn on two-factor authentication"
    assert to_english.body.startswith("Hello,\n\nTo use the Learner Portal admin site")


def test_spanish_date_times_name_their_time_zone_and_dates_read_as_spanish_ones():
    moment = datetime.datetime(2026, 12, 7, 18, 10, tzinfo=datetime.UTC)

    with translation.override("es"), timezone.override(zoneinfo.ZoneInfo("Europe/Madrid")):
        assert formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "7 dic 2026, 19:10 CET"
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "7 de diciembre de 2026"


def test_a_learner_who_signs_up_in_spanish_gets_their_emails_in_spanish(client):
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    passphrase = "a-long-unusual-passphrase"
    data = {"username": "lucia.n", "email": "lucia.n@example.org", "password1": passphrase, "password2": passphrase}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/accounts/signup/", data, **spanish)
    link = signup_link(mail.outbox[-1])

    signup_finish(client, link, **spanish)

    assert Profile.objects.get(user__username="lucia.n").language == "es"
    english = Client()
    with TestCase.captureOnCommitCallbacks(execute=True):
        english.post("/accounts/signup/", {**data, "username": "lucy.n", "email": "lucy.n@example.org"})
    signup_finish(english, signup_link(mail.outbox[-1]))
    assert Profile.objects.get(user__username="lucy.n").language == "", "English, the platform's: her browser decides"


def test_a_spanish_learners_pages_write_dates_as_spanish_does(client, spanish_learner):
    """Dates in the language's own order and words: "31 de enero de 2027", "31 ene 2027", not "31 enero 2027"."""
    received = datetime.datetime(2027, 1, 31, 12, 0, tzinfo=datetime.UTC)
    filed = RightsRequestFactory(subject=spanish_learner, type="access", received_at=received)

    page = client.get(f"/settings/data/{filed.pk}/").content.decode()
    listed = client.get("/settings/data/").content.decode()

    assert "31 de enero de 2027, 12:00 GMT" in page
    assert "31 ene 2027" in listed
    assert "31 enero 2027" not in page + listed
