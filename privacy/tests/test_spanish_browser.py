"""In Chromium, in Spanish: the seed's five steps, then a request filed, for a learner who chose Español.

The same steps as ``test_browser.py``, with Spanish names for every control; axe finds no WCAG
violation on the pages in Spanish (the English ones are checked in ``accounts/tests``).
"""

import pytest
from playwright.sync_api import expect

from accounts.models import Profile
from learnerportal.tests.factories import PASSWORD, fill_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_spanish_learner_adjusts_who_sees_her_profile_and_files_a_request_in_spanish(
    live_server, browser, amara, axe_violations, screenshot
):
    fill_profile(amara, phone="+34 600 000 123")
    Profile.objects.filter(user=amara).update(language="es", timezone="America/Mexico_City")
    # 1. Sign in, in a browser that asks for Spanish: the sign-in page is already in Spanish.
    page = browser.new_context(locale="es-ES").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    found = axe_violations(page)
    page.get_by_label("Nombre de usuario o correo").fill("amara@example.org")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Hola, Amara Okafor-Mensah")).to_be_visible()
    found += axe_violations(page)
    # 2. Avatar menu → Configuración.
    page.get_by_label("Menú de la cuenta de amara").click()
    page.get_by_role("link", name="Configuración", exact=True).click()
    # 3. The Privacy tab.
    page.get_by_role("navigation", name="Configuración").get_by_role("link", name="Privacidad").click()
    expect(page.get_by_role("heading", name="Quién puede ver tu perfil")).to_be_visible()
    found += axe_violations(page)
    for width in (1024, 1280, 1440):  # the Spanish names of the audiences are longer: none is cut off
        page.set_viewport_size({"width": width, "height": 800})
        clipped = page.evaluate(
            "[...document.querySelectorAll('.audience-option')]"
            ".filter(o => o.scrollWidth > o.clientWidth).map(o => o.textContent.trim())"
        )
        assert clipped == [], f"at {width} px: {clipped}"
    page.set_viewport_size({"width": 1280, "height": 720})
    # 4. Adjust.
    page.get_by_role("group", name="Nombre completo").get_by_label("Todo el mundo").check()
    page.get_by_role("group", name="País").get_by_label("Todo el mundo").check()
    # 5. Save → a confirmation in Spanish.
    page.get_by_role("button", name="Guardar la configuración de privacidad").click()
    expect(page.get_by_role("status")).to_contain_text("Tu configuración de privacidad se ha guardado.")
    screenshot(page, "privacy-saved")

    # A request, filed in Spanish: Tus datos → the right of access → Enviar solicitud.
    page.get_by_role("navigation", name="Configuración").get_by_role("link", name="Tus datos").click()
    found += axe_violations(page)
    page.get_by_role("link", name="Pedir una copia", exact=True).click()
    found += axe_violations(page)
    page.get_by_role("button", name="Enviar solicitud").click()
    expect(page.get_by_text("Hemos recibido tu solicitud")).to_be_visible()
    found += axe_violations(page)
    screenshot(page, "request-filed")

    assert found == [], "\n".join(found)
