from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import PatientUserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def spanish_patient_user(db, site):
    return PatientUserFactory(
        email="lucia@example.org",
        patient__site=site,
        patient__legal_name="Lucía Fernández",
        patient__preferred_language="es",
    )


@pytest.fixture
def spanish_patient(spanish_patient_user):
    return spanish_patient_user.patient
