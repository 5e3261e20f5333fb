"""Issue 14's journey, the read path: a carer signs in, switches to the patient, reads the
category shared with them (and nothing else), the patient sees the look in their access log,
the access ends, and the carer is refused on their next click. axe checks throughout.

The front desk's linking and the patient's "end it" button are built on the carers-manage
branch; until they are merged the access is created and ended here through the model."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from proxies.models import ProxyStatus
from tests.browser.axe import assert_accessible
from tests.browser.test_reflow import signed_in_context
from tests.factories import PatientUserFactory, ProxyAccessFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_carer_reads_what_was_shared_and_is_refused_once_it_ends(
    browser, live_server, patient, patient_user, record
):
    carer = PatientUserFactory(email="ana@example.org", patient__legal_name="Ana Santos")
    access = ProxyAccessFactory(
        patient=patient, proxy=carer.patient, record_categories=["lab_result"]
    )

    carer_context = signed_in_context(browser, live_server, carer)
    page = carer_context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/portal/")
    banner = page.get_by_role("region", name="Whose record")
    expect(banner).to_contain_text("You are looking at your own record.")
    assert_accessible(page)
    banner.get_by_role("link", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Whose record are you looking at?")
    page.get_by_label("Maria Santos (you are their carer)").check()
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Santos's portal")
    expect(banner).to_contain_text("You are looking at Maria Santos's record, as their carer.")
    assert_accessible(page)
    page.get_by_role("link", name="Health record").click()
    expect(page.get_by_text("Cholesterol panel")).to_be_visible()
    expect(page.get_by_text("Knee pain follow-up")).to_have_count(0)
    expect(page.get_by_text("Counselling session")).to_have_count(0)
    assert_accessible(page)

    patient_context = signed_in_context(browser, live_server, patient_user)
    maria = patient_context.new_page()
    maria.goto("/portal/access-log/")
    expect(maria.get_by_text("Ana Santos, as your carer").first).to_be_visible()
    assert_accessible(maria)

    access.status = ProxyStatus.ENDED
    access.ended_at = timezone.now()
    access.ended_by = patient_user
    access.save()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Whose record are you looking at?")
    expect(page.get_by_text("You can no longer act for Maria Santos")).to_be_visible()
    expect(page.get_by_text("Cholesterol panel")).to_have_count(0)
    assert_accessible(page)
    patient_context.close()
    carer_context.close()
