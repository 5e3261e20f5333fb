"""What the portal tells patients and the people acting for them about proxy access is written
in the language of whoever reads it (each their own: a Spanish-speaking patient's English-speaking
carer reads English), with dates in that language too; staff read English. The lists of people
acting for a patient ("may: read the health record") follow the page's language."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from clinic.forms import start_of_day
from notifications.models import Notification, NotificationKind
from proxies import services, tasks
from proxies.overview import describe
from tests.factories import PatientFactory, UserFactory, frozen_time
from tests.i18n.test_in_the_patients_language import MONTHS_ES
from tests.proxies import manage_support
from tests.proxies.manage_support import invite, link_attorney, link_carer, link_parent

carer_user, carer = manage_support.carer_user, manage_support.carer

ENGLISH_MONTHS = [dt.date(2026, month, 1).strftime("%B") for month in range(1, 13)]


def speaks_spanish(patient) -> None:
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])


def message_to(user, kind) -> str:
    return Notification.objects.get(recipient=user, kind=kind).message


def spanish_month_in(text: str) -> bool:
    return any(f" de {month}" in text for month in MONTHS_ES)


def test_linking_tells_a_spanish_patient_in_spanish_and_an_english_carer_in_english(
    patient, patient_user, carer, carer_user, front_desk
):
    speaks_spanish(patient)
    access = link_carer(patient, carer, front_desk)

    to_patient = message_to(patient_user, NotificationKind.PROXY_FOR_YOU_STARTED)
    assert to_patient.startswith("Sam Okafor registró en persona el ")
    assert "Ana Santos, como su persona cuidadora, puede actuar en su nombre" in to_patient
    assert to_patient.endswith("¿No es lo que usted acordó? Termínelo aquí.")
    last_day = access.last_day
    assert f"hasta el {last_day.day} de {MONTHS_ES[last_day.month - 1]} de {last_day.year}" in (
        to_patient
    )
    assert not any(month in to_patient for month in ENGLISH_MONTHS)

    to_carer = message_to(carer_user, NotificationKind.PROXY_ACTING_STARTED)
    assert to_carer == (
        f"You can now act for Maria Santos in the portal, as their carer, until "
        f"{last_day:%-d %B %Y}."
    )


def test_a_spanish_carer_reads_spanish_and_the_english_patient_english(
    patient, patient_user, carer, carer_user, front_desk
):
    speaks_spanish(carer)
    access = link_attorney(patient, carer, front_desk)

    to_carer = message_to(carer_user, NotificationKind.PROXY_ACTING_STARTED)
    assert to_carer.startswith("Ya puede actuar en nombre de Maria Santos en el portal, como su ")
    assert spanish_month_in(to_carer)
    to_patient = message_to(patient_user, NotificationKind.PROXY_FOR_YOU_STARTED)
    assert "Ana Santos, as your attorney, can act for you" in to_patient
    assert to_patient.endswith("See what they may do.")
    assert f"until {access.last_day:%-d %B %Y}" in to_patient


def test_ending_tells_each_in_their_own_language(
    patient, patient_user, carer, carer_user, front_desk
):
    speaks_spanish(patient)
    access = link_carer(patient, carer, front_desk)
    with frozen_time(timezone.make_aware(dt.datetime(2026, 12, 3, 14, 5))):
        services.end_proxy_access(access=access, ended_by=front_desk, reason="Moved away")
    to_patient = message_to(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert to_patient.startswith("Ana Santos ya no actúa en su nombre desde el 3 dic")
    assert to_patient.endswith("(terminado por recepción).")
    to_carer = message_to(carer_user, NotificationKind.PROXY_ACTING_ENDED)
    assert to_carer == (
        "You no longer act for Maria Santos from 3 Dec at 14:05 (ended by the front desk)."
    )


def test_a_carer_stopping_is_told_to_a_spanish_patient_in_spanish(
    patient, patient_user, carer, carer_user, front_desk
):
    speaks_spanish(patient)
    speaks_spanish(carer)
    access = link_carer(patient, carer, front_desk)
    services.end_proxy_access(access=access, ended_by=carer_user)
    to_patient = message_to(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert "Ana Santos ya no actúa en su nombre" in to_patient
    assert to_patient.endswith("(terminado a petición suya).")
    assert not Notification.objects.filter(
        recipient=carer_user, kind=NotificationKind.PROXY_ACTING_ENDED
    ).exists()  # the carer ended it: nobody tells them


def test_the_patient_ending_it_is_told_to_a_spanish_carer_in_spanish(
    patient, patient_user, carer, carer_user, front_desk
):
    speaks_spanish(carer)
    access = link_carer(patient, carer, front_desk)
    services.end_proxy_access(access=access, ended_by=patient_user)
    to_carer = message_to(carer_user, NotificationKind.PROXY_ACTING_ENDED)
    assert to_carer.startswith("Ya no actúa en nombre de Maria Santos desde el ")
    assert to_carer.endswith("(terminado por Maria Santos).")


def test_a_declined_invitation_is_told_in_spanish(patient, patient_user, front_desk):
    speaks_spanish(patient)
    access = invite(patient)
    services.decline_invitation(access=access, declined_by=front_desk, reason="No photo ID")
    message = message_to(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert message.startswith("Recepción no pudo confirmar su invitación a Ana Santos el ")
    assert message.endswith("El motivo está en su página de compartir.")


def test_age_notices_reach_the_parent_and_the_child_each_in_their_language(
    site, carer, carer_user, front_desk
):
    speaks_spanish(carer)
    birthday = timezone.localdate() + dt.timedelta(days=10)
    child = PatientFactory(
        site=site, legal_name="Lucy Santos", date_of_birth=birthday.replace(year=birthday.year - 12)
    )
    child.user = UserFactory(email="lucy@example.org")
    child.save()
    link_parent(child, carer, front_desk)
    with frozen_time(start_of_day(timezone.localdate()) + dt.timedelta(hours=10)):
        assert tasks.send_proxy_notices() == 1
    day_es = f"{birthday.day} de {MONTHS_ES[birthday.month - 1]} de {birthday.year}"
    to_parent = message_to(carer_user, NotificationKind.PROXY_AGE_NOTICE)
    assert to_parent.startswith(f"Lucy Santos cumple 12 años el {day_es}. Desde entonces ya no")
    to_child = message_to(child.user, NotificationKind.PROXY_AGE_NOTICE)
    assert to_child.startswith(f"You turn 12 on {birthday:%-d %B %Y}. From then on Ana Santos")


def test_a_review_notice_is_spanish_for_the_attorney_and_english_for_the_front_desk(
    patient, carer, carer_user, front_desk
):
    speaks_spanish(carer)
    review_on = timezone.localdate() + dt.timedelta(days=10)
    link_attorney(patient, carer, front_desk, review_on=review_on)
    with frozen_time(start_of_day(timezone.localdate()) + dt.timedelta(hours=10)):
        assert tasks.send_proxy_notices() == 1
    to_attorney = message_to(carer_user, NotificationKind.PROXY_REVIEW_DUE)
    assert to_attorney.startswith("La clínica debe revisar su poder notarial para Maria Santos")
    assert "póngase en contacto con recepción" in to_attorney
    assert spanish_month_in(to_attorney)
    to_desk = message_to(front_desk, NotificationKind.PROXY_REVIEW_DUE)
    assert to_desk.endswith(f"is due for review on {review_on:%-d %B %Y}.")


def test_what_a_proxy_may_do_reads_in_the_pages_language(patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk, record_categories=["lab_result"])
    with translation.override("es"):
        row = describe(access)
    assert row.may == [
        "leer resultados de laboratorio del historial de salud (no los registros marcados "
        "como sensibles)",
        "ver quién ha consultado el historial",
    ]
    with translation.override("en-gb"):
        row = describe(access)
    assert row.may == [
        "read lab results in the health record (not entries marked sensitive)",
        "see who looked at the record",
    ]
    pending = invite(patient, email="other@example.org")
    with translation.override("es"):
        assert describe(pending).note == (
            "Esperando a que venga a la clínica con un documento de identidad con foto."
        )


def test_a_spanish_patients_sharing_page_lists_their_carer_in_spanish(
    client, patient, patient_user, carer, front_desk
):
    speaks_spanish(patient)
    link_carer(patient, carer, front_desk)
    client.force_login(patient_user)
    page = client.get("/portal/sharing/").content.decode()
    assert "leer el historial de salud (no los registros marcados como sensibles)" in page
    assert "ver quién ha consultado el historial" in page
    assert "read the health record" not in page
