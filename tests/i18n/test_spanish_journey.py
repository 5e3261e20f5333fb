"""A Spanish-speaking patient's journey, entirely in Spanish: activating the account from the
handout, confirming the email, the home page, sharing the record, a physician's look, the access
log and the notification of it (in the portal and by email)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from consent.models import ConsentGrant, Purpose, Scope
from notifications.models import Notification, NotificationKind
from patients.models import RecordCategory
from tests.factories import RecordEntryFactory
from tests.factories.onboarding import ready_to_activate

from .catalogue import english_left, visible_text

DOB = date(1961, 4, 23)
PASSPHRASE = "sol de tarde en la plaza vieja"
SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


def spanish_page(response) -> str:
    """The page, which must be Spanish through and through."""
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert english_left(page) == []
    return page


@pytest.fixture
def lucia(db, site):
    visit, plain = ready_to_activate(
        legal_name="Lucía Fernández",
        date_of_birth=DOB,
        preferred_language="es",
        email="lucia@example.org",
        site=site,
    )
    RecordEntryFactory(
        patient=visit.patient, category=RecordCategory.LAB_RESULT, title="Análisis de sangre"
    )
    return visit.patient, plain


def test_a_spanish_speaking_patient_goes_from_handout_to_access_log_in_spanish(
    client, django_capture_on_commit_callbacks, physician, lucia
):
    patient, plain = lucia
    # Activation: the browser asks for Spanish (the handout was Spanish).
    page = spanish_page(client.get("/activate/", **SPANISH_BROWSER))
    assert "Active su cuenta del portal" in page
    response = client.post(
        "/activate/", {"code": plain, "date_of_birth": DOB.isoformat()}, **SPANISH_BROWSER
    )
    assert response["Location"] == "/activate/account/"
    page = spanish_page(client.get("/activate/account/", **SPANISH_BROWSER))
    assert "Le damos la bienvenida, Lucía Fernández" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/activate/account/",
            {"email": "lucia@example.org", "password1": PASSPHRASE, "password2": PASSPHRASE},
            **SPANISH_BROWSER,
        )
    assert response["Location"] == "/activate/done/"
    page = spanish_page(client.get("/activate/done/", **SPANISH_BROWSER))
    assert "Su cuenta está creada" in page

    # The confirmation email is Spanish, and so is everything up to the first sign-in.
    confirmation = mail.outbox[-1]
    assert confirmation.to == ["lucia@example.org"]
    assert "Confirme su dirección de correo" in confirmation.subject
    assert "Confirme que esta es su dirección de correo" in confirmation.body
    assert english_left(confirmation.subject + "\n" + confirmation.body) == []
    link = re.search(
        re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/accounts/confirm-email/[^/\s]+/)",
        confirmation.body,
    ).group(1)
    spanish_page(client.get(link, **SPANISH_BROWSER))
    client.post(link, **SPANISH_BROWSER)
    response = client.post(
        "/accounts/login/", {"login": "lucia@example.org", "password": PASSPHRASE}
    )
    assert response.status_code == 302

    patient.refresh_from_db()
    assert patient.user.email == "lucia@example.org"

    # Signed in, no browser preference needed: her recorded language is Spanish.
    page = spanish_page(client.get("/portal/"))
    assert "Hola, Lucía Fernández" in page
    assert "Quién puede ver su historial ahora" in page
    assert "Sus primeros pasos" in page

    # Sharing.
    spanish_page(client.get("/portal/sharing/"))
    page = spanish_page(client.get("/portal/sharing/new/"))
    assert "Compartir con" in page and "Qué compartir" in page
    response = client.post(
        "/portal/sharing/new/",
        {
            "grantee": f"user:{physician.pk}",
            "scope": Scope.RECORD,
            "category": "",
            "entry": "",
            "purpose": Purpose.TREATMENT,
            "purpose_other": "",
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": "",
        },
    )
    assert response.status_code == 302
    assert ConsentGrant.objects.filter(patient=patient, grantee_user=physician).exists()
    page = spanish_page(client.get("/portal/sharing/"))
    assert (
        "Hecho. Dr A. Rivera puede ver todo su historial con fines de tratamiento hasta que "
        "usted deje de compartirlo." in page
    )
    assert "Dejar de compartir" in page

    # A look at her record, told to her in Spanish, by email and in the portal.
    reader = client.__class__()
    reader.force_login(physician)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reader.get(f"/staff/patients/{patient.pk}/").status_code == 200
    notice = Notification.objects.get(recipient=patient.user, kind=NotificationKind.RECORD_ACCESS)
    assert notice.message.startswith("Dr A. Rivera consultó su historial el ")
    # "3 dic a las 14:05": Spanish dates, in the clinic's time zone.
    pattern = (
        r" el \d+ [a-z]{3} a las \d\d:\d\d\. Anotación \d+ del registro, huella [0-9a-f]{8}\.$"
    )
    assert re.search(pattern, notice.message), notice.message
    email = mail.outbox[-1]
    assert email.to == ["lucia@example.org"]
    assert "Alguien consultó su historial" in email.subject
    assert "Dr A. Rivera consultó su historial" in email.body
    html = email.alternatives[0][0]
    assert '<html lang="es">' in html
    assert english_left(email.subject + "\n" + email.body) == []
    assert english_left(html) == []

    page = spanish_page(client.get("/portal/access-log/"))
    assert "Quién ha consultado su historial" in page
    assert "Dr A. Rivera" in page and "No reconozco esta consulta" in page
    page = spanish_page(client.get("/portal/notifications/"))
    assert "Dr A. Rivera consultó su historial el " in visible_text(page)


def test_an_english_speaking_patient_keeps_english_throughout(
    client, django_capture_on_commit_callbacks, patient_user, physician, record
):
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert '<html lang="en-gb">' in page and "Who can see your record now" in page
    reader = client.__class__()
    reader.force_login(physician)
    ConsentGrant.objects.create(
        patient=patient_user.patient,
        grantee_user=physician,
        scope=Scope.RECORD,
        purpose=Purpose.TREATMENT,
        recorded_by=patient_user,
        starts_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        reader.get(f"/staff/patients/{patient_user.patient.pk}/")
    notice = Notification.objects.get(recipient=patient_user, kind=NotificationKind.RECORD_ACCESS)
    assert notice.message.startswith("Dr A. Rivera looked at your record on ")
