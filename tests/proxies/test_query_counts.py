"""The proxy pages' query counts stay flat as people and accesses grow (two sizes)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PatientUserFactory
from tests.proxies.manage_support import invite, link_carer, years_ago


def _queries(client, url: str) -> int:
    client.get(url)  # the session's first page notes things once
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _carers(patient, front_desk, site, count: int):
    proxies = []
    for n in range(count):
        proxy = PatientUserFactory(
            patient__site=site, patient__date_of_birth=years_ago(30 + n)
        ).patient
        link_carer(patient, proxy, front_desk)
        invite(patient, name=f"Invited Person {n}", email=f"invited{n}@example.org")
        proxies.append(proxy)
    return proxies


@pytest.mark.parametrize(
    "view", ["sharing", "staff_patient", "invitations", "helping"], ids=lambda v: v
)
def test_query_counts_are_flat(client, front_desk, site, view):
    counts = []
    for size in (1, 5):
        patient_user = PatientUserFactory(patient__site=site, patient__date_of_birth=years_ago(40))
        patient = patient_user.patient
        proxies = _carers(patient, front_desk, site, size)
        helper = proxies[0]
        for n in range(size - 1):  # the first carer also helps others
            other = PatientUserFactory(patient__site=site, patient__date_of_birth=years_ago(60 + n))
            link_carer(other.patient, helper, front_desk)
        if view == "sharing":
            client.force_login(patient_user)
            url = reverse("portal:sharing")
        elif view == "helping":
            client.force_login(helper.user)
            url = reverse("portal:helping")
        else:
            client.force_login(front_desk)
            url = (
                reverse("staff:onboarding_patient", args=[patient.pk])
                if view == "staff_patient"
                else reverse("staff:proxy_invitations")
            )
        counts.append(_queries(client, url))
    assert counts[0] == counts[1], counts
