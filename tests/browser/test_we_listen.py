"""We listen, in a real browser with axe-core on each page: a concern from the access log to its
resolution, answering a survey, and the trust dashboard (charts with text alternatives)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from playwright.sync_api import expect

from accesslog.chain import append_event
from accesslog.models import AccessAction, AccessBasis, AccessTarget
from clinic.models import Role
from feedback import surveys
from feedback.models import Grievance, Instrument, InstrumentItem, SurveyInvitation
from tests.browser.axe import assert_accessible
from tests.factories import PatientUserFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_tab(browser, live_server):
    """A tab signed in as `user` (each tab its own browser context and cookies)."""
    contexts = []

    def open_tab(user):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_tab
    for context in contexts:
        context.close()


def _pulse() -> Instrument:
    """Browser tests flush the database, so the shipped instruments are made again here."""
    instrument = Instrument.objects.create(
        slug="browser-pulse", name="How much do you trust us?", introduction="Three statements."
    )
    for position, (text, reverse) in enumerate(
        [
            ("I trust the clinic with my record.", False),
            ("I know who has looked at my record.", False),
            ("I worry that strangers read my record.", True),
        ],
        start=1,
    ):
        InstrumentItem.objects.create(
            instrument=instrument, position=position, text=text, reverse_scored=reverse
        )
    return instrument


def test_a_concern_from_the_access_log_to_its_resolution(open_tab):
    patient_user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    patient = patient_user.patient
    rivera = StaffFactory(role=Role.PHYSICIAN, display_name="Dr A. Rivera")
    officer = StaffFactory(role=Role.PRIVACY_OFFICER, display_name="Jordan Lee")
    append_event(
        patient=patient,
        actor=rivera,
        action=AccessAction.VIEW,
        target=AccessTarget.RECORD,
        basis=AccessBasis.GRANT,
        purpose="treatment",
    )

    # The patient reports the look from the access log.
    maria = open_tab(patient_user)
    maria.goto("/portal/access-log/")
    maria.get_by_role("link", name="I don't recognise this look by Dr A. Rivera").click()
    maria.get_by_label("Tell us what worries you").fill("I have never met Dr Rivera.")
    maria.get_by_role("button", name="Send my concern").click()
    expect(maria.get_by_role("heading", level=1)).to_contain_text("Your concern of")
    expect(maria.locator("main")).to_contain_text("Acknowledgement due")
    assert_accessible(maria)
    maria.goto("/portal/access-log/")
    expect(
        maria.get_by_role("link", name="Concern open about the look by Dr A. Rivera")
    ).to_be_visible()
    assert_accessible(maria)

    # The privacy officer works it through every step, with the keyboard where it matters.
    jordan = open_tab(officer)
    jordan.goto("/staff/privacy/grievances/")
    assert_accessible(jordan)
    jordan.get_by_role("link", name="open this concern").click()
    expect(jordan.locator("main")).to_contain_text("I have never met Dr Rivera.")
    assert_accessible(jordan)
    jordan.get_by_label("Note to the patient (optional)").fill("We are looking into it.")
    jordan.get_by_role("button", name="Acknowledge the concern").click()
    jordan.get_by_role("button", name="Start the investigation").click()
    expect(jordan.get_by_role("heading", name="Resolve with a written answer")).to_be_visible()
    assert_accessible(jordan)
    jordan.get_by_label("Steps taken to investigate").fill("We asked Dr Rivera and the ward.")
    jordan.get_by_label("Results").fill("Dr Rivera opened the wrong record by mistake.")
    jordan.get_by_role("button", name="Send the answer and resolve").click()
    expect(jordan.get_by_text("Done. The patient has been told.")).to_be_visible()
    assert Grievance.objects.get().status == "resolved"

    # The patient reads the written answer and the history.
    maria.get_by_role("link", name="Concern open about the look by Dr A. Rivera").click()
    expect(maria.locator("main")).to_contain_text("Dr Rivera opened the wrong record by mistake.")
    expect(maria.locator("main")).to_contain_text("Jordan Lee")  # the contact person
    expect(maria.locator("main")).to_contain_text("Investigation started")
    assert_accessible(maria)


def test_answering_a_survey(open_tab):
    patient_user = PatientUserFactory()
    instrument = _pulse()
    invitation = SurveyInvitation.objects.create(
        instrument=instrument, patient=patient_user.patient, round=0
    )
    page = open_tab(patient_user)
    page.goto("/portal/feedback/")
    page.get_by_role("link", name="How much do you trust us?").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send my answers").click()  # nothing chosen yet
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    for legend in ("1. I trust", "2. I know", "3. I worry"):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you. Your answers are saved.")).to_be_visible()
    # Agree (4) on two positive items and one reversed: 3 + 3 + 1 of 12 → 58.3.
    expect(page.locator("main")).to_contain_text("58.3")
    assert_accessible(page)
    invitation.refresh_from_db()
    assert invitation.answered_at is not None


def test_the_trust_dashboard(open_tab):
    officer = StaffFactory(role=Role.PRIVACY_OFFICER)
    instrument = _pulse()
    for _ in range(5):
        patient = PatientUserFactory().patient
        invitation = SurveyInvitation.objects.create(
            instrument=instrument, patient=patient, round=0
        )
        surveys.answer_survey(
            invitation=invitation, answers={item.pk: 5 for item in instrument.items.all()}
        )
    page = open_tab(officer)
    page.goto("/staff/trust/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust dashboard")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 2
    for index in range(charts.count()):
        name = charts.nth(index).get_attribute("aria-labelledby")
        assert name and page.locator(f"#{name.split()[0]}").count() == 1
    expect(page.get_by_role("table", name="Onboarding funnel (data)")).to_be_visible()
    assert_accessible(page)
    today = dt.date.today()
    page.get_by_label("From").fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("main")).to_contain_text("Trust and usability")
    assert_accessible(page)
