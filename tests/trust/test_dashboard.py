"""The trust dashboard: figures equal hand-computed values on factory data, one query per
chart, anonymity (groups under 5 hidden, no single response anywhere), who may open it, and
hostile filters."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from clinic.models import Role
from feedback import surveys
from feedback.models import Instrument, SurveyInvitation, SurveyResponse
from patients.models import VisitStatus
from tests.factories import (
    PatientFactory,
    PatientUserFactory,
    SiteFactory,
    StaffFactory,
    add_totp,
    concern,
    emergency_access,
)
from tests.factories.onboarding import OnboardingVisitFactory
from trust import figures
from trust.figures import Filters, wilson_interval


def _all_time(site=None) -> Filters:
    now = timezone.now()
    return Filters(site=site, start=now - dt.timedelta(days=30), end=now + dt.timedelta(days=1))


def _completed_visit(patient, days_before_join: float) -> None:
    joined = patient.user.date_joined if patient.user_id else timezone.now()
    completed_at = joined - dt.timedelta(days=days_before_join)
    OnboardingVisitFactory(
        patient=patient,
        status=VisitStatus.COMPLETED,
        identity_verified_at=completed_at,
        completed_at=completed_at,
    )


def test_wilson_interval_matches_the_published_formula():
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert wilson_interval(0, 5)[0] == 0.0
    assert round(wilson_interval(5, 5)[0], 4) == 0.5655


def test_onboarding_funnel_and_median_days(db, django_assert_num_queries):
    site = SiteFactory()
    PatientFactory(site=site)  # registered, nothing booked
    OnboardingVisitFactory(patient=PatientFactory(site=site))  # booked only
    _completed_visit(PatientFactory(site=site), 1)  # visit done, not activated
    for days, mfa in ((1, True), (2, False), (6, True)):
        user = PatientUserFactory(patient__site=site)
        _completed_visit(user.patient, days)
        if mfa:
            add_totp(user)
    PatientUserFactory()  # another site
    with django_assert_num_queries(1):
        chart = figures.onboarding_funnel(_all_time(site))
    assert [(row.label, row.value) for row in chart.rows] == [
        ("Booked a first visit", 5),
        ("First visit completed", 4),
        ("Portal account activated", 3),
        ("Two-step verification on", 2),
    ]
    assert "Median time from completed visit to activation: 2.0 days (3 patients)" in chart.note


def _respond(site, score_answers_value: int, count: int, slug: str = "trust-pulse") -> None:
    instrument = Instrument.objects.get(slug=slug)
    for _ in range(count):
        patient = PatientUserFactory(patient__site=site).patient
        invitation = SurveyInvitation.objects.create(
            instrument=instrument, patient=patient, round=0
        )
        surveys.answer_survey(
            invitation=invitation,
            answers={
                item.pk: (6 - score_answers_value if item.reverse_scored else score_answers_value)
                for item in instrument.items.all()
            },
        )


def test_survey_top_box_by_quarter_with_intervals(db, django_assert_num_queries):
    site = SiteFactory()
    _respond(site, 5, 3)  # score 100: top box
    _respond(site, 3, 3)  # score 50
    with django_assert_num_queries(1):
        chart = figures.survey_top_box(_all_time(site))
    [row] = chart.rows
    assert row.extra["responses"] == 6 and row.extra["top"] == 3
    assert row.value == 0.5
    assert row.display == "50% (95% CI 19%–81%; 6 responses)"


def test_survey_groups_under_five_are_hidden_everywhere(client, privacy_officer):
    site = SiteFactory(name="Tiny")
    _respond(site, 5, 4)
    chart = figures.survey_top_box(_all_time())
    assert chart.rows == []
    client.force_login(privacy_officer)
    page = client.get("/staff/trust/").content.decode()
    assert "Groups with fewer than 5 responses are not shown." in page
    csv = client.get("/staff/trust/surveys.csv").content.decode()
    assert csv.strip().splitlines() == [
        'Survey and quarter,"Top box (95% interval, responses)",value'
    ]


def test_no_staff_page_shows_one_patients_answers(client, privacy_officer, clinic_admin):
    site = SiteFactory()
    _respond(site, 4, 5)
    response = SurveyResponse.objects.first()
    for user in (privacy_officer, clinic_admin):
        client.force_login(user)
        page = client.get("/staff/trust/").content.decode()
        assert response.invitation.patient.legal_name not in page
        assert response.invitation.patient.mrn not in page
    client.force_login(clinic_admin)
    assert client.get("/admin/feedback/surveyresponse/").status_code == 404
    assert client.get("/admin/feedback/surveyanswer/").status_code == 404


def test_concern_figures(db, privacy_officer, django_assert_num_queries):
    site = SiteFactory()
    patient = PatientUserFactory(patient__site=site).patient
    concern(patient)  # received, nothing due yet
    concern(patient, officer=privacy_officer, status="resolved")  # everything on time
    late = concern(patient, at=timezone.now() - dt.timedelta(days=20))  # acknowledge overdue
    assert late.acknowledge_by < timezone.now()
    with django_assert_num_queries(1):
        chart = figures.concerns(_all_time(site))
    values = {row.label: row.display for row in chart.rows}
    assert values["Status: Received"] == "2"
    assert values["Status: Resolved"] == "1"
    assert values["Acknowledged on time"] == "50% (1 of 2)"
    assert values["Written answer or extension notice on time"] == "50% (1 of 2)"
    assert values["Resolved on time"] == "100% (1 of 1)"


def test_emergency_figures(db, django_assert_num_queries):
    patient = PatientUserFactory().patient
    physician = StaffFactory(role=Role.PHYSICIAN)
    emergency_access(physician, patient)
    with django_assert_num_queries(1):
        chart = figures.emergency_access(_all_time())
    values = {row.label: row.value for row in chart.rows}
    assert values["Emergency accesses opened"] == 1
    assert values["Waiting for review"] == 1
    access_chart = figures.access_notifications(_all_time())
    assert sum(row.value for row in access_chart.rows) >= 1  # the patient was told


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.PHYSICIAN])
def test_only_privacy_officers_and_admins_open_it(client, db, role, patient_user):
    client.force_login(StaffFactory(role=role))
    assert client.get("/staff/trust/").status_code == 403
    assert client.get("/staff/trust/concerns.csv").status_code == 403
    client.force_login(patient_user)
    assert client.get("/staff/trust/").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "site=abc&start=2026-13-01",
        "site=999999&start=9999-12-31&end=0001-01-01",
        "start=2026-12-01&end=2026-01-01",
        "site=<script>&end=" + "9" * 40,
    ],
)
def test_hostile_filters_get_a_message_not_an_error(client, privacy_officer, query):
    client.force_login(privacy_officer)
    response = client.get(f"/staff/trust/?{query}")
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert client.get(f"/staff/trust/concerns.csv?{query}").status_code == 200


def test_unknown_chart_csv_is_404(client, privacy_officer):
    client.force_login(privacy_officer)
    assert client.get("/staff/trust/nothing.csv").status_code == 404


def test_the_charts_need_no_script_and_each_has_a_text_alternative(client, privacy_officer):
    site = SiteFactory()
    _respond(site, 5, 5)
    client.force_login(privacy_officer)
    response = client.get("/staff/trust/")
    page = response.content.decode()
    # Charts are drawn on the server: the only scripts are the site's own files that every page
    # loads (idle warning, table labels), never one inline.
    scripts = re.findall(r"<script[^>]*>", page)
    assert all(re.fullmatch(r'<script src="/static/js/[\w.-]+\.js">', tag) for tag in scripts)
    assert page.count('<svg role="img"') == page.count("<desc id=")
    assert "script-src" not in response.get("Content-Security-Policy", "") or (
        "'unsafe-inline'" not in response["Content-Security-Policy"]
    )


@pytest.mark.parametrize("patients", [3, 12])
def test_the_page_has_a_flat_query_count(
    client, privacy_officer, patients, django_assert_max_num_queries
):
    site = SiteFactory()
    for _ in range(patients):
        patient = PatientUserFactory(patient__site=site).patient
        concern(patient)
    client.force_login(privacy_officer)
    # Six charts, one query each, plus the session, the user, two-step check, navigation
    # badges and the site list of the filter.
    with django_assert_max_num_queries(16):
        assert client.get(f"/staff/trust/?site={site.pk}").status_code == 200
