"""Issue 14's journey, in a real browser: the front desk links a carer met in person, the carer
signs in, switches to the patient and reads the category they were given; the patient sees the
look in their access log and ends the access from the sharing page; the carer's next click is
refused. axe-core checks every page on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import Role
from patients.models import RecordCategory
from proxies.models import ProxyAccess, ProxyStatus
from tests.browser.axe import assert_accessible
from tests.browser.test_reflow import signed_in_context
from tests.factories import DEFAULT_PASSWORD, PatientUserFactory, RecordEntryFactory, StaffFactory
from tests.proxies.manage_support import years_ago

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/")
    return context, page


def test_a_carer_is_linked_reads_what_was_given_and_is_refused_once_ended(
    browser, live_server, front_desk
):
    tom_user = PatientUserFactory(
        email="tom@example.org",
        patient__legal_name="Thomas Whitfield",
        patient__preferred_name="Tom",
        patient__date_of_birth=years_ago(69),
    )
    tom = tom_user.patient
    emma_user = PatientUserFactory(
        email="emma@example.org",
        patient__legal_name="Emma Whitfield",
        patient__date_of_birth=years_ago(38),
    )
    emma = emma_user.patient
    physician = StaffFactory(role=Role.PHYSICIAN, display_name="Dr A. Rivera")
    RecordEntryFactory(
        patient=tom, author=physician, category=RecordCategory.LAB_RESULT, title="Cholesterol panel"
    )
    RecordEntryFactory(
        patient=tom, author=physician, category=RecordCategory.MEDICATION, title="Metformin 500 mg"
    )
    last_day = timezone.localdate() + dt.timedelta(days=90)

    # 1. The front desk, with Tom and Emma in front of them, finds Emma on the register.
    desk_context = signed_in_context(browser, live_server, front_desk)
    desk = desk_context.new_page()
    desk.goto(f"/staff/onboarding/patients/{tom.pk}/")
    expect(desk.get_by_role("heading", name="Carers and proxies")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_role("link", name="Link a carer or proxy").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Link a carer or proxy")
    desk.get_by_label("Name or MRN").fill(emma.mrn)
    desk.get_by_role("button", name="Search the register").click()
    assert_accessible(desk)
    desk.get_by_role("link", name="Choose Emma Whitfield").click()
    expect(desk.get_by_role("heading", level=2)).to_contain_text("Proxy: Emma Whitfield")
    assert_accessible(desk)
    desk.get_by_label("The patient's own choice").check()
    desk.get_by_label("carer", exact=True).check()
    desk.get_by_label("Photo ID of the proxy, seen in person").select_option(label="Passport")
    desk.get_by_label("Photo ID of the patient, seen in person").select_option(
        label="Driving licence"
    )
    desk.get_by_label("Read the health record").check()
    desk.get_by_label("Lab result").check()
    desk.get_by_label("Last day of access").fill(last_day.isoformat())
    desk.get_by_role("button", name="Link them now").click()
    expect(desk.get_by_text("Emma Whitfield can now act for Tom until")).to_be_visible()
    expect(desk.locator("#carers-title")).to_be_visible()
    assert_accessible(desk)
    access = ProxyAccess.objects.get(patient=tom, proxy=emma)
    assert access.status == ProxyStatus.ACTIVE and access.record_categories == ["lab_result"]

    # 2. Emma signs in, switches to Tom and reads his lab results, and nothing else.
    carer_context, carer = _sign_in(browser, live_server, emma_user)
    carer.goto("/portal/acting-for/")
    assert_accessible(carer)
    carer.get_by_label("Tom (you are their carer)").check()
    carer.get_by_role("button", name="Switch").click()
    expect(carer.get_by_role("heading", level=1)).to_have_text("Tom's portal")
    assert_accessible(carer)
    carer.get_by_role("link", name="Health record").click()
    expect(carer.get_by_text("Cholesterol panel")).to_be_visible()
    expect(carer.get_by_text("Metformin 500 mg")).to_have_count(0)
    assert_accessible(carer)
    carer.get_by_role("link", name="Cholesterol panel").click()
    expect(carer.get_by_role("heading", level=1)).to_contain_text("Cholesterol panel")
    assert_accessible(carer)

    # 3. Tom sees Emma's look in his access log, then ends her access from his sharing page.
    tom_context, patient_page = _sign_in(browser, live_server, tom_user)
    patient_page.goto("/portal/access-log/")
    expect(patient_page.get_by_text("Emma Whitfield, as your carer").first).to_be_visible()
    assert_accessible(patient_page)
    patient_page.goto("/portal/sharing/")
    section = patient_page.get_by_role("region", name="People who act for you")
    expect(section).to_contain_text("Emma Whitfield, your carer")
    expect(section).to_contain_text("read lab results in the health record")
    assert_accessible(patient_page)
    section.get_by_role("button", name="End access of Emma Whitfield").click()
    expect(patient_page.get_by_text("Emma Whitfield can no longer act for you")).to_be_visible()
    assert_accessible(patient_page)
    access.refresh_from_db()
    assert access.status == ProxyStatus.ENDED

    # 4. Emma's next request (the page she is on, again) is refused: nothing of Tom's is shown.
    carer.reload()
    expect(carer.get_by_text("You can no longer act for Tom")).to_be_visible()
    expect(carer.get_by_text("Cholesterol panel")).to_have_count(0)
    assert_accessible(carer)

    for context in (desk_context, carer_context, tom_context):
        context.close()
