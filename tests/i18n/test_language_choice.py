"""Which language a page comes in: the switcher's choice, else a signed-in patient's recorded
language (when we ship it), else the browser's; staff pages in English. URLs never change."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import PatientUserFactory

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9,en;q=0.5"}


def html_lang(page: str) -> str:
    start = page.index("<html lang=") + len('<html lang="')
    return page[start : page.index('"', start)]


def test_the_sign_in_page_follows_the_browser(client, db):
    english = client.get("/accounts/login/").content.decode()
    assert html_lang(english) == "en-gb"
    assert "Skip to main content" in english
    spanish = client.get("/accounts/login/", **SPANISH_BROWSER)
    page = spanish.content.decode()
    assert html_lang(page) == "es"
    assert "Saltar al contenido principal" in page
    assert spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]


def test_a_spanish_speaking_patient_gets_spanish_whatever_the_browser_says(
    client, spanish_patient_user
):
    client.force_login(spanish_patient_user)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()
    assert html_lang(page) == "es"
    assert "Hola, Lucía Fernández" in page
    assert "Quién puede ver su historial ahora" in page
    assert "Who can see your record now" not in page


def test_a_language_we_do_not_ship_falls_back_to_the_browser(client, site):
    user = PatientUserFactory(patient__site=site, patient__preferred_language="pl")
    client.force_login(user)
    assert html_lang(client.get("/portal/").content.decode()) == "en-gb"
    assert html_lang(client.get("/portal/", **SPANISH_BROWSER).content.decode()) == "es"


def test_an_english_patient_with_a_spanish_browser_reads_spanish(client, patient_user):
    client.force_login(patient_user)
    page = client.get("/portal/", **SPANISH_BROWSER).content.decode()
    # English is the patient's recorded language: it wins over the browser.
    assert html_lang(page) == "en-gb"


def test_the_switcher_is_on_every_page_and_posts_to_set_language(client, patient_user):
    for path in ("/accounts/login/", "/activate/", "/education/", "/transparency/"):
        page = client.get(path).content.decode()
        assert 'action="/language/"' in page, path
        assert 'name="language" value="es" lang="es">Español</button>' in page, path
    client.force_login(patient_user)
    page = client.get("/portal/sharing/").content.decode()
    assert 'action="/language/"' in page
    assert '<input type="hidden" name="next" value="/portal/sharing/">' in page


def test_the_switcher_choice_is_remembered_and_beats_the_recorded_language(
    client, spanish_patient_user
):
    client.force_login(spanish_patient_user)
    response = client.post("/language/", {"language": "en-gb", "next": "/portal/sharing/"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/sharing/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en-gb"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert cookie["httponly"]
    page = client.get("/portal/sharing/").content.decode()
    assert html_lang(page) == "en-gb"
    assert "Who can see your record" in page
    client.post("/language/", {"language": "es", "next": "/portal/"})
    assert "Quién puede ver su historial" in client.get("/portal/sharing/").content.decode()


def test_choosing_spanish_before_signing_in_carries_on_after(client, patient_user):
    client.post("/language/", {"language": "es", "next": "/accounts/login/"})
    assert html_lang(client.get("/accounts/login/").content.decode()) == "es"
    client.force_login(patient_user)
    assert html_lang(client.get("/portal/").content.decode()) == "es"


@pytest.mark.parametrize(
    "data",
    [
        {"language": "es", "next": "https://evil.example/phish"},
        {"language": "es", "next": "//evil.example/"},
        {"language": "klingon", "next": "/portal/"},
        {"language": "", "next": ""},
        {"language": "es" * 500},
    ],
)
def test_hostile_switcher_input_never_leaves_the_site_or_fails(client, db, data):
    response = client.post("/language/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert not response["Location"].startswith("//")
    if data.get("language") != "es":
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switcher_only_answers_a_post(client, db):
    # Django's set_language redirects a GET without changing anything.
    response = client.get("/language/?language=es&next=/accounts/login/")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_staff_pages_stay_english_without_a_switcher(client, front_desk):
    client.force_login(front_desk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get("/staff/", **SPANISH_BROWSER).content.decode()
    assert html_lang(page) == "en-gb"
    assert "Skip to main content" in page
    assert 'action="/language/"' not in page


def test_the_stable_urls_carry_no_language_prefix(client, spanish_patient_user):
    client.force_login(spanish_patient_user)
    for path in ("/portal/", "/portal/sharing/", "/portal/access-log/", "/education/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/es/portal/").status_code == 404
