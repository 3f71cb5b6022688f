"""A Spanish-speaking learner exercises their rights in Spanish: forms, request page, email, report, copy, API.

A page is rendered in English and in Spanish: a text node of the English page that is a sentence
of the Spanish catalogs must not be found, still in English, on the Spanish page. The catalogs
are compiled first when their ``.mo`` files are missing or older than the ``.po`` files (compiled
catalogs are not kept in git).
"""

import datetime
import fcntl
import gettext
import io
import json
import re
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from accounts.languages import in_language_and_time_zone_of
from accounts.models import Profile
from accounts.two_factor import two_factor_setup_begin, two_factor_setup_confirm
from learnerportal.tests.factories import PASSWORD
from learnerportal.tests.support import code_for
from rights_requests import services
from rights_requests.models import RightsRequest
from rights_requests.portability import portable_export_write
from rights_requests.reports import access_report_write

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"

pytestmark = pytest.mark.django_db

#: The catalogs these pages read: this app's and the templates' (``LOCALE_PATHS``).
CATALOGS = [
    Path(settings.BASE_DIR) / "rights_requests" / "locale" / "es" / "LC_MESSAGES",
    Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES",
]
#: What a Spanish-speaking browser sends; the language is also activated (``translation.override``).
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
#: Each right's title on its request form, in Spanish.
TITLES = {
    "access": "Obtén una copia de tus datos",
    "rectification": "Corrige tus datos",
    "erasure": "Elimina tu cuenta y tus datos",
    "restriction": "Pausa el uso de tus datos",
    "portability": "Llévate tus datos a otro sitio",
    "objection": "Oponte a cómo usamos tus datos",
}


@pytest.fixture(scope="module", autouse=True)
def spanish_catalogs():
    """Compile the Spanish catalogs when needed, one test process at a time, and drop any catalog read before."""
    with open(Path(tempfile.gettempdir()) / "learnerportal-compilemessages.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(_stale(folder) for folder in CATALOGS):
            call_command("compilemessages", locale=["es"], ignore_patterns=[".venv", "node_modules"], verbosity=0)
    trans_real._translations = {}
    trans_real._default = None


def _stale(folder):
    compiled = folder / "django.mo"
    return not compiled.exists() or compiled.stat().st_mtime < (folder / "django.po").stat().st_mtime


def catalog_sentences():
    """Return the English sentences the Spanish catalogs translate: whole messages, without placeholders."""
    sentences = set()
    for folder in CATALOGS:
        with open(folder / "django.mo", "rb") as compiled:
            catalog = gettext.GNUTranslations(compiled)._catalog
        sentences |= {
            english
            for english, spanish in catalog.items()
            if isinstance(english, str) and english and "\x04" not in english and "%" not in english
            if english != spanish
        }
    return sentences


class _TextNodes(HTMLParser):
    """Collect the text nodes of a page, whitespace collapsed; with ``within``, only those inside those elements."""

    def __init__(self, within):
        super().__init__()
        self.nodes, self._within, self._depth, self._skip = set(), within, 0, 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self._depth += tag in self._within

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")
        self._depth -= tag in self._within

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip and (self._depth or not self._within):
            self.nodes.add(text)


def text_nodes(html, within=()):
    parser = _TextNodes(within)
    parser.feed(html)
    return parser.nodes


def english_left(english_html, spanish_html, *, within=("section", "aside"), data=frozenset()):
    """Return the catalog sentences of the English page that the Spanish page still shows in English.

    ``within``: the elements whose text is compared (the request pages' panels, not the site's frame,
    which other catalogs translate); ``data``: words that are data, not sentences of these pages.
    """
    english = (text_nodes(english_html, within) & catalog_sentences()) - data
    assert english, "the English page shows sentences of the catalogs (else the comparison proves nothing)"
    return english & text_nodes(spanish_html, within)


def get(client, path, language):
    with translation.override(language):
        response = client.get(path, **(SPANISH if language == "es" else {}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("request_type", TITLES)
def test_each_rights_request_form_is_in_spanish(signed_in, request_type):
    path = f"/settings/data/new/{request_type}/"
    spanish = get(signed_in, path, "es")

    assert TITLES[request_type] in spanish
    assert "Enviar solicitud" in spanish
    assert "Qué pasa ahora" in spanish
    assert not english_left(get(signed_in, path, "en-gb"), spanish)


def test_a_request_filed_in_spanish_is_followed_in_spanish(signed_in):
    with translation.override("es"):
        response = signed_in.post(
            "/settings/data/new/restriction/", {"reason": "Mi nota final está mal."}, follow=True, **SPANISH
        )
    page = response.content.decode()
    reference = RightsRequest.objects.get(type="restriction").reference

    assert f'Hemos recibido tu solicitud <span class="reference">{reference}</span>.' in page
    for sentence in (
        "Pendiente de revisión",
        "Nuestro equipo de privacidad está revisando tu solicitud. Te escribiremos cuando decidamos.",
        "Fecha límite de respuesta",
        "Lo que pediste",
        "Tu motivo",
        "Historial",
        "Solicitud recibida",
        "La presentaste con tu sesión iniciada, así que sabemos que eres tú.",
        "Retirar esta solicitud",
    ):
        assert sentence in page
    path = response.redirect_chain[-1][0]
    assert not english_left(get(signed_in, path, "en-gb"), get(signed_in, path, "es"))


def test_the_email_about_a_request_is_in_spanish(signed_in, learner, django_capture_on_commit_callbacks):
    Profile.objects.filter(user=learner).update(language="es")  # emails go in the learner's chosen language
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/settings/data/new/objection/", {"purposes": ["research"]}, **SPANISH)
    reference = RightsRequest.objects.get(type="objection").reference

    (email,) = mail.outbox  # received, approved and carried out at once: one email
    assert email.to == [learner.email]
    assert email.subject == f"Tu solicitud {reference} está completada"
    assert email.body.startswith("Hola:\n\n")
    assert "Hemos recibido tu solicitud y la hemos atendido: Oponte a cómo usamos tus datos (art. 21 del UK GDPR)." in (
        email.body
    )
    assert f"Referencia: {reference}\n" in email.body
    assert "Estado: Completada\n" in email.body
    assert "-- Equipo de privacidad de Learner Portal" in email.body
    html = email.alternatives[0].content
    assert '<html lang="es">' in html
    assert "<strong>Oponte a cómo usamos tus datos (art. 21 del UK GDPR)</strong>" in html


def test_the_access_report_is_in_spanish(learner):
    reports = {}
    for language in ("en-gb", "es"):
        out = io.StringIO()
        # The report is written in the learner's chosen language.
        Profile.objects.filter(user=learner).update(language=language)
        learner.refresh_from_db()
        access_report_write(learner, out)
        reports[language] = out.getvalue()
    spanish = reports["es"]

    assert '<html lang="es">' in spanish
    for sentence in ("Tus datos en Learner Portal", "En resumen", "Tus derechos", "Por qué lo tenemos"):
        assert sentence in spanish
    assert "Esta es una copia de todos los datos personales que Learner Portal tiene sobre la cuenta" in spanish
    assert not english_left(reports["en-gb"], spanish, within=()), "every app's registry words in Spanish too"


def test_the_portable_copys_readme_is_in_spanish_and_its_files_keep_their_column_names(busy_learner):
    copies = {}
    for language in ("en-gb", "es"):
        buffer = io.BytesIO()
        with translation.override(language), zipfile.ZipFile(buffer, "w") as archive:
            portable_export_write(busy_learner, archive)
        copies[language] = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    english, spanish = copies["en-gb"], copies["es"]
    readme = spanish.read("README.txt").decode("utf-8")

    assert readme.startswith("Learner Portal — una copia portable de tus datos (art. 20 del RGPD)")
    assert "Qué contiene cada archivo" in readme
    assert "Formato: " in readme
    assert "What each file holds" not in readme
    # The column names are a contract with the programs that read the files: the same in every language.
    csv_files = sorted(name for name in english.namelist() if name.endswith(".csv"))
    assert csv_files == sorted(name for name in spanish.namelist() if name.endswith(".csv"))
    for name in csv_files:
        assert spanish.read(name).splitlines()[0] == english.read(name).splitlines()[0]
    manifests = [json.loads(copy.read("manifest.json")) for copy in (english, spanish)]
    columns = [[[column["name"] for column in file["columns"]] for file in manifest["files"]] for manifest in manifests]
    assert columns[0] == columns[1]
    assert re.search(r"\(\d+ registros?\)", readme), "record counts in Spanish"


def test_an_api_error_says_its_detail_in_spanish_under_the_same_code(api):
    body = {"type": "objection", "details": {"purposes": []}}
    answers = {}
    for language, headers in (("en-gb", {}), ("es", SPANISH)):
        with translation.override(language):
            response = api.post("/api/v1/me/requests/", body, content_type="application/json", **headers)
        assert response.status_code == 400
        answers[language] = response.json()

    assert answers["es"]["code"] == answers["en-gb"]["code"] == "invalid_details"
    assert answers["es"]["detail"] == "Elige al menos un uso de tus datos al que oponerte."
    assert answers["es"]["fields"] == {"details.purposes": ["Elige al menos un uso de tus datos al que oponerte."]}
    assert answers["en-gb"]["detail"] == "Choose at least one use of your data to object to."


def test_the_portals_own_notes_on_a_request_read_in_the_readers_language_whoever_filed_it(client, learner):
    """A note the portal writes is stored in English and translated when shown, whatever language it was filed in."""
    rights_request = services.request_submit(actor=learner, subject=learner, request_type="access", details={})
    client.force_login(learner)

    spanish = client.get(f"/settings/data/{rights_request.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(f"/settings/data/{rights_request.pk}/").content.decode()

    assert "La presentaste con tu sesión iniciada, así que sabemos que eres tú." in spanish
    assert "You filed it while signed in to your account, so we know it is you." in english


def test_the_access_report_gives_the_portals_notes_on_requests_in_spanish(learner):
    """The history of a request in the report reads like the request's page: the portal's notes in Spanish."""
    services.request_submit(actor=learner, subject=learner, request_type="restriction", details={"reason": "Mal."})
    Profile.objects.filter(user=learner).update(language="es")
    learner.refresh_from_db()
    out = io.StringIO()

    access_report_write(learner, out)

    assert "<td>La presentaste con tu sesión iniciada, así que sabemos que eres tú.</td>" in out.getvalue()
    assert "You filed it while signed in" not in out.getvalue()


def test_the_access_report_names_devices_in_spanish(learner):
    """A signed-in device and a stranger's failed sign-ins, named by kind of browser in the learner's language."""
    Client(HTTP_USER_AGENT=FIREFOX_ON_LINUX).post("/accounts/login/", {"username": "noor", "password": PASSWORD})
    Client(HTTP_USER_AGENT=CHROME_ON_WINDOWS).post("/accounts/login/", {"username": "noor", "password": "wrong"})
    Profile.objects.filter(user=learner).update(language="es")
    learner.refresh_from_db()
    out = io.StringIO()

    access_report_write(learner, out)

    assert "<td>Firefox en Linux</td>" in out.getvalue() and "<td>Chrome en Windows</td>" in out.getvalue()
    assert " on Linux" not in out.getvalue() and " on Windows" not in out.getvalue()


def test_the_portable_copys_readme_says_when_it_was_made_in_the_learners_time_zone(learner):
    """Its values stay UTC for programs; the sentence a person reads names her time, in Mexico City's zone."""
    Profile.objects.filter(user=learner).update(language="es", timezone="America/Mexico_City")
    learner.refresh_from_db()
    buffer = io.BytesIO()
    with (
        time_machine.travel(datetime.datetime(2026, 12, 7, 16, 1, 12, tzinfo=datetime.UTC), tick=False),
        in_language_and_time_zone_of(learner),
        zipfile.ZipFile(buffer, "w") as archive,
    ):
        portable_export_write(learner, archive)
    readme = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("README.txt").decode("utf-8")

    assert "Hecha el 7 de diciembre de 2026, 10:01 CST (2026-12-07 a las 16:01:12 UTC);" in readme
    assert "null en el JSON significan «sin valor»" in readme and "no value" not in readme


def test_the_access_report_names_the_portals_second_factors_in_spanish(learner):
    device = two_factor_setup_begin(user=learner)
    two_factor_setup_confirm(user=learner, device_id=device.pk, token=code_for(device))  # as the Privacy tab does
    Profile.objects.filter(user=learner).update(language="es")
    learner.refresh_from_db()
    out = io.StringIO()

    access_report_write(learner, out)

    assert "<td>Aplicación de autenticación</td>" in out.getvalue()
    assert "<td>Códigos de respaldo</td>" in out.getvalue()
    assert "Authenticator app" not in out.getvalue() and "Backup codes" not in out.getvalue()
