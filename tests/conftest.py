"""Personas shared by every test module, and the real-Redis fixtures."""

from __future__ import annotations

import pytest

from clinic.circuit import reset_breakers
from clinic.models import Role
from tests.factories import PatientUserFactory, SiteFactory, StaffFactory
from tests.support.record import author, record  # noqa: F401 (fixtures for every module)
from tests.support.redis import RedisServer


@pytest.fixture
def site(db):
    return SiteFactory(name="Riverside Health Centre")


@pytest.fixture
def patient_user(db, site):
    return PatientUserFactory(
        email="maria@example.org", patient__site=site, patient__legal_name="Maria Santos"
    )


@pytest.fixture
def patient(patient_user):
    return patient_user.patient


@pytest.fixture
def other_patient_user(db, site):
    return PatientUserFactory(
        email="tom@example.org", patient__site=site, patient__legal_name="Thomas Whitfield"
    )


@pytest.fixture
def other_patient(other_patient_user):
    return other_patient_user.patient


@pytest.fixture
def front_desk(db, site):
    return StaffFactory(
        role=Role.FRONT_DESK, display_name="Sam Okafor", site=site, email="frontdesk@clinic.example"
    )


@pytest.fixture
def physician(db, site):
    return StaffFactory(
        role=Role.PHYSICIAN, display_name="Dr A. Rivera", site=site, email="rivera@clinic.example"
    )


@pytest.fixture
def other_physician(db, site):
    return StaffFactory(
        role=Role.PHYSICIAN, display_name="Dr M. Chen", site=site, email="chen@clinic.example"
    )


@pytest.fixture
def privacy_officer(db, site):
    return StaffFactory(
        role=Role.PRIVACY_OFFICER,
        display_name="Jordan Lee",
        site=site,
        email="privacy@clinic.example",
    )


@pytest.fixture
def clinic_admin(db, site):
    return StaffFactory(
        role=Role.ADMIN, display_name="Alex Morgan", site=site, email="admin@clinic.example"
    )


@pytest.fixture
def all_staff(front_desk, physician, privacy_officer, clinic_admin):
    return [front_desk, physician, privacy_officer, clinic_admin]


@pytest.fixture(autouse=True)
def _fresh_redis_breakers():
    """Each test starts with Redis presumed healthy (the breakers are per process)."""
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def redis(redis_server):
    """A running, empty Redis. Tests may stop it; it is started again for the next test."""
    redis_server.resume()
    redis_server.start()
    redis_server.client().flushall()
    yield redis_server
    redis_server.resume()
    redis_server.start()
