"""Booking, moving, cancelling and missing the first visit; the day view; the emails."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.models import Role
from notifications import tasks
from notifications.models import Notification, NotificationKind
from notifications.tasks import deliver_notification, sweep_undelivered_notifications
from patients import services
from patients.models import ActivationCode, OnboardingVisit, VisitStatus
from tests.factories import PatientFactory, SiteFactory, StaffFactory
from tests.factories.onboarding import (
    OnboardingVisitFactory,
    identity_verified,
    issue_code,
    slot,
)

INVITATION = NotificationKind.ONBOARDING_INVITATION


def onboarding_emails(visit):
    return Notification.objects.filter(subject_id=visit.pk, kind__startswith="onboarding_")


def queue(visit, kind=INVITATION, *, created_at=None) -> Notification:
    """An onboarding email in the outbox, as `patients.services` writes it."""
    created_at = created_at or timezone.now()
    return Notification.objects.create(
        kind=kind, subject_id=visit.pk, created_at=created_at, email_due_at=created_at
    )


def slot_data(site, staff, when) -> dict:
    local = timezone.localtime(when)
    return {
        "site": site.pk,
        "date": local.date().isoformat(),
        "time": f"{local.hour:02d}:{local.minute:02d}",
        "staff_member": staff.pk,
    }


@pytest.fixture
def patient_to_book(site):
    return PatientFactory(legal_name="Thomas Whitfield", preferred_name="Tom", site=site)


def test_booking_a_visit_emails_the_invitation(
    desk, site, front_desk, patient_to_book, django_capture_on_commit_callbacks
):
    when = slot(days_ahead=2, index=3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = desk.post(
            f"/staff/onboarding/patients/{patient_to_book.pk}/schedule/",
            slot_data(site, front_desk, when),
        )
    visit = OnboardingVisit.objects.get(patient=patient_to_book)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/onboarding/visits/{visit.pk}/"
    assert (visit.starts_at, visit.site, visit.staff_member) == (when, site, front_desk)
    assert visit.status == VisitStatus.SCHEDULED and visit.scheduled_by == front_desk
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [patient_to_book.email]
    assert "Your first visit" in mail.outbox[0].subject
    assert onboarding_emails(visit).get().email_sent_at is not None


def test_a_staff_member_cannot_be_double_booked(desk, site, front_desk, patient_to_book):
    when = slot(days_ahead=2)
    OnboardingVisitFactory(staff_member=front_desk, starts_at=when)
    response = desk.post(
        f"/staff/onboarding/patients/{patient_to_book.pk}/schedule/",
        slot_data(site, front_desk, when),
    )
    assert response.status_code == 200
    assert "already has a visit at that time" in response.content.decode()
    assert not OnboardingVisit.objects.filter(patient=patient_to_book).exists()


def test_the_database_refuses_a_double_booking_that_skips_validation(db, front_desk):
    when = slot(days_ahead=2)
    OnboardingVisitFactory(staff_member=front_desk, starts_at=when)
    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingVisitFactory(staff_member=front_desk, starts_at=when)


def test_a_cancelled_visit_frees_its_slot(db, site, front_desk, patient_to_book):
    when = slot(days_ahead=2)
    old = OnboardingVisitFactory(staff_member=front_desk, starts_at=when)
    services.cancel_visit(visit=old, reason="Patient moved away", by=front_desk)
    visit = services.schedule_visit(
        patient=patient_to_book,
        site=site,
        starts_at=when,
        staff_member=front_desk,
        scheduled_by=front_desk,
    )
    assert visit.pk


def test_two_staff_members_can_see_patients_at_the_same_time(db, site, front_desk):
    other_desk = StaffFactory(role=Role.FRONT_DESK)
    when = slot(days_ahead=2)
    OnboardingVisitFactory(staff_member=front_desk, starts_at=when)
    visit = services.schedule_visit(
        patient=PatientFactory(),
        site=site,
        starts_at=when,
        staff_member=other_desk,
        scheduled_by=front_desk,
    )
    assert visit.pk


def test_a_slot_in_the_past_is_refused(desk, site, front_desk, patient_to_book):
    past_slots = [slot(days_ahead=-1)]
    first_slot_today = slot(days_ahead=0, index=0)
    if first_slot_today < timezone.now():
        past_slots.append(first_slot_today)
    for when in past_slots:
        response = desk.post(
            f"/staff/onboarding/patients/{patient_to_book.pk}/schedule/",
            slot_data(site, front_desk, when),
        )
        assert response.status_code == 200
        assert "passed" in response.content.decode()
    assert not OnboardingVisit.objects.exists()


def test_the_service_refuses_past_and_off_grid_times(db, site, front_desk, patient_to_book):
    for when in (slot(days_ahead=-3), slot(days_ahead=2) + timedelta(minutes=10)):
        with pytest.raises(ValidationError):
            services.schedule_visit(
                patient=patient_to_book,
                site=site,
                starts_at=when,
                staff_member=front_desk,
                scheduled_by=front_desk,
            )
    assert not OnboardingVisit.objects.exists()


def test_only_front_desk_staff_lead_the_tools_introduction(db, site, physician, patient_to_book):
    with pytest.raises(ValidationError):
        services.schedule_visit(
            patient=patient_to_book,
            site=site,
            starts_at=slot(),
            staff_member=physician,
            scheduled_by=physician,
        )


def test_a_double_submit_books_once_and_emails_once(
    desk, site, front_desk, patient_to_book, django_capture_on_commit_callbacks
):
    data = slot_data(site, front_desk, slot(days_ahead=3))
    url = f"/staff/onboarding/patients/{patient_to_book.pk}/schedule/"
    with django_capture_on_commit_callbacks(execute=True):
        first = desk.post(url, data)
        second = desk.post(url, data)
    assert first["Location"] == second["Location"]
    assert OnboardingVisit.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_patient_with_a_booked_visit_is_not_booked_twice(desk, site, front_desk):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    response = desk.post(
        f"/staff/onboarding/patients/{visit.patient.pk}/schedule/",
        slot_data(site, front_desk, slot(days_ahead=5)),
    )
    assert "already has an onboarding visit booked" in response.content.decode()
    assert OnboardingVisit.objects.count() == 1


def test_rescheduling_moves_the_visit_and_emails_the_patient(
    desk, site, front_desk, django_capture_on_commit_callbacks
):
    visit = OnboardingVisitFactory(staff_member=front_desk, site=site)
    new_time = slot(days_ahead=4, index=10)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            f"/staff/onboarding/visits/{visit.pk}/reschedule/",
            slot_data(site, front_desk, new_time),
        )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.starts_at == new_time
    assert len(mail.outbox) == 1
    assert "moved" in mail.outbox[0].subject
    assert timezone.localtime(new_time).strftime("%H:%M") in mail.outbox[0].body


def test_rescheduling_into_a_taken_slot_is_refused(desk, site, front_desk):
    taken = OnboardingVisitFactory(staff_member=front_desk)
    visit = OnboardingVisitFactory(staff_member=front_desk)
    before = visit.starts_at
    response = desk.post(
        f"/staff/onboarding/visits/{visit.pk}/reschedule/",
        slot_data(site, front_desk, taken.starts_at),
    )
    assert "already has a visit at that time" in response.content.decode()
    visit.refresh_from_db()
    assert visit.starts_at == before


def test_cancelling_needs_a_reason_emails_the_patient_and_voids_codes(
    desk, front_desk, django_capture_on_commit_callbacks
):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    url = f"/staff/onboarding/visits/{visit.pk}/cancel/"
    assert "This field is required" in desk.post(url, {"cancellation_reason": " "}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url, {"cancellation_reason": "Patient asked to cancel"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert visit.cancelled_by == front_desk and visit.cancellation_reason
    assert len(mail.outbox) == 1 and "cancelled" in mail.outbox[0].subject
    assert "Patient asked to cancel" not in mail.outbox[0].body  # the reason stays internal


def test_cancelling_a_checked_in_visit_voids_its_code(db, front_desk):
    visit = identity_verified(OnboardingVisitFactory(staff_member=front_desk))
    issue_code(visit)
    services.cancel_visit(visit=visit, reason="Patient had to leave", by=front_desk)
    assert ActivationCode.objects.get().voided_at is not None


def test_no_show_only_once_the_visit_has_started(desk, front_desk):
    future = OnboardingVisitFactory(staff_member=front_desk)
    desk.post(f"/staff/onboarding/visits/{future.pk}/no-show/")
    future.refresh_from_db()
    assert future.status == VisitStatus.SCHEDULED
    past = OnboardingVisitFactory(staff_member=front_desk, starts_at=slot(days_ahead=-1))
    response = desk.post(f"/staff/onboarding/visits/{past.pk}/no-show/")
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.status == VisitStatus.NO_SHOW and past.no_show_marked_by == front_desk


def test_the_day_view_lists_visits_per_site_in_time_order(desk, front_desk):
    riverside, hillview = SiteFactory(name="A Riverside"), SiteFactory(name="B Hillview")
    day = timezone.localdate() + timedelta(days=1)
    late = OnboardingVisitFactory(
        site=riverside, starts_at=slot(day, index=12), patient__legal_name="Late Patient"
    )
    early = OnboardingVisitFactory(
        site=riverside, starts_at=slot(day, index=1), patient__legal_name="Early Patient"
    )
    OnboardingVisitFactory(
        site=hillview, starts_at=slot(day, index=5), patient__legal_name="Hill Patient"
    )
    OnboardingVisitFactory(starts_at=slot(day + timedelta(days=1)), patient__legal_name="Other Day")
    services.cancel_visit(visit=late, reason="Unwell", by=front_desk)

    page = desk.get("/staff/onboarding/", {"date": day.isoformat()}).content.decode()
    riverside_at, hillview_at = page.index("A Riverside</h2>"), page.index("B Hillview</h2>")
    assert riverside_at < page.index("Early Patient") < page.index("Late Patient") < hillview_at
    assert hillview_at < page.index("Hill Patient")
    assert "Other Day" not in page
    assert "Cancelled" in page and "Scheduled" in page
    assert f"/staff/onboarding/visits/{early.pk}/" in page

    page = desk.get(
        "/staff/onboarding/", {"date": day.isoformat(), "site": hillview.pk}
    ).content.decode()
    assert "Hill Patient" in page and "Early Patient" not in page


def test_the_day_view_defaults_to_today(desk, front_desk):
    now = timezone.localtime()
    OnboardingVisitFactory(
        staff_member=front_desk,
        starts_at=now.replace(hour=8, minute=0, second=0, microsecond=0),
        patient__legal_name="Today Patient",
    )
    page = desk.get("/staff/onboarding/").content.decode()
    assert "Onboarding visits today" in page and "Today Patient" in page


def test_the_day_view_query_count_is_flat(desk, django_assert_max_num_queries):
    day = timezone.localdate() + timedelta(days=1)

    def add(n):
        for _ in range(n):
            OnboardingVisitFactory(
                starts_at=slot(day, index=len(OnboardingVisit.objects.all()) % 20)
            )

    add(2)
    with django_assert_max_num_queries(12) as small:
        desk.get("/staff/onboarding/", {"date": day.isoformat()})
    add(10)
    with django_assert_max_num_queries(12) as large:
        desk.get("/staff/onboarding/", {"date": day.isoformat()})
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_email_task_sends_once(db, front_desk):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    email = queue(visit)
    assert deliver_notification(email.pk) == "sent"
    assert deliver_notification(email.pk) == "done"
    assert len(mail.outbox) == 1


def test_an_invitation_for_a_visit_cancelled_since_is_not_sent(db, front_desk):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    email = queue(visit)
    services.cancel_visit(visit=visit, reason="Booked in error", by=front_desk)
    assert deliver_notification(email.pk) == "skipped"
    assert mail.outbox == []


def test_the_sweep_sends_what_was_never_published(db, front_desk):
    lost = queue(
        OnboardingVisitFactory(staff_member=front_desk),
        created_at=timezone.now() - timedelta(minutes=10),
    )
    fresh = queue(OnboardingVisitFactory(staff_member=front_desk))
    assert sweep_undelivered_notifications() == 1
    lost.refresh_from_db(), fresh.refresh_from_db()
    assert lost.email_sent_at is not None and fresh.email_sent_at is None
    assert len(mail.outbox) == 1


def test_the_sweep_publishes_a_stuck_email_at_most_every_five_minutes(db, front_desk, monkeypatch):
    """Onboarding emails follow the outbox's one set of retry rules."""
    published = []
    monkeypatch.setattr(tasks, "publish", lambda pk: published.append(pk) or True)
    stuck = queue(
        OnboardingVisitFactory(staff_member=front_desk),
        created_at=timezone.now() - timedelta(minutes=10),
    )
    assert sweep_undelivered_notifications() == 1
    assert sweep_undelivered_notifications() == 0  # the mail server is down: no flood
    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert sweep_undelivered_notifications() == 1
    assert published == [stuck.pk, stuck.pk]


def test_an_email_about_a_visit_that_could_not_go_out_for_two_days_is_dropped(db, front_desk):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    email = queue(visit, created_at=timezone.now() - timedelta(days=2, minutes=1))
    assert deliver_notification(email.pk) == "skipped"
    assert mail.outbox == []


def test_an_email_superseded_by_a_later_one_is_not_sent(db, front_desk):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    invitation = queue(visit)
    moved = queue(visit, NotificationKind.ONBOARDING_RESCHEDULED)
    assert deliver_notification(moved.pk) == "sent"
    assert deliver_notification(invitation.pk) == "skipped"
    assert len(mail.outbox) == 1
