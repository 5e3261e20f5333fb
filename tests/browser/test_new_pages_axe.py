"""axe-core on the pages issue 15 added or rewrote: the account pages in the portal's words, the
front desk's fixes, and the patient's main pages in Spanish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.test_reflow import overflowing_pages, signed_in_context
from tests.factories import PatientUserFactory, add_totp
from tests.proxies.manage_support import invite, link_attorney, link_carer, years_ago
from tests.records.test_content_views_log_reads import world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_account_pages_pass_axe(browser, live_server, front_desk):
    RecoveryCodes.activate(front_desk)
    context = signed_in_context(browser, live_server, front_desk)
    page = context.new_page()
    for url, heading in [
        ("/accounts/2fa/", "Security"),
        # This session was not started by typing a password, so allauth asks for it first.
        ("/accounts/2fa/recovery-codes/", "Confirm it is you"),
        ("/accounts/email/", "Your email address"),
        ("/accounts/password/change/", "Change your password"),
    ]:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    context.close()
    anonymous = signed_in_context(browser, live_server, None)
    page = anonymous.new_page()
    for url in ["/accounts/password/reset/", "/accounts/signup/"]:
        page.goto(url)
        assert_accessible(page)
    anonymous.close()


def test_front_desk_fix_pages_pass_axe(browser, live_server, front_desk, patient):
    add_totp(patient.user)
    context = signed_in_context(browser, live_server, front_desk)
    page = context.new_page()
    page.goto(f"/staff/onboarding/patients/{patient.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Change details").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change details")
    assert_accessible(page)
    page.goto(f"/staff/onboarding/patients/{patient.pk}/two-step-reset/")
    page.get_by_role("button", name="Reset two-step verification").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert_accessible(page)
    page.get_by_label("Passport").check()
    page.get_by_label("The patient is here in person").check()
    page.get_by_label("They asked for this").check()
    page.get_by_role("button", name="Reset two-step verification").click()
    expect(page.get_by_text("Two-step verification is off for")).to_be_visible()
    assert_accessible(page)
    context.close()


def test_appointment_pages_pass_axe(browser, live_server, front_desk, physician, patient):
    add_totp(patient.user)
    context = signed_in_context(browser, live_server, front_desk)
    page = context.new_page()
    page.goto(f"/staff/onboarding/patients/{patient.pk}/")
    page.get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Book an appointment")
    assert_accessible(page)
    page.get_by_label("Date").fill("2001-01-01")
    page.get_by_role("button", name="Book the appointment").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert_accessible(page)
    page.get_by_label("Date").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    page.get_by_label("With").select_option(str(physician.pk))
    page.get_by_role("button", name="Book the appointment").click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    assert_accessible(page)
    context.close()
    patient_context = signed_in_context(browser, live_server, patient.user)
    page = patient_context.new_page()
    page.goto("/portal/")
    page.get_by_role("link", name="See your appointments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointments")
    expect(page.get_by_text("with Dr A. Rivera.")).to_be_visible()
    assert_accessible(page)
    patient_context.close()


# The patient's main pages, as a Spanish-speaking patient sees them: (url, level-1 heading).
SPANISH_PATIENT_PAGES = [
    ("/portal/", "Hola, "),
    ("/portal/records/", "Su historial de salud"),
    ("/portal/sharing/", "Quién puede ver su historial"),
    ("/portal/sharing/new/", "Compartir su historial"),
    ("/portal/access-log/", "Quién ha consultado su historial"),
    ("/portal/notifications/", "Notificaciones"),
    ("/portal/education/", "Sus lecturas"),
    ("/portal/feedback/", "Opiniones"),
    ("/portal/export/summary/", "Resumen de sus datos"),
    ("/accounts/2fa/", "Seguridad"),
]
SPANISH_PUBLIC_PAGES = ["/accounts/login/", "/activate/", "/education/", "/transparency/"]


def test_the_patients_main_pages_in_spanish_pass_axe(
    browser,
    live_server,
    world,  # noqa: F811
    patient,
):
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    context = signed_in_context(browser, live_server, patient.user)
    page = context.new_page()
    for url, heading in SPANISH_PATIENT_PAGES:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)
    context.close()
    anonymous = browser.new_context(base_url=live_server.url, locale="es-ES")
    page = anonymous.new_page()
    for url in SPANISH_PUBLIC_PAGES:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert_accessible(page)
    anonymous.close()


def test_the_language_switcher_works_from_the_keyboard(browser, live_server, db):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en-gb")
    switch = page.get_by_role("button", name="Español")
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.url.endswith("/accounts/login/")
    expect(page.get_by_role("button", name="English")).to_be_visible()
    assert_accessible(page)
    page.goto("/education/")
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_carers_pages_pass_axe_and_reflow(browser, live_server, front_desk, patient_user):
    """Issue 14, setting up and ending proxy access: the front desk's section, link, confirm,
    end and review pages; the patient's invitation and end pages; the carer's "People you help"."""
    patient = patient_user.patient
    carer = PatientUserFactory(
        email="ana@example.org",
        patient__legal_name="Ana Santos",
        patient__date_of_birth=years_ago(40),
    )
    attorney = PatientUserFactory(
        patient__legal_name="Olu Ade", patient__date_of_birth=years_ago(50)
    ).patient
    access = link_carer(patient, carer.patient, front_desk)
    poa = link_attorney(patient, attorney, front_desk)
    pending = invite(patient, name="Pat Jones", email="pat@example.org")

    staff_pages = [
        (f"/staff/onboarding/patients/{patient.pk}/", "Maria Santos"),
        (f"/staff/onboarding/patients/{patient.pk}/proxies/link/?q=Santos", "Link a carer"),
        (
            f"/staff/onboarding/patients/{patient.pk}/proxies/link/?proxy={carer.patient.pk}",
            "Link a carer",
        ),
        ("/staff/onboarding/proxies/", "Invitations waiting"),
        (f"/staff/onboarding/proxies/{pending.pk}/confirm/?q=Ana", "Confirm that Pat Jones"),
        (
            f"/staff/onboarding/proxies/{pending.pk}/confirm/?proxy={carer.patient.pk}",
            "Confirm that Pat Jones",
        ),
        (f"/staff/onboarding/proxies/{pending.pk}/decline/", "Decline the invitation"),
        (f"/staff/onboarding/proxies/{access.pk}/end/", "End the access of Ana Santos"),
        (f"/staff/onboarding/proxies/{poa.pk}/review/", "Review of the power of attorney"),
    ]
    context = signed_in_context(browser, live_server, front_desk)
    page = context.new_page()
    for url, heading in staff_pages:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)
    # Errors, summarised and next to their fields.
    page.goto(staff_pages[2][0])
    page.get_by_role("button", name="Link them now").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert_accessible(page)
    context.close()

    portal_pages = [
        ("/portal/sharing/", "Who can see your record"),
        ("/portal/sharing/people/invite/", "Invite someone to help you"),
        (f"/portal/sharing/people/{access.pk}/end/", "End the access of Ana Santos"),
    ]
    context = signed_in_context(browser, live_server, patient_user)
    page = context.new_page()
    for url, heading in portal_pages:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    page.goto("/portal/sharing/people/invite/")
    page.get_by_role("button", name="Save the invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert_accessible(page)
    context.close()

    carer_pages = [
        ("/portal/helping/", "People you help"),
        (f"/portal/helping/{access.pk}/stop/", "Stop acting for Maria Santos"),
    ]
    context = signed_in_context(browser, live_server, carer)
    page = context.new_page()
    for url, heading in carer_pages:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    context.close()

    problems = overflowing_pages(browser, live_server, front_desk, [u for u, _ in staff_pages])
    problems += overflowing_pages(browser, live_server, patient_user, [u for u, _ in portal_pages])
    problems += overflowing_pages(browser, live_server, carer, [u for u, _ in carer_pages])
    assert not problems, "pages wider than 320 px:\n" + "\n".join(problems)


def test_acting_for_pages_pass_axe(browser, live_server, record, patient, physician):
    """Issue 14: the switch page (and its error), the home while acting for someone, the banner
    on their record and access log, and the page refusing an area they did not share."""
    from proxies.models import ProxyArea
    from tests.browser.test_reflow import acting_context
    from tests.factories import PatientUserFactory, ProxyAccessFactory

    carer = PatientUserFactory(email="ana@example.org", patient__legal_name="Ana Santos")
    ProxyAccessFactory(
        patient=patient,
        proxy=carer.patient,
        areas=[ProxyArea.RECORD, ProxyArea.ACCESS_LOG],
    )
    context = acting_context(browser, live_server, carer, patient)
    page = context.new_page()
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Santos's portal")
    expect(page.get_by_role("region", name="Whose record")).to_contain_text(
        "You are looking at Maria Santos's record, as their carer."
    )
    assert_accessible(page)
    page.get_by_role("link", name="Health record").click()
    expect(page.get_by_text("Cholesterol panel")).to_be_visible()
    assert_accessible(page)
    page.goto("/portal/access-log/")
    expect(page.get_by_text("Ana Santos, as your carer").first).to_be_visible()
    assert_accessible(page)
    page.goto("/portal/sharing/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Maria Santos has not shared this part with you"
    )
    assert_accessible(page)
    page.goto("/portal/acting-for/")
    assert_accessible(page)
    # The keyboard alone: the choices are radio buttons with labels, the switch a button.
    page.get_by_label("My own record").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Switch").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ana Santos")
    expect(page.get_by_role("region", name="Whose record")).to_contain_text(
        "You are looking at your own record."
    )
    assert_accessible(page)
    context.close()
