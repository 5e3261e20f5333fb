"""What a patient or a proxy reads on the proxies' pages after an action (the flash message), the
invitation form's errors and the switch page are in the reader's language: a Spanish speaker
reads Spanish, an English speaker English. Names typed by people stay escaped inside the
translated sentences."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from proxies import services
from proxies.models import ProxyAccess, ProxyArea, ProxyStatus
from tests.proxies import manage_support
from tests.proxies.manage_support import invite, link_attorney, link_carer, years_ago

carer_user, carer = manage_support.carer_user, manage_support.carer

HOSTILE_NAME = '<b>Ana</b><script>alert("x")</script>'


def speaks_spanish(patient) -> None:
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])


def invite_data(**overrides) -> dict:
    return {
        "name": "Ana Santos",
        "email": "ana@example.org",
        "relationship": "family",
        "areas": ["record", "education"],
        "ends_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        "notify_patient": "on",
        **overrides,
    }


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- the patient's actions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "es",
            "Invitación guardada. Entrará en vigor cuando Ana Santos venga a la clínica con un "
            "documento con foto y recepción la confirme.",
        ),
        (
            "en",
            "Invitation saved. It takes effect once Ana Santos comes to the clinic with photo ID "
            "and the front desk confirms it.",
        ),
    ],
)
def test_inviting_says_so_in_the_patients_language(
    client, patient_user, patient, language, expected
):
    if language == "es":
        speaks_spanish(patient)
    client.force_login(patient_user)

    page = page_of(client.post(reverse("portal:proxy_invite"), invite_data(), follow=True))

    assert expected in page
    assert ProxyAccess.objects.get().status == ProxyStatus.PENDING
    if language == "es":
        assert "Invitation saved" not in page


def test_cancelling_an_invitation_in_spanish(client, patient_user, patient):
    speaks_spanish(patient)
    access = invite(patient)
    client.force_login(patient_user)

    page = page_of(client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True))

    assert "Ha cancelado su invitación a Ana Santos." in page
    again = page_of(client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True))
    assert "Este acceso ya terminó." in again
    assert "already ended" not in again


def test_ending_a_carers_access_in_spanish_and_in_english(
    client, patient_user, patient, carer, front_desk, other_patient_user, site
):
    speaks_spanish(patient)
    access = link_carer(patient, carer, front_desk)
    client.force_login(patient_user)

    page = page_of(client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True))

    assert (
        "Ana Santos ya no puede actuar en su nombre a partir de su próximo clic. "
        "Se lo hemos comunicado."
    ) in page
    assert "can no longer act for you" not in page

    # Tom reads English: the same action, the English sentence.
    other = other_patient_user.patient
    toms = link_carer(other, carer, front_desk)
    client.force_login(other_patient_user)
    page = page_of(client.post(reverse("portal:proxy_end", args=[toms.pk]), follow=True))
    assert "Ana Santos can no longer act for you, from their next click on." in page


def test_a_refusal_from_the_service_is_in_spanish(client, patient_user, patient, carer, front_desk):
    """An attorney is not ended by the patient in the portal: the service refuses, and says so in
    the patient's language."""
    speaks_spanish(patient)
    access = link_attorney(patient, carer, front_desk)
    client.force_login(patient_user)

    page = page_of(client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True))

    assert "No puede terminar este acceso." in page
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


# --- the proxy's actions ------------------------------------------------------------------------


def test_a_spanish_carer_switches_and_stops_in_spanish(
    client, carer_user, carer, patient, front_desk
):
    speaks_spanish(carer)
    access = link_carer(patient, carer, front_desk)
    client.force_login(carer_user)

    switch_page = page_of(client.get(reverse("portal:acting_for")))
    assert "¿Qué historial quiere ver?" in switch_page
    assert "Mi propio historial" in switch_page
    assert "Maria Santos (usted es su persona cuidadora)" in switch_page
    assert "Actúa en su nombre como su persona cuidadora" in switch_page
    assert "(you are their" not in switch_page and "as their carer" not in switch_page

    page = page_of(
        client.post(reverse("portal:acting_for"), {"person": str(patient.pk)}, follow=True)
    )
    assert "Ahora está viendo el historial de Maria Santos, como su persona cuidadora." in page
    assert "Está viendo el historial de <strong>Maria Santos</strong>, como su persona" in page
    assert "Historial de salud" in page  # the links on the acting home
    assert "Health record" not in page

    page = page_of(client.post(reverse("portal:acting_for"), {"person": "own"}, follow=True))
    assert "Está viendo su propio historial." in page

    page = page_of(client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True))
    assert "Ya no actúa en nombre de Maria Santos. Se lo hemos comunicado." in page
    again = page_of(client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True))
    assert "Ya no actúa en nombre de esta persona." in again


def test_stopping_for_someone_without_an_account_says_they_are_emailed(
    client, carer_user, carer, front_desk, site
):
    speaks_spanish(carer)
    from tests.factories import PatientFactory

    no_account = PatientFactory(site=site, legal_name="Rosa Díaz", date_of_birth=years_ago(80))
    access = link_carer(no_account, carer, front_desk)
    client.force_login(carer_user)

    page = page_of(client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True))

    assert "Ya no actúa en nombre de Rosa Díaz. Se lo comunicaremos por correo electrónico." in page


def test_an_english_carer_still_reads_english(client, carer_user, carer, patient, front_desk):
    speaks_spanish(patient)  # the patient's language is not the carer's
    access = link_carer(patient, carer, front_desk)
    client.force_login(carer_user)

    page = page_of(
        client.post(reverse("portal:acting_for"), {"person": str(patient.pk)}, follow=True)
    )
    assert "You are now looking at Maria Santos&#x27;s record, as their carer." in page

    page = page_of(client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True))
    assert "You no longer act for Maria Santos. They have been told." in page


def test_an_ended_access_and_an_area_not_shared_are_explained_in_spanish(
    client, carer_user, carer, patient, patient_user, front_desk
):
    speaks_spanish(carer)
    access = link_carer(patient, carer, front_desk, areas=[ProxyArea.RECORD])
    client.force_login(carer_user)
    client.post(reverse("portal:acting_for"), {"person": str(patient.pk)})

    refused = client.get(reverse("portal:access_log"))
    assert refused.status_code == 403
    text = refused.content.decode()
    assert (
        "Actúa en nombre de Maria Santos, pero no en cuanto a quién ha consultado su historial."
    ) in " ".join(text.split())
    assert "Su historial de salud" in text or "su historial de salud" in text
    assert "who looked at their record" not in text

    services.end_proxy_access(access=access, ended_by=patient_user)
    page = page_of(client.get(reverse("portal:records"), follow=True))
    assert (
        "Ya no puede actuar en nombre de Maria Santos: su acceso al historial de esta persona "
        "ha terminado. Ha vuelto a su propio historial."
    ) in page


# --- form errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "spanish", "english"),
    [
        (
            {"ends_on": "2001-01-01"},
            "El último día no puede ser una fecha pasada.",
            "The last day cannot be in the past.",
        ),
        (
            {"ends_on": (timezone.localdate() + dt.timedelta(days=366 * 11)).isoformat()},
            "Elija una fecha dentro de 10 años.",
            "Choose a date within 10 years.",
        ),
        (
            {"ends_on": ""},
            "Elija el último día en que esta persona puede actuar en su nombre.",
            "Choose the last day this person may act for you.",
        ),
        (
            {"areas": []},
            "Elija al menos una cosa que esta persona pueda hacer.",
            "Choose at least one thing this person may do.",
        ),
        (
            {"relationship": "attorney"},
            "Elija persona cuidadora, padre o madre, o familiar.",
            "Choose carer, parent or family member.",
        ),
        (
            {"name": ""},
            "Escriba el nombre de la persona a la que invita.",
            "Enter the name of the person you invite.",
        ),
        (
            {"email": "maria@example.org"},
            "Esta es su propia dirección de correo: escriba la de la otra persona.",
            "This is your own email address: enter theirs.",
        ),
    ],
)
@pytest.mark.parametrize("language", ["es", "en"])
def test_invitation_errors_are_in_the_patients_language(
    client, patient_user, patient, overrides, spanish, english, language
):
    if language == "es":
        speaks_spanish(patient)
    client.force_login(patient_user)

    page = page_of(client.post(reverse("portal:proxy_invite"), invite_data(**overrides)))

    if language == "es":
        assert spanish in page and english not in page
        assert "Corrija lo siguiente, por favor" in page
    else:
        assert english in page
    assert not ProxyAccess.objects.exists()


def test_the_invitation_form_is_spanish(client, patient_user, patient):
    speaks_spanish(patient)
    client.force_login(patient_user)

    page = page_of(client.get(reverse("portal:proxy_invite")))

    for words in (
        "Su nombre completo",
        "Esta persona es su",
        "persona cuidadora",
        "Leer mi historial de salud",
        "Deje todo sin marcar para su historial completo.",
        "Último día de acceso",
        "Avisarme cada vez que esta persona lea mi historial",
    ):
        assert words in page, words
    assert "Their full name" not in page and "Read my health record" not in page


def test_service_refusals_on_the_form_are_spanish(client, patient_user, patient):
    speaks_spanish(patient)
    client.force_login(patient_user)
    client.post(reverse("portal:proxy_invite"), invite_data())

    again = page_of(client.post(reverse("portal:proxy_invite"), invite_data()))
    assert "Ya ha invitado a esta persona; la invitación está pendiente." in again

    for n in range(4):
        invite(patient, email=f"p{n}@example.org")
    full = page_of(
        client.post(reverse("portal:proxy_invite"), invite_data(email="six@example.org"))
    )
    assert "Tiene 5 invitaciones pendientes. Cancele una antes de invitar a otra persona." in full
    assert ProxyAccess.objects.count() == 5


def test_a_young_spanish_patient_is_told_to_ask_at_the_front_desk(client, site):
    from tests.factories import PatientUserFactory

    teen = PatientUserFactory(patient__site=site, patient__date_of_birth=years_ago(14))
    speaks_spanish(teen.patient)
    client.force_login(teen)

    page = page_of(client.post(reverse("portal:proxy_invite"), invite_data()))

    assert "Pregunte en recepción: para pacientes jóvenes" in page
    assert not ProxyAccess.objects.exists()


def test_choosing_nobody_on_the_switch_page_is_a_spanish_error(
    client, carer_user, carer, patient, front_desk
):
    speaks_spanish(carer)
    link_carer(patient, carer, front_desk)
    client.force_login(carer_user)

    for data in ({}, {"person": "999999"}, {"person": "<script>"}):
        page = page_of(client.post(reverse("portal:acting_for"), data))
        assert "Elija su propio historial o una de las personas de la lista." in page
        assert "<script>" not in page


# --- hostile names inside translated sentences --------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_hostile_invited_name_is_escaped_in_the_message(client, patient_user, patient, language):
    if language == "es":
        speaks_spanish(patient)
    access = invite(patient, name=HOSTILE_NAME)
    client.force_login(patient_user)

    page = page_of(client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True))

    assert '<script>alert("x")' not in page and "<b>Ana</b>" not in page
    escaped = "&lt;b&gt;Ana&lt;/b&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    if language == "es":
        assert f"Ha cancelado su invitación a {escaped}." in page
    else:
        assert f"You cancelled the invitation of {escaped}." in page


def test_a_hostile_patient_name_is_escaped_when_a_carer_switches(
    client, carer_user, carer, patient, front_desk
):
    speaks_spanish(carer)
    patient.legal_name = HOSTILE_NAME
    patient.preferred_name = ""
    patient.save(update_fields=["legal_name", "preferred_name"])
    access = link_carer(patient, carer, front_desk)
    client.force_login(carer_user)

    page = page_of(
        client.post(reverse("portal:acting_for"), {"person": str(patient.pk)}, follow=True)
    )
    assert '<script>alert("x")' not in page and "<b>Ana</b>" not in page
    assert "Ahora está viendo el historial de &lt;b&gt;Ana&lt;/b&gt;&lt;script&gt;" in page

    page = page_of(client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True))
    assert '<script>alert("x")' not in page
    assert "Ya no actúa en nombre de &lt;b&gt;Ana&lt;/b&gt;&lt;script&gt;" in page


# --- emails to people without a portal account ------------------------------------------------


def test_emails_to_people_without_an_account_are_in_their_language(
    front_desk, site, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.factories import PatientFactory
    from tests.i18n.test_in_the_patients_language import MONTHS_ES

    rosa = PatientFactory(
        site=site,
        legal_name="Rosa Díaz",
        email="rosa@example.org",
        date_of_birth=years_ago(80),
        preferred_language="es",
    )
    emma = PatientFactory(
        site=site,
        legal_name="Emma Whitfield",
        email="emma@example.org",
        date_of_birth=years_ago(35),
    )
    with django_capture_on_commit_callbacks(execute=True):
        access = link_carer(rosa, emma, front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        services.end_proxy_access(access=access, ended_by=front_desk, reason="Asked to stop")

    to_rosa = [m for m in mail.outbox if m.to == ["rosa@example.org"]]
    started = next(m for m in to_rosa if "ya puede actuar en su nombre" in m.subject)
    assert "Emma Whitfield ya puede actuar en su nombre" in started.subject
    last_day = access.last_day
    assert (
        "Comprobamos las identidades en persona y registramos que Emma Whitfield, como su "
        f"persona cuidadora, puede usar el portal por usted hasta el {last_day.day} de "
        f"{MONTHS_ES[last_day.month - 1]} de {last_day.year}."
    ) in started.body
    assert "¿No es lo que usted acordó? Llámenos" in started.body
    assert "We checked identities" not in started.body
    ended = next(m for m in to_rosa if "ya no actúa" in m.subject)
    assert "Emma Whitfield ya no puede actuar en su nombre." in ended.body

    # Emma, the carer, reads English.
    to_emma = [m.subject for m in mail.outbox if m.to == ["emma@example.org"]]
    assert any("You can now act for Rosa Díaz" in s for s in to_emma)
    assert any("You no longer act for Rosa Díaz" in s for s in to_emma)


def test_ended_and_declined_accesses_on_the_sharing_page_are_whole_spanish_phrases(
    client, patient_user, patient, carer, front_desk
):
    from tests.i18n.test_in_the_patients_language import MONTHS_ES

    speaks_spanish(patient)
    declined = invite(patient, name="Pat Jones", email="pat@example.org")
    services.decline_invitation(access=declined, declined_by=front_desk, reason="Did not come")
    ended = link_carer(patient, carer, front_desk)
    services.end_proxy_access(access=ended, ended_by=patient_user)
    client.force_login(patient_user)

    page = page_of(client.get(reverse("portal:sharing")))

    today = timezone.localdate()
    day = f"{today.day} de {MONTHS_ES[today.month - 1]} de {today.year}"
    assert f"Pat Jones: rechazada el {day}" in page
    assert f"Ana Santos: finalizado el {day}" in page
    assert "declined" not in page and ": ended" not in page
    last_day = invite(patient, name="Lee Park", email="lee@example.org").last_day
    page = page_of(client.get(reverse("portal:sharing")))
    assert f"hasta el {last_day.day} de {MONTHS_ES[last_day.month - 1]} de {last_day.year}" in page
