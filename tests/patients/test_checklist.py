"""The tools introduction: ticked in person, stamped, complete only when all is recorded; and the
portal's "Your first steps" built from it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinic.models import Role
from patients import services
from patients.models import ChecklistItem, ChecklistOutcome, OnboardingChecklistEntry, VisitStatus
from tests.factories import PatientUserFactory, StaffFactory
from tests.factories.onboarding import (
    OnboardingVisitFactory,
    checked_in,
    completed,
    identity_verified,
    tick_everything,
)


def checklist_url(visit) -> str:
    return f"/staff/onboarding/visits/{visit.pk}/checklist/"


def test_each_tick_is_stamped_with_the_staff_member_and_time(desk, front_desk):
    visit = checked_in(OnboardingVisitFactory())
    response = desk.post(checklist_url(visit), {"item": "sharing", "outcome": "explained"})
    assert response.status_code == 302
    entry = OnboardingChecklistEntry.objects.get(visit=visit, item=ChecklistItem.SHARING)
    assert entry.outcome == ChecklistOutcome.EXPLAINED
    assert entry.recorded_by == front_desk and entry.recorded_at
    page = desk.get(f"/staff/onboarding/visits/{visit.pk}/").content.decode()
    assert "Shown and explained</span>, Sam Okafor" in page


def test_a_tick_can_be_changed_to_declined_and_cleared(desk, front_desk):
    visit = checked_in(OnboardingVisitFactory())
    colleague = StaffFactory(role=Role.FRONT_DESK, display_name="Kim Lee")
    services.record_checklist_item(visit=visit, item="export", outcome="explained", by=colleague)
    desk.post(checklist_url(visit), {"item": "export", "outcome": "declined"})
    entry = OnboardingChecklistEntry.objects.get(visit=visit, item="export")
    assert entry.outcome == ChecklistOutcome.DECLINED and entry.recorded_by == front_desk
    desk.post(checklist_url(visit), {"item": "export", "outcome": "clear"})
    assert not OnboardingChecklistEntry.objects.filter(visit=visit).exists()


def test_an_unknown_item_or_outcome_changes_nothing(desk):
    visit = checked_in(OnboardingVisitFactory())
    for data in (
        {"item": "records", "outcome": "explained"},
        {"item": "sharing", "outcome": "<script>alert(1)</script>"},
        {"item": "x" * 10_000, "outcome": "declined"},
        {},
    ):
        response = desk.post(checklist_url(visit), data, follow=True)
        assert response.status_code == 200
        assert "nothing was changed" in response.content.decode()
    assert not OnboardingChecklistEntry.objects.exists()


def test_the_checklist_is_only_for_a_patient_who_is_checked_in(desk):
    visit = OnboardingVisitFactory()
    desk.post(checklist_url(visit), {"item": "sharing", "outcome": "explained"})
    assert not OnboardingChecklistEntry.objects.exists()


def test_a_visit_is_not_complete_without_every_item(desk):
    visit = identity_verified(OnboardingVisitFactory())
    for item in list(ChecklistItem)[:-1]:
        services.record_checklist_item(
            visit=visit, item=item, outcome="explained", by=visit.staff_member
        )
    response = desk.post(f"/staff/onboarding/visits/{visit.pk}/complete/", follow=True)
    assert "Downloading your data" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CHECKED_IN


def test_a_visit_is_not_complete_without_the_identity_check(db):
    visit = checked_in(OnboardingVisitFactory())
    tick_everything(visit)
    with pytest.raises(ValidationError, match="identity check"):
        services.complete_visit(visit=visit, by=visit.staff_member)


def test_declined_items_count_as_recorded(desk, front_desk):
    visit = identity_verified(OnboardingVisitFactory())
    for item in ChecklistItem:
        services.record_checklist_item(visit=visit, item=item, outcome="declined", by=front_desk)
    response = desk.post(f"/staff/onboarding/visits/{visit.pk}/complete/")
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED and visit.completed_by == front_desk


def test_the_checklist_is_locked_once_the_visit_is_complete(db):
    visit = completed(OnboardingVisitFactory())
    with pytest.raises(ValidationError):
        services.record_checklist_item(
            visit=visit, item="sharing", outcome=None, by=visit.staff_member
        )
    assert visit.checklist_items.count() == len(ChecklistItem)


def test_the_portal_shows_the_visit_checklist_as_first_steps(client, db):
    user = PatientUserFactory()
    visit = identity_verified(OnboardingVisitFactory(patient=user.patient))
    for item in ChecklistItem:
        outcome = "declined" if item == ChecklistItem.EXPORT else "explained"
        services.record_checklist_item(
            visit=visit, item=item, outcome=outcome, by=visit.staff_member
        )
    services.complete_visit(visit=visit, by=visit.staff_member)

    client.force_login(user)
    page = client.get("/portal/").content.decode()
    assert "Your first steps" in page
    assert "Set up two-step verification" in page
    for label in (
        "Review who can see your record",
        "Look at your access log",
        "Browse the education library",
        "Give feedback or raise a concern",
    ):
        assert label in page
    assert "Shown at your visit on" in page and "try it" in page
    assert "coming soon" not in page.lower()  # a step that cannot be taken is not offered
    export_exists = "/portal/export/fhir/" in page
    assert ("You chose to skip this at your visit" in page) == export_exists


def test_first_steps_link_only_to_portal_pages_that_exist(client, db):
    from django.urls import Resolver404, resolve

    user = PatientUserFactory()
    completed(OnboardingVisitFactory(patient=user.patient))
    client.force_login(user)
    page = client.get("/portal/").content.decode()
    for path in (
        "/portal/sharing/",
        "/portal/access-log/",
        "/portal/education/",
        "/portal/feedback/",
        "/portal/export/fhir/",
    ):
        try:
            resolve(path)
            exists = True
        except Resolver404:
            exists = False
        assert (f'href="{path}"' in page) == exists


def test_a_step_is_done_when_the_patient_did_it_not_when_staff_showed_it(client, db):
    from patients.navigation import portal_steps
    from patients.views import figures_for

    user = PatientUserFactory()
    visit = identity_verified(OnboardingVisitFactory(patient=user.patient))
    for item in ChecklistItem:
        outcome = "declined" if item == ChecklistItem.SHARING else "explained"
        services.record_checklist_item(
            visit=visit, item=item, outcome=outcome, by=visit.staff_member
        )
    services.complete_visit(visit=visit, by=visit.staff_member)

    def steps() -> dict:
        figures = figures_for(user, user.patient)
        return {step["label"]: step for step in portal_steps(user.patient, figures)}

    shown = steps()["Browse the education library"]
    assert shown["done"] is False and "Shown at your visit on" in shown["hint"]
    assert steps()["Review who can see your record"]["done"] is False

    client.force_login(user)
    client.get("/portal/sharing/")
    client.get("/portal/education/")
    client.get("/portal/education/")  # once is enough; again changes nothing
    done = steps()
    assert done["Review who can see your record"]["done"] is True
    assert done["Browse the education library"]["done"] is True
    assert "You did this on" in done["Browse the education library"]["hint"]
    assert done["Look at your access log and choose your notifications"]["done"] is False
    assert user.patient.portal_steps.count() == 2


# --- Saving without a page reload (the checklist script) ----------------------------------------

FRAGMENT = {"HTTP_X_REQUESTED_WITH": "rapport-checklist"}


def test_the_script_gets_the_changed_row_and_what_is_still_missing(
    desk, front_desk, django_assert_max_num_queries
):
    visit = identity_verified(OnboardingVisitFactory())
    with django_assert_max_num_queries(25):
        response = desk.post(
            checklist_url(visit), {"item": "sharing", "outcome": "explained"}, **FRAGMENT
        )
    assert response.status_code == 200
    answer = response.json()
    assert answer["item"] == "sharing"
    assert 'id="checklist-sharing"' in answer["row"]
    assert "Shown and explained</span>, Sam Okafor" in answer["row"]
    assert "csrfmiddlewaretoken" in answer["row"]  # the row's buttons keep working
    assert "saved" in answer["status"]
    assert "Sharing" not in answer["missing"] or "Still to record" in answer["missing"]
    assert OnboardingChecklistEntry.objects.filter(visit=visit, item="sharing").exists()


def test_the_last_tick_tells_the_script_everything_is_recorded(desk):
    visit = identity_verified(OnboardingVisitFactory())
    items = list(ChecklistItem)
    for item in items[:-1]:
        services.record_checklist_item(
            visit=visit, item=item, outcome=ChecklistOutcome.EXPLAINED, by=visit.staff_member
        )
    answer = desk.post(
        checklist_url(visit), {"item": items[-1].value, "outcome": "declined"}, **FRAGMENT
    ).json()
    assert "Everything is recorded." in answer["missing"]


@pytest.mark.parametrize(
    "data", [{"item": "nope", "outcome": "explained"}, {"item": "sharing", "outcome": "<b>"}]
)
def test_the_script_gets_a_plain_error_and_nothing_changes(desk, data):
    visit = checked_in(OnboardingVisitFactory())
    response = desk.post(checklist_url(visit), data, **FRAGMENT)
    assert response.status_code == 400
    assert response.json()["error"] == (
        "That checklist change was not understood; nothing was changed."
    )
    assert not OnboardingChecklistEntry.objects.filter(visit=visit).exists()


def test_the_script_cannot_tick_a_visit_that_is_not_checked_in(desk):
    visit = OnboardingVisitFactory()
    response = desk.post(
        checklist_url(visit), {"item": "sharing", "outcome": "explained"}, **FRAGMENT
    )
    assert response.status_code == 400
    assert "only while the patient is checked in" in response.json()["error"]


def test_the_visit_page_loads_the_checklist_script_from_static(desk):
    visit = checked_in(OnboardingVisitFactory())
    page = desk.get(f"/staff/onboarding/visits/{visit.pk}/").content.decode()
    assert '<script src="/static/js/checklist.js"></script>' in page
    assert 'id="checklist-status" role="status"' in page
