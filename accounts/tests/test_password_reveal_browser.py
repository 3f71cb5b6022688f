"""A learner can see the password they type, and hide it again."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_show_password_reveals_what_was_typed_and_hide_masks_it_again(page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    password = page.get_by_label("Password", exact=True)
    password.fill("violet-harbour-1987")
    show = page.get_by_role("button", name="Show password")

    show.click()
    assert password.get_attribute("type") == "text"
    assert page.get_by_role("button", name="Hide password").get_attribute("aria-pressed") == "true"
    screenshot(page, "shown")

    page.get_by_role("button", name="Hide password").click()
    assert password.get_attribute("type") == "password"
    assert password.input_value() == "violet-harbour-1987", "what was typed is kept"


def test_the_button_speaks_the_pages_language(browser, live_server):
    page = browser.new_context(locale="es-ES").new_page()
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_role("button", name="Mostrar contraseña").click()

    assert page.get_by_label("Contraseña", exact=True).get_attribute("type") == "text"
    assert page.get_by_role("button", name="Ocultar contraseña").get_attribute("aria-pressed") == "true"
