"""Personas for proxy access: Ana Santos, who acts for Maria (the `patient` persona) as her
carer, and a way to sign in as a proxy and switch to the person they act for."""

from __future__ import annotations

import pytest

from tests.factories import PatientUserFactory, ProxyAccessFactory


@pytest.fixture
def carer_user(db, site):
    return PatientUserFactory(
        email="ana@example.org", patient__site=site, patient__legal_name="Ana Santos"
    )


@pytest.fixture
def carer_access(patient, carer_user):
    """Ana may use every area of Maria's portal, whole record, no sensitive entries."""
    return ProxyAccessFactory(patient=patient, proxy=carer_user.patient)


def act_for(client, user, patient) -> None:
    """Sign in as `user` and switch to `patient`'s record on the switch page."""
    client.force_login(user)
    response = client.post("/portal/acting-for/", {"person": str(patient.pk)})
    assert response.status_code == 302, response.content.decode()[:2000]


def own_record(client) -> None:
    client.post("/portal/acting-for/", {"person": "own"})
