"""In Chromium, in Spanish, at 360 px: every page a learner meets fits the screen, with a screenshot of each.

A learner who chose Español (and Mexico City's time zone) and a visitor whose browser asks for
Spanish walk sign-up, sign-in and its code step, the dashboard, each Settings tab, 2FA set-up and
backup codes, the six rights' forms, requests' pages and a download, the notice, a public profile and
the 404 and 403 pages. No page may scroll sideways, and none may show a word of English left in the
text a reader sees (a short list of English words that Spanish never uses).
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.languages import in_language_and_time_zone_of
from accounts.models import Profile
from learnerportal.tests.factories import (
    PASSWORD,
    CourseFactory,
    EnrollmentFactory,
    ProfileVisibilityFactory,
    TOTPDeviceFactory,
    fill_profile,
)
from learnerportal.tests.support import code_for
from rights_requests import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
RIGHTS = ("access", "rectification", "erasure", "restriction", "portability", "objection")

#: English words a Spanish page never needs (names, codes and ``translate="no"`` text are left out).
ENGLISH = re.compile(r"\b(the|your|you|with|and|when|which|request|sign in|settings|data|download|not)\b", re.I)

#: The visible text of the page, without what is marked ``translate="no"`` (names, codes, paths).
VISIBLE_TEXT = """() => {
    const clone = document.body.cloneNode(true);
    clone.querySelectorAll('[translate="no"], script, style, template, [hidden]').forEach(e => e.remove());
    return clone.innerText;
}"""


def look(page, name, screenshot):
    """Return what is wrong with the page shown (sideways scroll, English words), after keeping its screenshot."""
    page.wait_for_load_state()
    found = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{name}: {width}px wide, it scrolls sideways")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    english = sorted({match.group(0).lower() for match in ENGLISH.finditer(page.evaluate(VISIBLE_TEXT))})
    if english:
        found.append(f"{name}: English words {english}")
    screenshot(page, f"es-360-{name}")
    return found


def test_a_visitor_walks_the_signed_out_pages_in_spanish(live_server, browser, learner, screenshot):
    ProfileVisibilityFactory(user=learner, full_name="public", bio="public", country="public", courses="public")
    EnrollmentFactory(user=learner, course=CourseFactory(title="Estadística sin lágrimas"))
    page = browser.new_context(locale="es-ES", viewport=PHONE).new_page()
    found = []
    for name, path in [
        ("signup", "/accounts/signup/"),
        ("login", "/accounts/login/"),
        ("password-reset", "/accounts/password/reset/"),
        ("notice", "/privacy/notice/"),
        ("profile", f"/learners/{learner.username}/"),
        ("404", "/no/such/page/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        found += look(page, name, screenshot)
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_role("button", name="Crear la cuenta").click()
    found += look(page, "signup-errors", screenshot)

    assert found == [], "\n".join(found)


def test_a_spanish_learner_walks_her_pages_at_360_px(live_server, browser, amara, screenshot):
    fill_profile(amara, phone="+34 600 000 123")
    Profile.objects.filter(user=amara).update(language="es", timezone="America/Mexico_City")
    amara.profile.refresh_from_db()
    EnrollmentFactory(user=amara, course=CourseFactory(title="Estadística sin lágrimas"), progress_percent=40)
    device = TOTPDeviceFactory(user=amara)
    with in_language_and_time_zone_of(amara):  # as her own pages file them
        access = services.request_submit(actor=amara, subject=amara, request_type="access", details={})
        erasure = services.request_submit(actor=amara, subject=amara, request_type="erasure", details={})
    page = browser.new_context(locale="es-ES", viewport=PHONE).new_page()
    found = []

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nombre de usuario o correo").fill("amara")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    found += look(page, "code-step", screenshot)
    page.get_by_label("Código").fill(code_for(device))
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name=re.compile("Hola"))).to_be_visible()

    for name, path in [
        ("dashboard", "/"),
        ("account", "/settings/account/"),
        ("privacy", "/settings/privacy/"),
        ("consent-history", "/settings/privacy/consents/history/"),
        ("security", "/settings/security/"),
        ("api-token-new", "/settings/security/tokens/new/"),
        ("activity", "/settings/security/activity/"),
        ("data", "/settings/data/"),
        *[(f"new-{right}", f"/settings/data/new/{right}/") for right in RIGHTS],
        ("request-access", f"/settings/data/{access.pk}/"),
        ("request-erasure", f"/settings/data/{erasure.pk}/"),
        ("backup-codes-form", "/settings/privacy/two-factor/backup-codes/"),
        ("two-factor-off", "/settings/privacy/two-factor/disable/"),
        ("notice", "/privacy/notice/"),
        ("own-profile", "/learners/amara/"),
        ("403", "/admin/"),
        ("404", "/settings/data/00000000-0000-0000-0000-000000000000/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        found += look(page, name, screenshot)

    page.goto(f"{live_server.url}/settings/privacy/two-factor/backup-codes/")
    page.get_by_label("Tu contraseña", exact=True).fill(PASSWORD)
    # The next step's code: the one signed in with cannot be used twice (RFC 6238 §5.2).
    page.get_by_role("textbox", name="Código").fill(
        code_for(device, at=timezone.now() + datetime.timedelta(seconds=30))
    )
    page.get_by_role("button", name="Generar nuevos códigos de respaldo").click()
    expect(page.get_by_role("list", name="Códigos de respaldo")).to_be_visible()
    found += look(page, "backup-codes", screenshot)

    assert found == [], "\n".join(found)


def test_a_spanish_learner_sets_up_two_factor_at_360_px(live_server, browser, amara, screenshot):
    Profile.objects.filter(user=amara).update(language="es")
    page = browser.new_context(locale="es-ES", viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nombre de usuario o correo").fill("amara")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.goto(f"{live_server.url}/settings/privacy/two-factor/setup/")
    found = look(page, "two-factor-setup", screenshot)
    page.get_by_label("Código de tu aplicación").fill("000000")
    page.get_by_role("button", name="Activar", exact=True).click()
    expect(page.get_by_text("Ese código no es correcto.")).to_be_visible()
    found += look(page, "two-factor-setup-wrong-code", screenshot)

    assert found == [], "\n".join(found)
