"""The whole journey through the pages, and the promise behind it: no portal account without a
completed face-to-face visit."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from clinic.models import User
from patients import services
from patients.models import ActivationCode, ChecklistItem, OnboardingVisit, Patient, VisitStatus
from tests.factories import PatientFactory
from tests.factories.onboarding import (
    OnboardingVisitFactory,
    checked_in,
    identity_verified,
    issue_code,
)

PASSPHRASE = "walking the dog along the canal at dawn"


def test_the_whole_journey(client, site, front_desk, django_capture_on_commit_callbacks):
    desk = client
    desk.force_login(front_desk)

    # 1. Register.
    response = desk.post(
        "/staff/onboarding/patients/new/",
        {
            "legal_name": "Thomas Whitfield",
            "preferred_name": "Tom",
            "date_of_birth": "1957-11-02",
            "email": "tom@example.org",
            "phone": "+1 555 0199",
            "preferred_language": "en",
            "site": site.pk,
            "registration_token": str(uuid.uuid4()),
        },
    )
    patient = Patient.objects.get(email="tom@example.org")
    assert response["Location"] == f"/staff/onboarding/patients/{patient.pk}/"

    # 2. Schedule: the invitation goes out once the booking commits.
    tomorrow = timezone.localdate() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            f"/staff/onboarding/patients/{patient.pk}/schedule/",
            {
                "site": site.pk,
                "date": tomorrow.isoformat(),
                "time": "10:00",
                "staff_member": front_desk.pk,
            },
        )
    visit = OnboardingVisit.objects.get(patient=patient)
    assert response["Location"] == f"/staff/onboarding/visits/{visit.pk}/"
    assert len(mail.outbox) == 1 and "Your first visit" in mail.outbox[0].subject
    day = desk.get("/staff/onboarding/", {"date": tomorrow.isoformat()}).content.decode()
    assert "Tom (Thomas Whitfield)" in day and "10:00" in day and "Scheduled" in day

    # 3. Check in, 4. verify identity.
    desk.post(f"/staff/onboarding/visits/{visit.pk}/check-in/")
    desk.post(
        f"/staff/onboarding/visits/{visit.pk}/identity/",
        {"document_type": "passport", "matches": "on"},
    )

    # 5. Issue the code: the handout is the only place it is ever shown.
    handout = desk.post(
        f"/staff/onboarding/visits/{visit.pk}/code/", {"issue_token": str(uuid.uuid4())}
    ).content.decode()
    code = re.search(r'class="activation-code"[^>]*>([A-Z0-9-]+)<', handout).group(1)

    # 6. The tools introduction, 7. complete.
    for item in ChecklistItem:
        outcome = "declined" if item == ChecklistItem.FEEDBACK else "explained"
        desk.post(
            f"/staff/onboarding/visits/{visit.pk}/checklist/", {"item": item, "outcome": outcome}
        )
    response = desk.post(f"/staff/onboarding/visits/{visit.pk}/complete/", follow=True)
    assert "The visit is complete" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED

    # 8. At home, the patient activates...
    home = Client()
    response = home.post("/activate/", {"code": code.lower(), "date_of_birth": "1957-11-02"})
    assert response["Location"] == "/activate/account/"
    response = home.post(
        "/activate/account/",
        {"email": "tom@example.org", "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    assert response["Location"] == "/activate/done/"

    # ...confirms the email through allauth, signs in...
    link = re.search(
        re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/accounts/confirm-email/[^/\s]+/)",
        mail.outbox[-1].body,
    )
    home.post(link.group(1))
    response = home.post("/accounts/login/", {"login": "tom@example.org", "password": PASSPHRASE})
    assert response.status_code == 302

    # ...and lands on the portal with their first steps.
    response = home.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"
    page = response.content.decode()
    assert "Hello, Tom" in page
    assert "Your first steps" in page
    assert "Set up two-step verification" in page
    assert "Give feedback or raise a concern" in page
    assert "You chose to skip this at your visit" in page

    patient.refresh_from_db()
    assert patient.user.email == "tom@example.org"
    assert ActivationCode.objects.get().spent_at is not None
    assert (
        "Portal account active"
        in desk.get("/staff/onboarding/patients/", {"q": "whitfield"}).content.decode()
    )


# --- No account without a completed visit ---------------------------------------------------------


def try_every_code(client, plain: str, dob: date) -> None:
    client.post("/activate/", {"code": plain, "date_of_birth": dob.isoformat()})
    client.post(
        "/activate/account/",
        {"email": "someone@example.org", "password1": PASSPHRASE, "password2": PASSPHRASE},
    )


def assert_no_account(patient: Patient) -> None:
    patient.refresh_from_db()
    assert patient.user is None
    assert not User.objects.filter(email="someone@example.org").exists()


def test_a_registered_patient_cannot_sign_up_or_reset_their_way_in(client, db):
    patient = PatientFactory(email="someone@example.org")
    client.post(
        "/accounts/signup/",
        {"email": patient.email, "password1": PASSPHRASE, "password2": PASSPHRASE},
    )
    client.post("/accounts/password/reset/", {"email": patient.email})
    assert_no_account(patient)


def test_no_code_can_be_issued_before_the_identity_check(db, front_desk):
    for visit in (OnboardingVisitFactory(), checked_in(OnboardingVisitFactory())):
        with pytest.raises(services.ValidationError):
            services.issue_activation_code(visit=visit, issued_by=front_desk)
    assert not ActivationCode.objects.exists()


def test_no_code_for_a_missed_or_cancelled_visit(db, front_desk):
    from tests.factories.onboarding import slot

    missed = OnboardingVisitFactory(starts_at=slot(days_ahead=-1))
    services.mark_no_show(visit=missed, by=front_desk)
    cancelled = OnboardingVisitFactory()
    services.cancel_visit(visit=cancelled, reason="Moved away", by=front_desk)
    for visit in (missed, cancelled):
        with pytest.raises(services.ValidationError):
            services.issue_activation_code(visit=visit, issued_by=front_desk)


def test_a_code_from_an_unfinished_visit_gives_no_account(client, db):
    visit = identity_verified(OnboardingVisitFactory())
    plain = issue_code(visit)
    try_every_code(client, plain, visit.patient.date_of_birth)
    assert_no_account(visit.patient)


def test_a_code_from_a_visit_cancelled_midway_gives_no_account(client, db, front_desk):
    visit = identity_verified(OnboardingVisitFactory())
    plain = issue_code(visit)
    services.cancel_visit(visit=visit, reason="Patient had to leave", by=front_desk)
    try_every_code(client, plain, visit.patient.date_of_birth)
    assert_no_account(visit.patient)
