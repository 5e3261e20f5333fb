"""Every onboarding URL refuses the wrong roles and unknown ids, and closed visits stay closed."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern

from notifications.models import Notification
from patients import staff_urls
from patients.models import ActivationCode, OnboardingVisit, VisitStatus
from tests.factories.onboarding import OnboardingVisitFactory, checked_in, completed, slot


def onboarding_urls(*, patient_id: int, visit_id: int) -> list[str]:
    urls = []
    for entry in staff_urls.urlpatterns:
        assert isinstance(entry, URLPattern)
        route = str(entry.pattern)
        pk = visit_id if route.startswith("visits/") else patient_id
        urls.append("/staff/onboarding/" + re.sub(r"<int:pk>", str(pk), route))
    return urls


def snapshot() -> tuple:
    """Everything an onboarding action could change."""
    return (
        list(
            OnboardingVisit.objects.order_by("pk").values_list(
                "status", "starts_at", "identity_verified_at", "cancellation_reason"
            )
        ),
        ActivationCode.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def visit(patient, front_desk):
    return checked_in(OnboardingVisitFactory(patient=patient, staff_member=front_desk))


@pytest.mark.parametrize("who", ["physician", "privacy_officer", "patient_user"])
def test_other_roles_cannot_use_any_onboarding_url(client, request, visit, who):
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    for url in onboarding_urls(patient_id=visit.patient.pk, visit_id=visit.pk):
        assert client.get(url).status_code in (403, 404, 405), url
        response = client.post(
            url,
            {
                "document_type": "passport",
                "outcome": "explained",
                "item": "signing_in",
                "cancellation_reason": "x",
            },
        )
        assert response.status_code in (403, 404), url
    assert snapshot() == before


def test_unknown_ids_are_404_for_the_front_desk(client, front_desk, visit):
    client.force_login(front_desk)
    for url in onboarding_urls(patient_id=999_999, visit_id=999_999):
        if "999999" not in url:
            continue
        statuses = {client.get(url).status_code, client.post(url, {}).status_code}
        assert 404 in statuses and statuses <= {404, 405}, url


def test_a_started_visit_cannot_be_rescheduled(client, front_desk, visit):
    client.force_login(front_desk)
    before = snapshot()
    response = client.post(
        f"/staff/onboarding/visits/{visit.pk}/reschedule/",
        {
            "site": visit.site.pk,
            "date": slot(days_ahead=3).date().isoformat(),
            "time": "10:00",
            "staff_member": front_desk.pk,
        },
        follow=True,
    )
    assert "Only a visit that has not started yet can be rescheduled." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("close", ["completed", "no_show"])
def test_a_closed_visit_cannot_be_cancelled(client, front_desk, patient, close):
    visit = OnboardingVisitFactory(patient=patient, staff_member=front_desk)
    if close == "completed":
        completed(visit)
    else:
        OnboardingVisit.objects.filter(pk=visit.pk).update(status=VisitStatus.NO_SHOW)
    client.force_login(front_desk)
    before = snapshot()
    response = client.post(
        f"/staff/onboarding/visits/{visit.pk}/cancel/",
        {"cancellation_reason": "Patient asked"},
        follow=True,
    )
    assert "This visit can no longer be cancelled." in response.content.decode()
    assert snapshot() == before
