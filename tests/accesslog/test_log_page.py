"""The patient's access log page: who, what, when, why and on what basis; filters; CSV; report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.utils import timezone

from accesslog import checkpoints
from accesslog.keys import pseudonym
from accesslog.models import AccessChainVerification, AccessEvent
from consent.models import Scope
from feedback.models import Grievance
from patients.models import RecordCategory
from tests.factories import RecordEntryFactory, grant
from tests.support.access_log import log_reads, raw_sql


@pytest.fixture
def looked_at(client, patient, physician, other_physician):
    entry = RecordEntryFactory(
        category=RecordCategory.LAB_RESULT,
        patient=patient,
        author=physician,
        title="Secret title",
        body="Secret body",
    )
    grant(patient, physician, scope=Scope.RECORD)
    grant(patient, other_physician, scope=Scope.CATEGORY, category="lab_result")
    start = timezone.now() + dt.timedelta(minutes=1)
    for days, who, url in [
        (0, physician, f"/staff/patients/{patient.pk}/"),
        (1, other_physician, f"/staff/patients/{patient.pk}/entries/{entry.pk}/"),
        (2, physician, f"/staff/patients/{patient.pk}/entries/{entry.pk}/"),
    ]:
        with mock.patch("django.utils.timezone.now", return_value=start + dt.timedelta(days=days)):
            client.force_login(who)
            assert client.get(url).status_code == 200
    return entry


def test_log_shows_who_what_when_why_and_basis_newest_first(client, looked_at, patient_user):
    client.force_login(patient_user)
    response = client.get("/portal/access-log/")
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "Your log is intact: every look up to the newest has been verified" in page
    assert "Newest first (3 looks in all; your own are not shown)" in page
    rows = page.split("<tbody>")[1].split("</tr>")
    assert "Dr A. Rivera" in rows[0] and "Viewed: <a" in rows[0]
    assert "Dr M. Chen" in rows[1]
    assert "Dr A. Rivera" in rows[2] and "record overview" in rows[2]
    assert "Treatment" in rows[0] and "Your consent" in rows[0]
    assert "Treatment" in rows[1] and "Your consent" in rows[1]
    assert "I don&#x27;t recognise this" in page or "I don't recognise this" in page
    assert "Secret title" not in page  # the log names the kind and date, never the content


def test_filter_by_person_and_date(client, looked_at, patient_user, other_physician):
    client.force_login(patient_user)
    page = client.get(f"/portal/access-log/?person={other_physician.pk}").content.decode()
    assert "Dr M. Chen" in page.split("<tbody>")[1]
    assert "Dr A. Rivera" not in page.split("<tbody>")[1]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page = client.get(f"/portal/access-log/?date_to={yesterday}").content.decode()
    assert "Nobody else has looked at your record with these filters" in page
    last_day = timezone.localdate(timezone.now() + dt.timedelta(days=2, minutes=1))
    rows = client.get(f"/portal/access-log/?date_from={last_day}").content.decode()
    assert rows.split("<tbody>")[1].count("<tr ") == 1
    page = client.get("/portal/access-log/?date_from=banana&person=<script>").content.decode()
    assert "Enter a real date, for example 2026-03-14." in page
    assert "<script>" not in page


def test_csv_download_and_formula_neutralising(client, looked_at, patient, patient_user):
    client.force_login(patient_user)
    response = client.get("/portal/access-log/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:3] == ["sequence", "when", "who"]
    assert [r[2] for r in rows[1:]] == ["Dr A. Rivera", "Dr M. Chen", "Dr A. Rivera"]

    event = log_reads(patient, patient_user, 1)[0]

    raw_sql(
        "UPDATE accesslog_accessevent SET actor_name = %s WHERE id = %s",
        ['=HYPERLINK("http://evil")', event.pk],
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get("/portal/access-log/?own=on&format=csv").getvalue().decode())
        )
    )
    assert rows[1][2].startswith("'=")


def test_pagination_by_sequence(client, patient, patient_user, physician):
    log_reads(patient, physician, 30)
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Newest first (30 looks in all; your own are not shown)" in page
    # One reader's consecutive looks are one row listing each look; a page holds 25 looks.
    assert page.count('id="event-') == 25 and len(_rows(page)) == 1
    assert "Looked 25 times" in page
    assert "More of these looks continue on the next page (older looks)." in page
    assert "?before=6" in page and "Newer looks" not in page
    older = client.get("/portal/access-log/?before=6").content.decode()
    assert older.count('id="event-') == 5 and "Looked 5 times" in older
    assert "More of these looks are on the previous page (newer looks)." in older
    assert "continue on the next page" not in older
    assert "?after=5" in older and "Older looks" not in older
    assert client.get("/portal/access-log/?after=5").content.decode().count('id="event-') == 25
    for hostile in ("999", "-3", "banana", "9" * 40, "1e9", "<script>"):
        response = client.get("/portal/access-log/", {"before": hostile, "after": hostile})
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("<main")[1]
    assert client.get("/portal/access-log/?page=999").status_code == 200


def test_i_dont_recognise_this_opens_a_grievance_linked_to_the_event(
    client, looked_at, patient, patient_user, privacy_officer
):
    event = AccessEvent.objects.filter(patient=patient).order_by("-sequence").first()
    client.force_login(patient_user)
    form = client.get(f"/portal/feedback/concern/?event={event.pk}").content.decode()
    assert "Dr A. Rivera" in form
    response = client.post(
        "/portal/feedback/concern/",
        {
            "event": event.pk,
            "description": "I have never met this doctor <script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.access_event == event
    assert grievance.patient == patient
    page = client.get("/portal/feedback/").content.decode()
    assert "A look by Dr A. Rivera" in page
    client.force_login(privacy_officer)
    queue = client.get("/staff/privacy/grievances/").content.decode()
    assert "&lt;script&gt;" in queue and "<script>alert" not in queue


def test_another_patients_event_cannot_be_reported(client, looked_at, patient, other_patient_user):
    event = AccessEvent.objects.filter(patient=patient).first()
    client.force_login(other_patient_user)
    form = client.get(f"/portal/feedback/concern/?event={event.pk}").content.decode()
    assert "Dr A. Rivera" not in form
    client.post("/portal/feedback/concern/", {"event": event.pk, "description": "odd"})
    assert Grievance.objects.get().access_event is None


def test_tampered_log_shows_a_clear_warning(client, looked_at, patient, patient_user):

    event = AccessEvent.objects.filter(patient=patient, sequence=2).get()
    raw_sql("UPDATE accesslog_accessevent SET actor_name = 'Nobody' WHERE id = %s", [event.pk])
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Warning: your access log failed its integrity check" in page
    assert "link 2 is broken" in page


@pytest.mark.parametrize("size", [10, 1000])
def test_query_count_is_flat(
    client, patient, patient_user, physician, size, django_assert_max_num_queries
):
    log_reads(patient, physician, size)
    client.force_login(patient_user)
    # 19: the first visit of a session also notes the "access log" first step (once), the first
    # verification stores the chain's verified mark, feedback marks the rows with a concern (one
    # query), one reads the session (sessions live in the database only), and the integrity line
    # looks for an open alarm about the log.
    with django_assert_max_num_queries(19):
        assert client.get("/portal/access-log/").status_code == 200


def _rows(page: str) -> list[str]:
    return (
        page.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")[:-1]
        if "<tbody>" in page
        else []
    )


def test_own_looks_are_hidden_until_asked_for(client, patient, patient_user, physician):
    log_reads(patient, patient_user, 2)
    log_reads(patient, physician, 1)
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Newest first (3 looks in all; your own are not shown)" in page
    assert len(_rows(page)) == 1 and "Dr A. Rivera" in _rows(page)[0]
    assert '<input type="checkbox" name="own" id="id_own">' in page
    assert '<label for="id_own">Show your own looks' in page
    page = client.get("/portal/access-log/", {"own": "on"}).content.decode()
    assert "Newest first (3 looks)" in page
    assert [("(you)" in row) for row in _rows(page)] == [False, True]
    assert "Looked 2 times" in _rows(page)[1]
    # Picking yourself as the person shows your looks without ticking the box.
    page = client.get("/portal/access-log/", {"person": patient_user.pk}).content.decode()
    assert page.count('id="event-') == 2


def test_only_own_looks_says_nobody_else_looked(client, patient, patient_user):
    log_reads(patient, patient_user, 2)
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Nobody else has looked at your record." in page
    assert "tick “Show your own looks” to see them" in page
    assert _rows(page) == []


def test_keyset_pages_skip_own_looks_and_keep_the_choice(client, patient, patient_user, physician):
    for _ in range(15):  # interleaved: 30 looks by the physician, 30 of the patient's own
        log_reads(patient, physician, 2)
        log_reads(patient, patient_user, 2)
    client.force_login(patient_user)
    seen = []
    query = ""
    for _ in range(3):
        page = client.get(f"/portal/access-log/?{query}").content.decode()
        rows = _rows(page)
        assert rows and not any("(you)" in row for row in rows)
        seen += [look for row in rows for look in row.split('id="event-')[1:]]
        if "Older looks" not in page:
            break
        query = page.split("Older looks")[0].rsplit('href="?', 1)[1].split('"')[0]
        query = query.replace("&amp;", "&")
    assert len(seen) == 30
    page = client.get("/portal/access-log/?own=on").content.decode()
    # Shown with your own, the physician's looks and yours take turns: two by two.
    assert page.count('id="event-') == 25 and len(_rows(page)) == 13
    assert "own=on&amp;before=" in page


def test_the_page_gives_the_browser_what_it_verified_under_the_pseudonym(
    client, patient, patient_user
):
    log_reads(patient, patient_user, 3)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    mark = AccessChainVerification.objects.get(patient=patient)
    assert f'data-log="{pseudonym(patient.pk)}"' in page
    assert f'data-sequence="{mark.sequence}"' in page and f'data-hash="{mark.hash}"' in page
    assert f'data-checkpoint="{checkpoint.number}"' in page
    assert "js/log-memory.js" in page
    assert patient.mrn not in page.split('id="log-memory"')[1].split(">")[0]


def test_a_log_that_failed_its_check_gives_the_browser_nothing_to_remember(
    client, looked_at, patient, patient_user
):
    event = AccessEvent.objects.filter(patient=patient).first()
    raw_sql("UPDATE accesslog_accessevent SET purpose='x' WHERE id=%s", [event.pk])
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "failed its integrity check" in page
    assert 'id="log-memory"' not in page
