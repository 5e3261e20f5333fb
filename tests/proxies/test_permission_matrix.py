"""The permission matrix, extended with proxies: for each scope of proxy access, and for accesses
expired, ended, pending their in-person check or past their review date, and across each age
boundary of parental access (frozen time), exactly which of Maria's entries each URL shows.
Every read writes exactly one event naming the proxy; a refusal writes none. Then the IDOR
sweep: every id-bearing portal URL, with the ids of a patient the proxy does not act for, and of
the patient they act for in an area not given."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from accesslog.models import AccessBasis, AccessEvent
from consent.models import AccessRequest, ConsentGrant, Purpose, Scope
from feedback.models import Grievance
from patients.models import RecordCategory
from proxies.acting import SESSION_KEY
from proxies.models import ProxyArea, ProxyAuthority, ProxyRelationship, ProxyStatus
from tests.factories import (
    EVERY_AREA,
    ProxyAccessFactory,
    concern,
    emergency_access,
    frozen_time,
    grant,
)
from tests.factories.education import AssignmentFactory
from tests.support.record import ALL_KEYS, MARIA_ENTRIES, THOMAS_BODY, THOMAS_TITLE

from .conftest import act_for

PLAIN = frozenset({"lab", "note", "document"})
NOTHING = frozenset()


@dataclass(frozen=True)
class Case:
    access: dict  # ProxyAccessFactory arguments (Maria and Ana are filled in)
    sees: frozenset[str] = NOTHING  # Maria's entries the records pages show
    in_force: bool = True  # Ana can switch to Maria at all
    areas: frozenset[str] = field(default_factory=lambda: frozenset(EVERY_AREA))


CASES: dict[str, Case] = {
    "carer, whole record": Case({}, sees=PLAIN),
    "carer, whole record with sensitive named": Case({"include_sensitive": True}, sees=ALL_KEYS),
    "carer, lab results only": Case(
        {"record_categories": [RecordCategory.LAB_RESULT]}, sees=frozenset({"lab"})
    ),
    "carer, visit notes with sensitive named": Case(
        {"record_categories": [RecordCategory.VISIT_NOTE], "include_sensitive": True},
        sees=frozenset({"note", "sensitive"}),
    ),
    "carer, visit notes, sensitive not named": Case(
        {"record_categories": [RecordCategory.VISIT_NOTE]}, sees=frozenset({"note"})
    ),
    "carer, access log only": Case(
        {"areas": [ProxyArea.ACCESS_LOG]}, areas=frozenset({ProxyArea.ACCESS_LOG})
    ),
    "carer, sharing only": Case({"areas": [ProxyArea.SHARING]}, areas=frozenset({"sharing"})),
    "carer, education only": Case(
        {"areas": [ProxyArea.EDUCATION]}, areas=frozenset({ProxyArea.EDUCATION})
    ),
    "carer, concerns only": Case(
        {"areas": [ProxyArea.CONCERNS]}, areas=frozenset({ProxyArea.CONCERNS})
    ),
    "attorney, whole record with sensitive": Case(
        {
            "relationship": ProxyRelationship.ATTORNEY,
            "authority": ProxyAuthority.ATTORNEY,
            "include_sensitive": True,
            "review_on": dt.date.today() + dt.timedelta(days=30),
        },
        sees=ALL_KEYS,
    ),
    "attorney past the review date": Case(
        {
            "relationship": ProxyRelationship.ATTORNEY,
            "authority": ProxyAuthority.ATTORNEY,
            "include_sensitive": True,
            "review_on": dt.date.today() - dt.timedelta(days=1),
        },
        in_force=False,
    ),
    "expired": Case(
        {"ends_at": timezone.now() - dt.timedelta(hours=1), "include_sensitive": True},
        in_force=False,
    ),
    "ended by the patient": Case({"ended": True, "include_sensitive": True}, in_force=False),
    "pending its in-person check": Case(
        {"pending": True, "include_sensitive": True}, in_force=False
    ),
    "declined": Case({"status": ProxyStatus.DECLINED}, in_force=False),
    "starting tomorrow": Case(
        {"starts_at": timezone.now() + dt.timedelta(days=1), "include_sensitive": True},
        in_force=False,
    ),
}


def _entry_urls(record, key: str) -> list[str]:
    urls = [f"/portal/records/{record[key].pk}/"]
    if key == "document":
        urls.append(f"/portal/records/{record[key].pk}/document/")
    return urls


def _assert_page_shows_only(page: str, keys: frozenset[str]) -> None:
    for key, (_category, title, body, _sensitive) in MARIA_ENTRIES.items():
        if key in keys:
            assert title in page, f"{key} should be shown"
        else:
            assert title not in page, f"{key} must not be hinted at"
            assert body not in page, f"body of {key} must not be shown"
    assert THOMAS_TITLE not in page and THOMAS_BODY not in page


def _proxy_events(patient):
    return AccessEvent.objects.filter(patient=patient, basis=AccessBasis.PROXY)


def _check_reads(client, patient, record, carer_user, access, case: Case) -> None:
    """The records pages for this case: what each shows, and one event per read naming Ana."""
    record_allowed = case.in_force and ProxyArea.RECORD in case.areas
    before = _proxy_events(patient).count()
    response = client.get("/portal/records/")
    if not case.in_force:
        assert response.status_code == 302 and response["Location"] == "/portal/acting-for/"
    elif not record_allowed:
        assert response.status_code == 403
        _assert_page_shows_only(response.content.decode(), NOTHING)
    else:
        assert response.status_code == 200
        _assert_page_shows_only(response.content.decode(), case.sees)
    reads = 1 if record_allowed else 0
    for key in MARIA_ENTRIES:
        for url in _entry_urls(record, key):
            if not case.in_force:
                # The switch was forgotten at the first refusal: Ana is on her own record now,
                # where Maria's ids are 404 like any other patient's.
                expected = 404
            elif not record_allowed:
                expected = 403
            else:
                expected = 200 if key in case.sees else 404
            response = client.get(url)
            assert response.status_code == expected, (url, key)
            if expected == 200:
                reads += 1
                if not url.endswith("document/"):
                    _assert_page_shows_only(response.content.decode(), frozenset({key}))
            else:
                _assert_page_shows_only(response.content.decode(), NOTHING)
    events = list(_proxy_events(patient).order_by("sequence")[before:])
    assert len(events) == reads
    for event in events:
        assert event.actor_id == carer_user.pk
        assert event.proxy_access_id == access.pk
        assert event.actor_relationship == access.get_relationship_display()
        assert event.purpose == f"as your {access.get_relationship_display()}"
    # Nobody else's chain moved, and Ana's own reads of Maria never count as Maria's own.
    assert not AccessEvent.objects.filter(patient=patient, basis=AccessBasis.SELF).exists()


def _switch_into(client, carer_user, patient, access, case: Case) -> None:
    client.force_login(carer_user)
    if case.in_force:
        act_for(client, carer_user, patient)
        return
    # Not in force: the switch page refuses it...
    response = client.post("/portal/acting-for/", {"person": str(patient.pk)})
    assert response.status_code == 200
    assert "Choose your own record or one of the people listed." in response.content.decode()
    # ...and a choice made while it was in force is forgotten at the next click.
    session = client.session
    session[SESSION_KEY] = {"patient": patient.pk, "name": patient.display_name, "relationship": ""}
    session.save()


@pytest.mark.parametrize("name", list(CASES))
def test_proxy_matrix(client, patient, carer_user, record, name):
    case = CASES[name]
    arguments = dict(case.access)
    traits = {key: arguments.pop(key) for key in ("ended", "pending") if key in arguments}
    access = ProxyAccessFactory(patient=patient, proxy=carer_user.patient, **arguments, **traits)
    _switch_into(client, carer_user, patient, access, case)
    _check_reads(client, patient, record, carer_user, access, case)


# --- age boundaries of parental access (frozen time) -------------------------------------------

BORN = dt.date(2014, 6, 15)


def _at(day: dt.date, time: dt.time = dt.time(12, 0)) -> dt.datetime:
    """A moment of `day` in the clinic's time (birthdays are the clinic's dates)."""
    return timezone.make_aware(dt.datetime.combine(day, time))


AGE_CASES = {
    # (the day, authority, what Ana sees, whether the sharing pages are hers to use)
    "11, the day before turning 12 (parent)": (
        dt.date(2026, 6, 14),
        ProxyAuthority.PARENTAL,
        ALL_KEYS,
        True,
    ),
    "12 today (parent): no sensitive entries, no sharing": (
        dt.date(2026, 6, 15),
        ProxyAuthority.PARENTAL,
        PLAIN,
        False,
    ),
    "15, the day before turning 16 (parent)": (
        dt.date(2030, 6, 14),
        ProxyAuthority.PARENTAL,
        PLAIN,
        False,
    ),
    "16 today (parent): the young person alone": (
        dt.date(2030, 6, 15),
        ProxyAuthority.PARENTAL,
        None,
        False,
    ),
    "16 today, invited back by the young person (their own authority)": (
        dt.date(2030, 6, 15),
        ProxyAuthority.PATIENT,
        ALL_KEYS,
        True,
    ),
    "13, on the young person's own authority (no age rule applies)": (
        dt.date(2027, 6, 15),
        ProxyAuthority.PATIENT,
        ALL_KEYS,
        True,
    ),
}


@pytest.mark.parametrize("name", list(AGE_CASES))
def test_parental_access_across_each_age_boundary(client, patient, carer_user, record, name):
    day, authority, sees, sharing = AGE_CASES[name]
    patient.date_of_birth = BORN
    patient.save(update_fields=["date_of_birth"])
    with frozen_time(_at(day)):
        access = ProxyAccessFactory(
            patient=patient,
            proxy=carer_user.patient,
            relationship=ProxyRelationship.PARENT,
            authority=authority,
            include_sensitive=True,
        )
        case = Case({}, sees=sees or NOTHING, in_force=sees is not None)
        _switch_into(client, carer_user, patient, access, case)
        if case.in_force:
            response = client.get("/portal/sharing/")
            assert response.status_code == (200 if sharing else 403)
        _check_reads(client, patient, record, carer_user, access, case)


def test_the_day_before_and_the_day_of_the_12th_birthday_in_one_session(
    client, patient, carer_user, record
):
    """The rule changes under a session that is already acting, two minutes before midnight
    and two after: no sweep, the next click."""
    patient.date_of_birth = BORN
    patient.save(update_fields=["date_of_birth"])
    with frozen_time(_at(dt.date(2026, 6, 14), dt.time(23, 58))):
        ProxyAccessFactory(
            patient=patient,
            proxy=carer_user.patient,
            relationship=ProxyRelationship.PARENT,
            authority=ProxyAuthority.PARENTAL,
            include_sensitive=True,
        )
        act_for(client, carer_user, patient)
        _assert_page_shows_only(client.get("/portal/records/").content.decode(), ALL_KEYS)
        assert client.get("/portal/sharing/").status_code == 200
    with frozen_time(_at(dt.date(2026, 6, 15), dt.time(0, 2))):
        _assert_page_shows_only(client.get("/portal/records/").content.decode(), PLAIN)
        assert client.get("/portal/sharing/").status_code == 403
        sensitive = record["sensitive"].pk
        assert client.get(f"/portal/records/{sensitive}/").status_code == 404


# --- IDOR: every id-bearing portal URL --------------------------------------------------------


@pytest.fixture
def thomas_things(other_patient, other_patient_user, physician, author, record):
    """Something of every kind named by id in portal URLs, all Thomas's (Ana does not act for
    him)."""
    grant(other_patient, physician)
    return {
        "entry": record.other.pk,
        "grant": ConsentGrant.objects.get(patient=other_patient).pk,
        "request": AccessRequest.objects.create(
            patient=other_patient,
            physician=author,
            scope=Scope.RECORD,
            purpose=Purpose.TREATMENT,
        ).pk,
        "emergency": emergency_access(author, other_patient).pk,
        "concern": concern(other_patient).pk,
        "assignment": AssignmentFactory(patient=other_patient, assigned_by=physician).pk,
    }


def _id_urls(ids: dict) -> list[tuple[str, str, str]]:
    """(method, url, area) for every id-bearing portal URL."""
    return [
        ("get", f"/portal/records/{ids['entry']}/", ProxyArea.RECORD),
        ("get", f"/portal/records/{ids['entry']}/document/", ProxyArea.RECORD),
        ("get", f"/portal/sharing/{ids['grant']}/stop/", ProxyArea.SHARING),
        ("post", f"/portal/sharing/{ids['grant']}/stop/", ProxyArea.SHARING),
        ("get", f"/portal/sharing/requests/{ids['request']}/", ProxyArea.SHARING),
        ("post", f"/portal/sharing/requests/{ids['request']}/", ProxyArea.SHARING),
        ("post", f"/portal/sharing/emergency/{ids['emergency']}/end/", ProxyArea.SHARING),
        ("get", f"/portal/feedback/concerns/{ids['concern']}/", ProxyArea.CONCERNS),
        ("post", f"/portal/feedback/concerns/{ids['concern']}/", ProxyArea.CONCERNS),
        ("post", f"/portal/feedback/concerns/{ids['concern']}/withdraw/", ProxyArea.CONCERNS),
        ("get", f"/portal/education/{ids['assignment']}/", ProxyArea.EDUCATION),
        ("post", f"/portal/education/{ids['assignment']}/ask/", ProxyArea.EDUCATION),
        ("post", f"/portal/education/{ids['assignment']}/respond/", ProxyArea.EDUCATION),
        ("post", f"/portal/education/{ids['assignment']}/rate/", ProxyArea.EDUCATION),
    ]


HOSTILE_POST = {
    "reason": "x",
    "decision": "approve",
    "scope": "record",
    "text": "Let me in",
    "response": "understood",
    "helpful": "5",
    "note": "",
}


def _snapshot(other_patient) -> tuple:
    return (
        ConsentGrant.objects.filter(patient=other_patient, revoked_at__isnull=False).count(),
        AccessRequest.objects.filter(patient=other_patient).exclude(status="pending").count(),
        Grievance.objects.filter(patient=other_patient).exclude(status="received").count(),
        sum(g.entries.count() for g in Grievance.objects.filter(patient=other_patient)),
        AccessEvent.objects.filter(patient=other_patient).count(),
    )


@pytest.mark.parametrize("acting", [True, False], ids=["acting for Maria", "on her own record"])
def test_a_proxy_never_reaches_another_patients_ids(
    client, patient, other_patient, carer_user, thomas_things, acting
):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, include_sensitive=True)
    client.force_login(carer_user)
    if acting:
        act_for(client, carer_user, patient)
    before = _snapshot(other_patient)
    for method, url, _area in _id_urls(thomas_things):
        response = getattr(client, method)(url, HOSTILE_POST if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
        page = response.content.decode()
        assert THOMAS_TITLE not in page and THOMAS_BODY not in page
    assert _snapshot(other_patient) == before


@pytest.fixture
def maria_things(patient, physician, author, record):
    grant(patient, physician)
    return {
        "entry": record["lab"].pk,
        "grant": ConsentGrant.objects.get(patient=patient).pk,
        "request": AccessRequest.objects.create(
            patient=patient, physician=author, scope=Scope.RECORD, purpose=Purpose.TREATMENT
        ).pk,
        "emergency": emergency_access(author, patient).pk,
        "concern": concern(patient).pk,
        "assignment": AssignmentFactory(patient=patient, assigned_by=physician).pk,
    }


@pytest.mark.parametrize(
    "missing", [ProxyArea.RECORD, ProxyArea.SHARING, ProxyArea.CONCERNS, ProxyArea.EDUCATION]
)
def test_the_acted_for_patients_ids_in_an_area_not_given_are_refused(
    client, patient, carer_user, maria_things, missing
):
    areas = [area for area in EVERY_AREA if area != missing]
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, areas=areas)
    act_for(client, carer_user, patient)
    before = _snapshot(patient)
    for method, url, area in _id_urls(maria_things):
        if area != missing:
            continue
        response = getattr(client, method)(url, HOSTILE_POST if method == "post" else None)
        page = response.content.decode()
        if "/emergency/" in url:  # ending an emergency access is the patient's own, always
            assert response.status_code == 404
        else:
            assert response.status_code == 403, (method, url, response.status_code)
            assert "Maria Santos has not shared this part with you" in page
        for _category, title, body, _sensitive in MARIA_ENTRIES.values():
            assert title not in page and body not in page
    assert _snapshot(patient) == before


def test_a_proxy_ending_another_proxys_access_is_not_a_portal_url(client):
    """No delegation: no portal URL of the acting areas names a proxy access, so a proxy acting
    for Maria cannot create, change or end anyone's proxy access through them."""
    from tests.support.urls import all_routes

    for route in all_routes():
        area = getattr(route.callback, "portal_area", None)
        if area is not None:
            assert "proxy" not in route.route and "carer" not in route.route, route.route
