"""Personas shared by every test module, and the real-Redis fixtures."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.commands import flush
from django.db import connections
from django.utils import translation

from clinic.circuit import reset_breakers
from clinic.models import Role
from education import library_cache
from tests.factories import PatientUserFactory, SiteFactory, StaffFactory
from tests.support.database import as_table_owner
from tests.support.record import author, record  # noqa: F401 (fixtures for every module)
from tests.support.redis import RedisServer

# --- PostgreSQL: the suite runs as the application's role (tests/support/database.py) -----------

_assumed_roles: dict[str, str] = {}


def _step_back_to_owner() -> None:
    for connection in connections.all():
        options = connection.settings_dict.get("OPTIONS") or {}
        if connection.vendor == "postgresql" and options.get("assume_role"):
            _assumed_roles[connection.alias] = options.pop("assume_role")
            connection.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by the owner..."""
    _step_back_to_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...then the application's role is granted its privileges and the tests run as it."""
    if not _assumed_roles:
        yield
        return
    for alias, role in _assumed_roles.items():
        connections[alias].settings_dict["OPTIONS"]["assume_role"] = role
        connections[alias].close()
    with django_db_blocker.unblock():
        call_command("grant_app_role", verbosity=0)
    original_flush = flush.Command.handle

    def flush_as_owner(self, **options):  # transactional tests are flushed with TRUNCATE
        with as_table_owner(options.get("database", "default")):
            return original_flush(self, **options)

    flush.Command.handle = flush_as_owner
    yield
    flush.Command.handle = original_flush
    _step_back_to_owner()  # the owner drops the test database


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
def _no_kept_library_pages():
    """Each test starts with no rendered library page kept from another test's data (ids repeat
    between tests, so the library's stamp could too)."""
    library_cache.pages.clear()
    yield
    library_cache.pages.clear()


@pytest.fixture(autouse=True)
def _fresh_redis_breakers():
    """Each test starts with Redis presumed healthy (the breakers are per process)."""
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture(autouse=True)
def _no_language_left_over():
    """Each test starts with no language active. A page request activates the reader's language
    in the test's thread and nothing deactivates it, so a Spanish page in one test would turn
    the next test's direct service calls (their refusals are translated) into Spanish."""
    translation.deactivate()
    yield
    translation.deactivate()


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
