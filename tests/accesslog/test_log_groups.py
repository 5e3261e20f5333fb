"""The access log groups consecutive looks by the same reader acting the same way into one row
("Dr A. Rivera looked 3 times, 3 Nov 2026, 10:02–10:15") that opens to list each look (issue 15)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accesslog.chain import append_event
from accesslog.models import AccessAction, AccessBasis, AccessTarget
from clinic.models import Role
from consent.models import Scope
from feedback.models import GrievanceStatus
from tests.factories import StaffFactory, emergency_access, grant
from tests.factories.feedback import concern

LOG = "/portal/access-log/"


def at(day: int, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, day, hour, minute))


def look(patient, reader, when, *, basis=AccessBasis.GRANT, purpose="treatment", **fields):
    return append_event(
        patient=patient,
        actor=reader,
        action=AccessAction.VIEW,
        target=AccessTarget.RECORD,
        basis=basis,
        purpose=purpose,
        occurred_at=when,
        **fields,
    )


def rows(page: str) -> list[str]:
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [row for row in body.split("</tr>")[:-1]]


def looks_in(row: str) -> int:
    return row.count('id="event-')


def log_page(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(LOG, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def rivera_grant(patient, physician):
    return grant(patient, physician, scope=Scope.RECORD)


def test_consecutive_looks_by_one_reader_are_one_row_with_count_and_time_range(
    client, patient, patient_user, physician, rivera_grant
):
    events = [
        look(patient, physician, at(3, 10, minute), grant=rivera_grant) for minute in (2, 8, 15)
    ]
    page = log_page(client, patient_user)
    assert len(rows(page)) == 1
    row = rows(page)[0]
    assert 'class="look-group"' in row and '<details class="looks">' in row and "<summary>" in row
    assert "Looked 3 times" in row
    assert "3 Nov 2026, 10:02–10:15" in row
    assert "Dr A. Rivera" in row and "Your consent" in row and "Treatment" in row
    # The disclosure lists each look, newest first, with its time, what, sequence and report link.
    listed = row.split('<ol class="look-list">')[1]
    assert [f'id="event-{e.pk}"' in listed for e in events] == [True] * 3
    assert listed.index(f'id="event-{events[2].pk}"') < listed.index(f'id="event-{events[0].pk}"')
    for event, time in zip(events, ("10:02", "10:08", "10:15"), strict=True):
        item = listed.split(f'id="event-{event.pk}"')[1].split("</li>")[0]
        assert time in item
        assert f"(look {event.sequence})" in item
        assert "Viewed: record overview" in item
        assert f'href="/portal/feedback/concern/?event={event.pk}"' in item
        assert "I don&#x27;t recognise this" in item or "I don't recognise this" in item
    # The CSV stays one row per look.
    client.force_login(patient_user)
    lines = list(csv.reader(io.StringIO(client.get(LOG, {"format": "csv"}).getvalue().decode())))
    assert [line[0] for line in lines[1:]] == ["3", "2", "1"]


def test_a_single_look_is_a_plain_row(client, patient, patient_user, physician, rivera_grant):
    event = look(patient, physician, at(3, 10, 2), grant=rivera_grant)
    page = log_page(client, patient_user)
    assert len(rows(page)) == 1
    assert f'<tr id="event-{event.pk}">' in page
    assert "<details" not in rows(page)[0] and "Looked" not in page


def test_looks_interrupted_by_another_reader_are_two_groups(
    client, patient, patient_user, physician, other_physician, rivera_grant
):
    chen_grant = grant(patient, other_physician, scope=Scope.RECORD)
    for minute in (1, 2):
        look(patient, physician, at(3, 9, minute), grant=rivera_grant)
    look(patient, other_physician, at(3, 9, 3), grant=chen_grant)
    for minute in (4, 5, 6):
        look(patient, physician, at(3, 9, minute), grant=rivera_grant)
    page = log_page(client, patient_user)
    shown = rows(page)
    assert [looks_in(row) for row in shown] == [3, 1, 2]
    assert "Dr A. Rivera" in shown[0] and "Looked 3 times" in shown[0]
    assert "Dr M. Chen" in shown[1] and "Looked" not in shown[1]
    assert "Dr A. Rivera" in shown[2] and "Looked 2 times" in shown[2]
    assert "3 Nov 2026, 09:01–09:02" in shown[2]


def test_another_purpose_or_basis_starts_a_new_row(
    client, patient, patient_user, physician, rivera_grant
):
    look(patient, physician, at(3, 9, 1), grant=rivera_grant)
    look(patient, physician, at(3, 9, 2), grant=rivera_grant, purpose="care coordination")
    look(patient, physician, at(3, 9, 3), grant=rivera_grant, purpose="care coordination")
    page = log_page(client, patient_user)
    assert [looks_in(row) for row in rows(page)] == [2, 1]
    assert "Care coordination" in rows(page)[0] and "Treatment" in rows(page)[1]


def test_an_emergency_look_is_never_inside_a_group_of_ordinary_looks(
    client, patient, patient_user, physician, rivera_grant
):
    access = emergency_access(physician, patient)
    before = [look(patient, physician, at(3, 9, m), grant=rivera_grant) for m in (1, 2)]
    urgent = look(patient, physician, at(3, 9, 3), basis=AccessBasis.EMERGENCY, emergency=access)
    after = [look(patient, physician, at(3, 9, m), grant=rivera_grant) for m in (4, 5)]
    page = log_page(client, patient_user)
    shown = rows(page)
    assert [looks_in(row) for row in shown] == [2, 1, 2]
    assert f'<tr id="event-{urgent.pk}">' in shown[1]
    assert "Emergency access — under review" in shown[1]
    assert "Emergency access" not in shown[0] + shown[2]
    assert all(f'id="event-{e.pk}"' in shown[2] for e in before)
    assert all(f'id="event-{e.pk}"' in shown[0] for e in after)


def test_looks_in_one_emergency_are_grouped_and_say_emergency(
    client, patient, patient_user, physician
):
    access = emergency_access(physician, patient)
    for minute in (1, 2, 3):
        look(patient, physician, at(3, 9, minute), basis=AccessBasis.EMERGENCY, emergency=access)
    page = log_page(client, patient_user)
    assert len(rows(page)) == 1
    assert "Looked 3 times" in rows(page)[0]
    assert "Emergency access — under review" in rows(page)[0]


def test_a_look_with_an_open_concern_stays_marked_and_the_group_says_so(
    client, patient, patient_user, physician, rivera_grant
):
    events = [look(patient, physician, at(3, 9, m), grant=rivera_grant) for m in (1, 2, 3)]
    grievance = concern(patient, access_event=events[1])
    page = log_page(client, patient_user)
    row = rows(page)[0]
    assert looks_in(row) == 3
    # The group opens by itself and says it holds a look with a concern open.
    assert '<details class="looks" open>' in row
    assert "Looked 3 times" in row and "1 with a concern open" in row
    marked = row.split(f'id="event-{events[1].pk}"')[1].split("</li>")[0]
    assert "Concern open" in marked and f"/portal/feedback/concerns/{grievance.pk}/" in marked
    assert "I don" not in marked  # already reported: no second report link
    other = row.split(f'id="event-{events[0].pk}"')[1].split("</li>")[0]
    assert "Concern open" not in other and f"?event={events[0].pk}" in other
    # The row's last cell links to the concern too.
    last_cell = row.rsplit("<td>", 1)[1]
    assert f"/portal/feedback/concerns/{grievance.pk}/" in last_cell
    assert "about one of these looks by Dr A. Rivera" in last_cell


def test_a_closed_concern_is_marked_but_the_group_stays_closed(
    client, patient, patient_user, physician, rivera_grant, privacy_officer
):
    events = [look(patient, physician, at(3, 9, m), grant=rivera_grant) for m in (1, 2)]
    concern(
        patient, access_event=events[0], officer=privacy_officer, status=GrievanceStatus.RESOLVED
    )
    page = log_page(client, patient_user)
    row = rows(page)[0]
    assert '<details class="looks">' in row and "with a concern open" not in row
    assert "Concern closed" in row.split(f'id="event-{events[0].pk}"')[1].split("</li>")[0]


def test_a_group_over_two_days_shows_both_dates(
    client, patient, patient_user, physician, rivera_grant
):
    look(patient, physician, at(2, 23, 50), grant=rivera_grant)
    look(patient, physician, at(3, 0, 10), grant=rivera_grant)
    page = log_page(client, patient_user)
    row = rows(page)[0]
    assert "2 Nov 2026, 23:50 – 3 Nov 2026, 00:10" in row
    assert "Looked 2 times" in row


def test_your_own_looks_group_too_when_shown(client, patient, patient_user):
    for minute in (1, 2):
        look(patient, patient_user, at(3, 9, minute), basis=AccessBasis.SELF, purpose="")
    page = log_page(client, patient_user, own="on")
    assert len(rows(page)) == 1
    assert "Looked 2 times" in rows(page)[0] and "(you)" in rows(page)[0]
    assert "I don" not in rows(page)[0]  # nothing to report about your own looks


def test_a_group_split_across_pages_says_so_on_both(
    client, patient, patient_user, physician, rivera_grant
):
    start = at(1, 8, 0)
    for n in range(60):
        look(patient, physician, start + dt.timedelta(minutes=n), grant=rivera_grant)
    client.force_login(patient_user)
    # A page in the middle, reached from the older side (after=): continues both ways.
    page = client.get(LOG, {"after": 5}).content.decode()
    assert [looks_in(row) for row in rows(page)] == [25]
    assert "More of these looks are on the previous page (newer looks)." in page
    assert "More of these looks continue on the next page (older looks)." in page
    # The newest page continues only on the older side; the oldest only on the newer side.
    newest = client.get(LOG).content.decode()
    assert "continue on the next page (older looks)" in newest
    assert "on the previous page (newer looks)" not in newest
    oldest = client.get(LOG, {"before": 11}).content.decode()
    assert [looks_in(row) for row in rows(oldest)] == [10]
    assert "on the previous page (newer looks)" in oldest
    assert "continue on the next page" not in oldest


def test_a_group_ending_at_the_page_boundary_does_not_claim_to_continue(
    client, patient, patient_user, physician, other_physician, rivera_grant
):
    chen_grant = grant(patient, other_physician, scope=Scope.RECORD)
    for n in range(5):
        look(patient, other_physician, at(1, 8, n), grant=chen_grant)
    for n in range(25):
        look(patient, physician, at(2, 8, n), grant=rivera_grant)
    page = log_page(client, patient_user)
    assert [looks_in(row) for row in rows(page)] == [25]
    assert "Older looks" in page and "continue on the next page" not in page
    older = client.get(LOG, {"before": 6}).content.decode()
    assert [looks_in(row) for row in rows(older)] == [5]
    assert "Dr M. Chen" in older.split("<tbody>")[1] and "previous page" not in older


def test_hostile_display_names_are_escaped_in_the_group(client, patient, patient_user):
    hostile = StaffFactory(
        role=Role.PHYSICIAN, display_name='<script>alert("x")</script><b onmouseover=1>'
    )
    hostile_grant = grant(patient, hostile, scope=Scope.RECORD)
    for minute in (1, 2):
        look(patient, hostile, at(3, 9, minute), grant=hostile_grant)
    page = log_page(client, patient_user)
    main = page.split("<main")[1]
    assert "Looked 2 times" in main
    assert "<script>alert" not in main and "<b onmouseover" not in main
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in main


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LOG).status_code == 200
    return len(queries)


def test_grouping_adds_no_query_per_row_or_group(
    client, patient, patient_user, physician, other_physician, rivera_grant
):
    chen_grant = grant(patient, other_physician, scope=Scope.RECORD)
    look(patient, physician, at(1, 8, 0), grant=rivera_grant)
    client.force_login(patient_user)
    client.get(LOG)  # the first visit notes the step and stores the chain's verified mark
    few = _queries(client)
    # Many rows and groups on the page, each with concerns, and a group cut by the page's end.
    events = []
    for n in range(40):
        reader, basis_grant = (
            (physician, rivera_grant) if (n // 3) % 2 else (other_physician, chen_grant)
        )
        events.append(
            look(patient, reader, at(2, 8, 0) + dt.timedelta(minutes=n), grant=basis_grant)
        )
    for event in events[-12::4]:
        concern(patient, access_event=event)
    client.get(LOG)
    page = client.get(LOG).content.decode()
    assert len(rows(page)) > 5 and "with a concern open" in page
    assert _queries(client) == few
    older = client.get(LOG, {"before": events[-25].sequence}).content.decode()
    assert rows(older)
    with CaptureQueriesContext(connection) as queries:
        client.get(LOG, {"before": events[-25].sequence})
    # An older page reads its neighbouring look in place of the "is there a newer page" check.
    assert len(queries) == few + 1


def test_a_spanish_speaking_patient_reads_the_groups_in_spanish(
    client, patient, patient_user, physician, rivera_grant
):
    from tests.i18n.catalogue import english_left

    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    events = [look(patient, physician, at(3, 9, m), grant=rivera_grant) for m in (1, 2, 3)]
    concern(patient, access_event=events[0])
    for n in range(30):
        look(patient, physician, at(4, 9, 0) + dt.timedelta(minutes=n), grant=rivera_grant)
    page = log_page(client, patient_user)
    assert 'lang="es"' in page
    assert "Consultó 25 veces" in page
    assert "Estas consultas continúan en la página siguiente (consultas más antiguas)." in page
    older = client.get(LOG, {"before": 9}).content.decode()
    assert "Consultó 8 veces" in older  # consecutive: the change of day does not split it
    assert "1 con una queja abierta" in older and "(consulta n.º 1)" in older
    assert "Hay más de estas consultas en la página anterior (consultas más nuevas)." in older
    assert english_left(page) == [] and english_left(older) == []
