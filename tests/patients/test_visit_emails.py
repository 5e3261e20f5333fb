"""Invitation, reschedule and cancellation emails: what they say and what they never say."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.utils import timezone

from clinic.models import Role
from notifications.models import Notification, NotificationKind
from notifications.tasks import deliver_notification
from patients import services
from patients.emails import build_visit_email
from patients.outbox import ONBOARDING_KINDS
from tests.factories import PatientFactory, SiteFactory, StaffFactory
from tests.factories.onboarding import slot


@pytest.fixture
def booked(db, front_desk):
    cardiologist = StaffFactory(
        role=Role.PHYSICIAN, display_name="Dr Heart Specialist", email="heart@clinic.example"
    )
    cardiologist.staff_profile.specialty = "Cardiology"
    cardiologist.staff_profile.save()
    site = SiteFactory(
        name="Hillview & Co Clinic",
        address="4 Hill Road, Millbrook MB3 9CD",
        directions="Ground floor, opposite the pharmacy.",
        phone="+1 555 0200",
    )
    patient = PatientFactory(
        legal_name="Siobhan O'Neil",
        preferred_name="",
        date_of_birth=date(1961, 2, 28),
        primary_physician=cardiologist,
        email="siobhan@example.org",
    )
    visit = services.schedule_visit(
        patient=patient,
        site=site,
        starts_at=slot(days_ahead=3, index=4),
        staff_member=front_desk,
        scheduled_by=front_desk,
    )
    return visit


def all_parts(message) -> list[str]:
    return [message.subject, message.body, *(content for content, _ in message.alternatives)]


@pytest.mark.parametrize("kind", ONBOARDING_KINDS)
def test_visit_emails_carry_no_health_data_mrn_or_date_of_birth(booked, kind):
    patient = booked.patient
    message = build_visit_email(booked, kind)
    forbidden = [
        patient.mrn,
        "1961",
        "28/02",
        "28 Feb",
        "February",
        "Dr Heart Specialist",
        "Cardiology",
        "diagnos",
        "record entry",
    ]
    for part in all_parts(message):
        for word in forbidden:
            assert word not in part, f"{word!r} found in a {kind} email"


def test_the_invitation_says_when_where_what_to_bring_and_why(booked, front_desk):
    message = build_visit_email(booked, NotificationKind.ONBOARDING_INVITATION)
    local = timezone.localtime(booked.starts_at)
    html = message.alternatives[0][0]
    assert message.to == ["siobhan@example.org"]
    assert message.alternatives[0][1] == "text/html"
    for part in (message.body, html):
        assert local.strftime("%H:%M") in part
        assert local.strftime("%B") in part and str(local.day) in part
        assert "4 Hill Road, Millbrook MB3 9CD" in part
        assert "opposite the pharmacy" in part
        assert "photo ID" in part and "passport" in part
        assert "What will happen".upper() in part.upper()
        assert "activation code" in part
        assert "in person".upper() in part.upper()
        assert "nobody else can open an account in your name" in part
        assert "Sam Okafor" in part
    # Plain text is not HTML-escaped; HTML is.
    assert "Dear Siobhan O'Neil," in message.body
    assert "Hillview & Co Clinic" in message.body
    assert "Hillview &amp; Co Clinic" in html
    assert "\n" not in message.subject


def test_the_cancellation_email_says_which_visit_and_how_to_rebook(booked, front_desk):
    services.cancel_visit(visit=booked, reason="Asked by phone", by=front_desk)
    message = build_visit_email(booked, NotificationKind.ONBOARDING_CANCELLED)
    assert "cancelled" in message.subject
    assert "Hillview & Co Clinic" in message.body
    assert "+1 555 0200" in message.body
    assert "photo ID" in message.body
    assert "Asked by phone" not in message.body


def test_the_email_task_takes_only_an_id(booked, django_capture_on_commit_callbacks):
    email = Notification.objects.get(
        kind=NotificationKind.ONBOARDING_INVITATION, subject_id=booked.pk
    )
    assert deliver_notification(email.pk) == "sent"
    assert len(mail.outbox) == 1
