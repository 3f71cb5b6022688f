"""The privacy pages in Spanish: the Privacy tab, consents, 2FA set-up, the notice, account activity, API errors.

Each page is rendered in English and in Spanish; a sentence of the English page (three words or
more) still found on the Spanish one is a string left unmarked or untranslated.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.utils import translation

from compliance.personal_data import DECLARATIONS as COMPLIANCE_DECLARATIONS
from compliance.services import staff_access_record
from privacy import conf as privacy_conf
from privacy.models import CONSENT_PURPOSES, Consent, ProfileVisibility
from privacy.personal_data import DECLARATIONS as PRIVACY_DECLARATIONS
from privacy.services import consent_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("spanish_catalogs")]


class _TextNodes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes = []

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.nodes.append(text)


def sentences(html):
    """Return the text nodes of ``html`` that hold three words or more, as sets of one line each."""
    parser = _TextNodes()
    parser.feed(html)
    return {node for node in parser.nodes if len(re.findall(r"[^\W\d_]+", node)) >= 3}


def between(page, start, end):
    """Return the part of ``page`` from the first ``start`` to the next ``end`` after it."""
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def render(client, url, language):
    with translation.override(language):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def english_left(client, url, region=lambda page: page, data=()):
    """Return the English sentences of ``region`` of ``url`` that its Spanish page still shows, and that page.

    ``data``: the learner's own words the page shows (their name), the same in every language.
    """
    english, spanish = (region(render(client, url, language)) for language in ("en-gb", "es"))
    assert sentences(english), "nothing to compare: the region holds no sentence"
    return sentences(english) & sentences(spanish) - set(data), spanish


def test_the_privacy_tab_is_all_in_spanish(signed_in, learner):
    consent_record(actor=learner, user=learner, purpose="research", granted=True, source=Consent.Source.SETTINGS)

    left, page = english_left(
        signed_in,
        "/settings/privacy/",
        lambda page: between(page, "privacy-layout", "</main>"),
        data=[learner.profile.full_name],
    )

    assert left == set()
    assert "Quién puede ver tu perfil" in page
    assert "Todavía no has revisado esta configuración: todo es visible solo para ti." in page
    assert "Cómo podemos usar tus datos" in page
    assert "Anyone with your password" not in page
    assert "Cualquiera que tenga tu contraseña puede iniciar sesión como tú." in page
    assert ">Solo yo<" in page


def test_the_consent_controls_speak_spanish_and_confirm_in_spanish(signed_in):
    with translation.override("es"):
        response = signed_in.post(
            "/settings/privacy/consents/",
            {"purpose": "marketing_email", "granted": "1"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="es",
        )
    page = response.content.decode()

    description = "Enviarme novedades sobre cursos por correo electrónico."
    assert f"Guardado: «{description}» está activado." in page
    assert f'aria-label="Desactivar: {description}"' in page
    assert ">Desactivar</button>" in page
    assert str(CONSENT_PURPOSES["marketing_email"]) == "Send me news about courses by email."  # English outside


def test_the_two_factor_set_up_page_is_in_spanish(signed_in):
    # The code field's label and errors come from accounts' form, not this page; the key is data.
    def steps_without_the_form(page):
        steps = between(page, '<h2 id="setup-heading"', "</section>")
        return re.sub(r"<form.*?</form>|<code.*?</code>", "", steps, flags=re.S)

    left, page = english_left(signed_in, "/settings/privacy/two-factor/setup/", steps_without_the_form)

    assert left == set()
    assert "Escanea este código QR o escribe en la aplicación la clave que aparece abajo." in page
    assert "Hasta que introduzcas un código correcto, la verificación en dos pasos seguirá desactivada." in page


def test_the_privacy_notice_is_in_spanish_with_the_registry_in_spanish(client):
    english, spanish = (render(client, "/privacy/notice/", language) for language in ("en-gb", "es"))
    # The frame, and the records this app and the compliance base declare (the other apps' own are theirs).
    regions = [(between(english, "<h1>", 'id="record-1"'), between(spanish, "<h1>", 'id="record-1"'))]
    for declaration in [*PRIVACY_DECLARATIONS, *COMPLIANCE_DECLARATIONS]:
        with translation.override("es"):
            heading = f">{translation.gettext(declaration.description)}</h2>"
        english_record = between(english, f">{declaration.description}</h2>", "</section>")
        regions.append((english_record, between(spanish, heading, "</section>")))

    # The operator's settings are theirs to word: the DPO's address, the transfers statement (rights_requests').
    settings_words = {privacy_conf.DPO_CONTACT, re.search(r"Economic Area</dt><dd>(.*?)</dd>", english)[1]}
    for english_part, spanish_part in regions:
        assert sentences(english_part) & sentences(spanish_part) - settings_words == set()
    assert "<h1>Aviso de privacidad</h1>" in spanish
    assert "Finalidad y base jurídica" in spanish
    assert "Consentimiento — art. 6.1.a RGPD" in spanish
    assert "Quién puede ver tu nombre completo" in spanish


def test_the_account_activity_tells_staff_views_in_spanish(signed_in, learner, agent):
    evening = datetime.datetime(2026, 3, 10, 19, 10, tzinfo=datetime.UTC)  # London is on GMT then
    for minutes in (0, 1):
        with time_machine.travel(evening + datetime.timedelta(minutes=minutes), tick=False):
            staff_access_record(
                actor=agent, subject=learner, view="your restriction of processing", request_reference="DSR-2026-000077"
            )

    left, page = english_left(
        signed_in, "/settings/security/activity/", lambda page: between(page, 'id="activity-heading"', "</section>")
    )

    assert left == set()
    assert (
        "Un miembro del equipo de soporte consultó tu limitación del tratamiento 2 veces entre 19:10 y 19:11 GMT "
        "mientras tramitaba la solicitud DSR-2026-000077."
    ) in page
    assert ">Accesos del personal</a>" in page


def test_an_api_error_keeps_its_code_and_explains_in_spanish(api):
    body = {"fields": {"shoe_size": "public"}}
    answers = {}
    for language in ("en-gb", "es"):
        with translation.override(language):
            response = api.patch(
                "/api/v1/me/privacy/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
            )
        assert response.status_code == 400
        answers[language] = response.json()

    assert answers["es"]["code"] == answers["en-gb"]["code"] == "invalid_audience"
    assert answers["en-gb"]["detail"] == '"shoe_size" is not a profile field with a visibility setting.'
    assert answers["es"]["detail"] == '"shoe_size" no es un campo del perfil con ajuste de visibilidad.'


def test_a_kept_public_profile_is_served_in_each_visitors_own_language(client, learner):
    ProfileVisibility.objects.update_or_create(user=learner, defaults={"full_name": "public", "country": "public"})
    url = f"/learners/{learner.username}/"

    pages = {language: client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode() for language in ("es", "en-gb")}
    again = {language: client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode() for language in ("es", "en-gb")}

    assert '<html lang="es"' in pages["es"] and '<html lang="es"' in again["es"]
    assert '<html lang="en-gb"' in pages["en-gb"] and '<html lang="en-gb"' in again["en-gb"]
    countries = [
        client.get(f"/api/v1{url}", HTTP_ACCEPT_LANGUAGE=language).json()["country"]["name"]
        for language in ("es", "en-gb", "es")
    ]
    assert countries == ["Reino Unido", "United Kingdom", "Reino Unido"]


def test_the_whole_privacy_notice_is_in_spanish_every_apps_records_included(client):
    """GDPR Art. 12(1): the information is given in clear and plain language, the reader's own."""
    english, spanish = (render(client, "/privacy/notice/", language) for language in ("en-gb", "es"))

    assert sentences(english) & sentences(spanish) == {privacy_conf.DPO_CONTACT}, "only the operator's address"
