"""What is written to a patient outside their browser comes in their language: emails (also
when a worker sends them, whatever language it runs in), the printed handout; and the library
lists articles in the reader's language first."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation

from clinic.models import Role
from notifications.models import Notification, NotificationKind
from notifications.tasks import deliver_notification
from patients import services
from tests.factories import PatientFactory, PatientUserFactory, StaffFactory
from tests.factories.education import ArticleFactory
from tests.factories.onboarding import OnboardingVisitFactory, identity_verified, slot

from .catalogue import english_left

MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def all_parts(message) -> str:
    return "\n".join([message.subject, message.body, *(html for html, _ in message.alternatives)])


def invitation_for(patient, front_desk, site):
    visit = services.schedule_visit(
        patient=patient,
        site=site,
        starts_at=slot(days_ahead=3, index=4),
        staff_member=front_desk,
        scheduled_by=front_desk,
    )
    email = Notification.objects.get(
        kind=NotificationKind.ONBOARDING_INVITATION, subject_id=visit.pk
    )
    mail.outbox.clear()
    # The worker runs in the clinic's default language: the patient's must win.
    with translation.override("en-gb"):
        assert deliver_notification(email.pk) == "sent"
    return mail.outbox[-1]


def test_the_invitation_to_a_spanish_speaking_patient_is_in_spanish(db, front_desk, site):
    patient = PatientFactory(
        legal_name="Lucía Fernández", preferred_language="es", email="lucia@example.org"
    )
    message = invitation_for(patient, front_desk, site)
    assert message.to == ["lucia@example.org"]
    assert message.subject.startswith(f"[Rapport Clinic] Su primera visita en {site.name} el ")
    assert "Estimado/a Lucía Fernández:" in message.body
    assert "Qué debe traer" in message.body.replace("QUÉ DEBE TRAER", "Qué debe traer")
    assert "Por qué le pedimos que venga en persona" in message.alternatives[0][0]
    assert '<html lang="es">' in message.alternatives[0][0]
    assert any(month in message.body for month in MONTHS_ES)
    assert english_left(all_parts(message)) == []


def test_a_patient_whose_language_we_do_not_ship_gets_english(db, front_desk, site):
    patient = PatientFactory(legal_name="Jan Kowalski", preferred_language="pl")
    message = invitation_for(patient, front_desk, site)
    assert "Dear Jan Kowalski," in message.body
    assert "Your first visit at" in message.subject
    assert '<html lang="en-gb">' in message.alternatives[0][0]


def test_the_password_reset_email_follows_the_patient_not_the_page(client, site):
    PatientUserFactory(
        email="lucia@example.org", patient__preferred_language="es", patient__site=site
    )
    response = client.post("/accounts/password/reset/", {"email": "lucia@example.org"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["lucia@example.org"]
    assert "Restablezca su contraseña" in message.subject
    assert "Alguien ha pedido restablecer la contraseña" in message.body
    assert english_left(message.subject + "\n" + message.body) == []


def test_an_email_about_no_account_follows_the_page_it_was_asked_from(client, db):
    client.post(
        "/accounts/password/reset/",
        {"email": "nadie@example.org"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    message = mail.outbox[-1]
    assert message.to == ["nadie@example.org"]
    assert "no hay ninguna cuenta con esta dirección" in message.subject
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert "no account with this address" in mail.outbox[-1].subject


def test_staff_emails_stay_english(client, site):
    staff = StaffFactory(role=Role.PHYSICIAN, email="chen@clinic.example", site=site)
    client.post("/accounts/password/reset/", {"email": staff.email}, HTTP_ACCEPT_LANGUAGE="es")
    assert "Reset your password" in mail.outbox[-1].subject


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


def issue_handout(desk, patient) -> str:
    visit = identity_verified(OnboardingVisitFactory(patient=patient))
    response = desk.post(f"/staff/onboarding/visits/{visit.pk}/code/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_handout_is_in_the_patients_language_and_the_desk_reads_english(desk, db):
    page = issue_handout(
        desk, PatientFactory(legal_name="Lucía Fernández", preferred_language="es")
    )
    handout = page[page.index('<article class="handout"') : page.index("</article>")]
    assert 'lang="es"' in handout
    assert "Su código de activación del portal" in handout
    assert "Cómo protegemos sus datos" in handout
    assert "Cómo comprobar usted mismo su registro de accesos" in handout
    assert any(month in handout for month in MONTHS_ES)
    assert english_left(handout) == []
    # Around it, the front desk's screen stays English.
    assert '<html lang="en-gb">' in page
    assert "Print this page now and hand it to" in page
    assert re.search(r'class="activation-code"[^>]*>[A-Z0-9-]+<', handout)


def test_the_handout_of_an_english_speaking_patient_is_english(desk, db):
    page = issue_handout(desk, PatientFactory(preferred_language="en"))
    assert "Your portal activation code" in page and 'lang="en-gb"' in page


@pytest.fixture
def articles(db):
    english = ArticleFactory(title="Sleeping well", language="en", status="published")
    spanish = ArticleFactory(title="Dormir bien", language="es", status="published")
    return english, spanish


def titles(page: str) -> list[str]:
    return [title for title in ("Sleeping well", "Dormir bien") if title in page]


def order_of(page: str) -> list[str]:
    return sorted(titles(page), key=page.index)


def test_the_library_lists_the_readers_language_first(client, articles):
    assert order_of(client.get("/education/", HTTP_ACCEPT_LANGUAGE="es").content.decode()) == [
        "Dormir bien",
        "Sleeping well",
    ]
    assert order_of(client.get("/education/").content.decode()) == ["Sleeping well", "Dormir bien"]


def test_a_spanish_speaking_patient_sees_spanish_articles_first_and_can_still_filter(
    client, articles, site
):
    client.force_login(PatientUserFactory(patient__preferred_language="es", patient__site=site))
    page = client.get("/education/").content.decode()
    assert order_of(page) == ["Dormir bien", "Sleeping well"]
    only_english = client.get("/education/?language=en").content.decode()
    assert titles(only_english) == ["Sleeping well"]
    searched = client.get("/education/?q=dormir").content.decode()
    assert titles(searched) == ["Dormir bien"]
