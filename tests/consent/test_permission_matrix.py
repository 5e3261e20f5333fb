"""Who may see what, on every URL that shows record content.

Each case is one persona, set up through the real services (grants, revocation, emergency
access), with the entries of Maria's record its URLs must show. Every other entry must be
refused (403/404, never 200) and its title and body must appear nowhere on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from consent.models import Scope
from patients.models import RecordCategory
from tests.factories import (
    CareTeamFactory,
    elapsed_emergency_access,
    emergency_access,
    expired_grant,
    future_grant,
    grant,
    revoked_grant,
)
from tests.support.record import ALL_KEYS, MARIA_ENTRIES, THOMAS_TITLE
from tests.support.urls import record_content_routes

PLAIN = frozenset({"lab", "note", "document"})


@dataclass(frozen=True)
class Case:
    kind: str  # "self", "other patient", "not a physician" or "physician"
    setup: Callable[[World], object]  # returns the user to sign in as
    sees: frozenset[str] = frozenset()  # Maria's entries this persona may read
    lists_patient: bool = False  # Maria is on the physician's patient list
    can_write: bool = False  # may open /staff/patients/<maria>/entries/new/


def _physician_with(give: Callable, **kwargs) -> Callable[[World], object]:
    def setup(w: World):
        give(w.patient, w.physician, **kwargs)
        return w.physician

    return setup


def _entry_grant(key: str) -> Callable[[World], object]:
    def setup(w: World):
        grant(w.patient, w.physician, scope=Scope.ENTRY, entry=w.record[key])
        return w.physician

    return setup


def _team_grant(*, member: bool) -> Callable[[World], object]:
    def setup(w: World):
        team = CareTeamFactory(members=[w.physician] if member else [w.other_physician])
        grant(w.patient, team=team)
        return w.physician

    return setup


def _front_desk_in_shared_team(w: World):
    team = CareTeamFactory(members=[w.front_desk])
    grant(w.patient, team=team, include_sensitive=True)
    return w.front_desk


def _beside(now, later_or_ended: Callable, **kwargs) -> Callable[[World], object]:
    """A grant in force beside another that has ended or not started: the other's guardian rows
    exist (no sweep ran, or it starts later), so only the time check keeps its scope closed."""

    def setup(w: World):
        grant(w.patient, w.physician, **(now(w) if callable(now) else now))
        later_or_ended(w.patient, w.physician, **kwargs)
        return w.physician

    return setup


def _emergency(w: World):
    emergency_access(w.physician, w.patient)
    return w.physician


def _emergency_elapsed(w: World):
    elapsed_emergency_access(w.physician, w.patient)
    return w.physician


def _physician_of_other_patient(w: World):
    grant(w.other_patient, w.physician, include_sensitive=True)
    grant(w.patient, w.other_physician, include_sensitive=True)
    return w.physician


CASES: dict[str, Case] = {
    "patient self": Case("self", lambda w: w.patient_user, sees=ALL_KEYS),
    "other patient": Case("other patient", lambda w: w.other_patient_user),
    "front desk": Case("not a physician", lambda w: w.front_desk),
    "front desk in a care team Maria shares with": Case(
        "not a physician", _front_desk_in_shared_team
    ),
    "privacy officer": Case("not a physician", lambda w: w.privacy_officer),
    "admin": Case("not a physician", lambda w: w.clinic_admin),
    "physician without grant": Case("physician", lambda w: w.physician),
    "whole-record grant": Case(
        "physician", _physician_with(grant), sees=PLAIN, lists_patient=True, can_write=True
    ),
    "whole-record grant with sensitive": Case(
        "physician",
        _physician_with(grant, include_sensitive=True),
        sees=ALL_KEYS,
        lists_patient=True,
        can_write=True,
    ),
    "category grant (visit notes)": Case(
        "physician",
        _physician_with(grant, scope=Scope.CATEGORY, category=RecordCategory.VISIT_NOTE),
        sees=frozenset({"note"}),
        lists_patient=True,
        can_write=True,
    ),
    "category grant (visit notes) with sensitive": Case(
        "physician",
        _physician_with(
            grant,
            scope=Scope.CATEGORY,
            category=RecordCategory.VISIT_NOTE,
            include_sensitive=True,
        ),
        sees=frozenset({"note", "sensitive"}),
        lists_patient=True,
        can_write=True,
    ),
    "category grant (lab results)": Case(
        "physician",
        _physician_with(grant, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT),
        sees=frozenset({"lab"}),
        lists_patient=True,
        can_write=True,
    ),
    "entry grant (lab result)": Case(
        "physician", _entry_grant("lab"), sees=frozenset({"lab"}), lists_patient=True
    ),
    "entry grant naming the sensitive entry": Case(
        "physician", _entry_grant("sensitive"), sees=frozenset({"sensitive"}), lists_patient=True
    ),
    "entry grant (document)": Case(
        "physician", _entry_grant("document"), sees=frozenset({"document"}), lists_patient=True
    ),
    "care team member": Case(
        "physician", _team_grant(member=True), sees=PLAIN, lists_patient=True, can_write=True
    ),
    "physician outside the care team": Case("physician", _team_grant(member=False)),
    "expired grant": Case("physician", _physician_with(expired_grant, include_sensitive=True)),
    "revoked grant": Case("physician", _physician_with(revoked_grant, include_sensitive=True)),
    "grant starting in 3 days": Case(
        "physician", _physician_with(future_grant, include_sensitive=True)
    ),
    "plain grant, and one with sensitive starting in 3 days": Case(
        "physician",
        _beside({}, future_grant, include_sensitive=True),
        sees=PLAIN,
        lists_patient=True,
        can_write=True,
    ),
    "plain grant, and an expired one with sensitive": Case(
        "physician",
        _beside({}, expired_grant, include_sensitive=True),
        sees=PLAIN,
        lists_patient=True,
        can_write=True,
    ),
    "lab results grant, and a whole-record grant starting in 3 days": Case(
        "physician",
        _beside(
            {"scope": Scope.CATEGORY, "category": RecordCategory.LAB_RESULT},
            future_grant,
            include_sensitive=True,
        ),
        sees=frozenset({"lab"}),
        lists_patient=True,
        can_write=True,
    ),
    "entry grant (lab), and an expired whole-record grant": Case(
        "physician",
        _beside(
            lambda w: {"scope": Scope.ENTRY, "entry": w.record["lab"]},
            expired_grant,
            include_sensitive=True,
        ),
        sees=frozenset({"lab"}),
        lists_patient=True,
    ),
    "open emergency access": Case(
        "physician", _emergency, sees=ALL_KEYS, lists_patient=True, can_write=True
    ),
    "after the emergency window": Case("physician", _emergency_elapsed),
    "physician of another patient": Case("physician", _physician_of_other_patient),
}

ENTRY_KEYS = sorted(MARIA_ENTRIES)


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request) -> Case:
    return CASES[request.param]


class World:
    """The personas and Maria's record, each fixture set up only when a case asks for it."""

    def __init__(self, request) -> None:
        self._request = request

    def __getattr__(self, name: str):
        return self._request.getfixturevalue(name)


@pytest.fixture
def world(request, record) -> World:
    return World(request)


@pytest.fixture
def viewer(client, case, world):
    user = case.setup(world)
    client.force_login(user)
    return client


def _title(key: str) -> str:
    return MARIA_ENTRIES[key][1]


def _body(key: str) -> str:
    return MARIA_ENTRIES[key][2]


def assert_shows_only(page: str, keys: frozenset[str], *, bodies: bool = False) -> None:
    for key in MARIA_ENTRIES:
        if key in keys:
            assert _title(key) in page, f"{key} should be shown"
            if bodies:
                assert _body(key) in page, f"body of {key} should be shown"
        else:
            assert _title(key) not in page, f"{key} must not be hinted at"
            assert _body(key) not in page, f"body of {key} must not be shown"


def assert_denied(response, expected: int) -> None:
    assert response.status_code == expected
    assert_shows_only(response.content.decode(), frozenset())


def _staff_denial(case: Case) -> int | None:
    """The status of every staff URL for a persona who is not a physician (None: physician)."""
    return None if case.kind == "physician" else 403


# --- the patient portal -------------------------------------------------------------------------


def test_portal_record_list(viewer, case):
    response = viewer.get("/portal/records/")
    if case.kind == "self":
        assert response.status_code == 200
        assert_shows_only(response.content.decode(), ALL_KEYS)
    elif case.kind == "other patient":
        assert response.status_code == 200  # their own record, without a trace of Maria's
        page = response.content.decode()
        assert THOMAS_TITLE in page
        assert_shows_only(page, frozenset())
    else:
        assert_denied(response, 403)


@pytest.mark.parametrize("key", ENTRY_KEYS)
def test_portal_entry(viewer, case, world, key):
    response = viewer.get(f"/portal/records/{world.record[key].pk}/")
    if case.kind == "self":
        assert response.status_code == 200
        assert_shows_only(response.content.decode(), frozenset({key}), bodies=True)
    else:
        assert_denied(response, 404 if case.kind == "other patient" else 403)


def test_portal_document(viewer, case, world):
    response = viewer.get(f"/portal/records/{world.record.document.pk}/document/")
    if case.kind == "self":
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    else:
        assert response.status_code == (404 if case.kind == "other patient" else 403)


def test_portal_new_sharing_form(viewer, case):
    """The form lists the patient's own entries by title (to share one): a logged read."""
    response = viewer.get("/portal/sharing/new/")
    if case.kind == "self":
        assert response.status_code == 200
        assert_shows_only(response.content.decode(), ALL_KEYS)
    elif case.kind == "other patient":
        assert response.status_code == 200
        assert_shows_only(response.content.decode(), frozenset())
    else:
        assert_denied(response, 403)


def test_portal_fhir_export(viewer, case):
    """The patient's own data only: never Maria's for anyone but Maria, whatever they share."""
    response = viewer.get("/portal/export/fhir/")
    if case.kind in ("self", "other patient"):
        assert response.status_code == 200
        page = b"".join(response.streaming_content).decode()
        assert_shows_only(page, ALL_KEYS if case.kind == "self" else frozenset())
        assert (THOMAS_TITLE in page) == (case.kind == "other patient")
    else:
        assert_denied(response, 403)


def test_portal_export_summary(viewer, case):
    response = viewer.get("/portal/export/summary/")
    if case.kind in ("self", "other patient"):
        assert response.status_code == 200
        page = response.content.decode()
        assert_shows_only(page, ALL_KEYS if case.kind == "self" else frozenset())
        assert (THOMAS_TITLE in page) == (case.kind == "other patient")
    else:
        assert_denied(response, 403)


# --- the staff area -----------------------------------------------------------------------------


def test_staff_patient_list(viewer, case):
    response = viewer.get("/staff/patients/")
    if denial := _staff_denial(case):
        assert_denied(response, denial)
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert ("Maria Santos" in page) is case.lists_patient
    assert_shows_only(page, frozenset())  # the list never shows record content


def test_staff_patient_record(viewer, case, world):
    response = viewer.get(f"/staff/patients/{world.patient.pk}/")
    if denial := _staff_denial(case):
        assert_denied(response, denial)
        return
    if case.lists_patient:
        assert response.status_code == 200
        assert_shows_only(response.content.decode(), case.sees)
    else:
        assert_denied(response, 404)
        assert "Maria Santos" not in response.content.decode()


@pytest.mark.parametrize("category", [RecordCategory.VISIT_NOTE, RecordCategory.LAB_RESULT])
def test_staff_patient_record_by_category(viewer, case, world, category):
    response = viewer.get(f"/staff/patients/{world.patient.pk}/?category={category}")
    if denial := _staff_denial(case):
        assert_denied(response, denial)
        return
    if case.lists_patient:
        assert response.status_code == 200
        in_category = {k for k in case.sees if MARIA_ENTRIES[k][0] == category}
        assert_shows_only(response.content.decode(), frozenset(in_category))
    else:
        assert_denied(response, 404)


@pytest.mark.parametrize("key", ENTRY_KEYS)
def test_staff_patient_entry(viewer, case, world, key):
    response = viewer.get(f"/staff/patients/{world.patient.pk}/entries/{world.record[key].pk}/")
    if denial := _staff_denial(case):
        assert_denied(response, denial)
    elif key in case.sees:
        assert response.status_code == 200
        assert_shows_only(response.content.decode(), frozenset({key}), bodies=True)
    else:
        assert_denied(response, 404)


def test_staff_patient_document(viewer, case, world):
    response = viewer.get(
        f"/staff/patients/{world.patient.pk}/entries/{world.record.document.pk}/document/"
    )
    if denial := _staff_denial(case):
        assert response.status_code == denial
    elif "document" in case.sees:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    else:
        assert response.status_code == 404
        assert b"%PDF-" not in response.content


def test_staff_new_entry_form(viewer, case, world):
    response = viewer.get(f"/staff/patients/{world.patient.pk}/entries/new/")
    if denial := _staff_denial(case):
        assert_denied(response, denial)
    elif case.can_write:
        assert response.status_code == 200
        assert "Add an entry to Maria Santos" in response.content.decode()
        assert_shows_only(response.content.decode(), frozenset())
    else:
        assert_denied(response, 404)
        assert "Maria Santos" not in response.content.decode()


# --- beyond the matrix: searching, caching, and what the list offers ----------------------------


@pytest.fixture
def rivera_sees_maria(record, patient, other_patient, physician, client):
    grant(patient, physician)
    client.force_login(physician)
    return client


@pytest.mark.parametrize("query", ["Maria", "santos", "{mrn}", "{spaced_mrn}"])
def test_search_finds_a_patient_who_shares(rivera_sees_maria, patient, query):
    q = query.format(mrn=patient.mrn, spaced_mrn=f"{patient.mrn[:3]} {patient.mrn[3:]}")
    page = rivera_sees_maria.get("/staff/patients/", {"q": q}).content.decode()
    assert "Maria Santos" in page


@pytest.mark.parametrize("query", ["Thomas", "Whitfield", "{mrn}"])
def test_search_never_finds_a_patient_who_does_not_share(rivera_sees_maria, other_patient, query):
    q = query.format(mrn=other_patient.mrn)
    response = rivera_sees_maria.get("/staff/patients/", {"q": q})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thomas Whitfield" not in page
    assert f"/staff/patients/{other_patient.pk}/" not in page
    assert f"<td>{other_patient.mrn}</td>" not in page
    assert "No patient you may see matches" in page


@pytest.mark.parametrize("params", [{"q": "x" * 10_000}, {"page": "abc"}, {"page": "99999"}])
def test_odd_list_parameters_are_not_errors(rivera_sees_maria, params):
    assert rivera_sees_maria.get("/staff/patients/", params).status_code == 200


@pytest.mark.parametrize("category", ["<script>", "diagnoses", "lab_result'--"])
def test_unknown_category_filter_is_404(rivera_sees_maria, patient, patient_user, category):
    assert (
        rivera_sees_maria.get(f"/staff/patients/{patient.pk}/", {"category": category}).status_code
        == 404
    )
    rivera_sees_maria.force_login(patient_user)
    assert rivera_sees_maria.get("/portal/records/", {"category": category}).status_code == 404


def test_record_pages_are_never_cached(rivera_sees_maria, record, patient, patient_user):
    staff_urls = [
        "/staff/patients/",
        f"/staff/patients/{patient.pk}/",
        f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/",
    ]
    for url in staff_urls:
        response = rivera_sees_maria.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url
    rivera_sees_maria.force_login(patient_user)
    for url in ["/portal/records/", f"/portal/records/{record['lab'].pk}/", "/portal/sharing/"]:
        response = rivera_sees_maria.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_leaving_the_care_team_closes_the_record_at_once(client, record, patient, physician):
    team = CareTeamFactory(members=[physician])
    grant(patient, team=team)
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 200
    team.group.user_set.remove(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 404
    assert (
        client.get(f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/").status_code == 404
    )


def test_joining_the_care_team_opens_the_record_at_once(client, record, patient, physician):
    team = CareTeamFactory()
    grant(patient, team=team)
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 404
    team.group.user_set.add(physician)
    page = client.get(f"/staff/patients/{patient.pk}/").content.decode()
    assert "Cholesterol panel" in page


# --- the matrix covers every view that shows record content -------------------------------------

MATRIX_URL_NAMES = {
    "portal:records",
    "portal:sharing_new",
    "portal:record_entry",
    "portal:record_document",
    "portal:export_fhir",
    "portal:export_summary",
    "staff:patient_record",
    "staff:patient_entry",
    "staff:patient_document",
}


def test_every_record_content_view_is_in_the_matrix():
    """A new view marked @record_content_view must get its rows in this matrix."""
    assert {route.name for route in record_content_routes()} == MATRIX_URL_NAMES
