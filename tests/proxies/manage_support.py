"""People and accesses for the tests of setting up and ending proxy access (test_services,
test_front_desk, test_portal_manage, test_age_notices). Accesses are made through the services,
as in production."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patients.models import IdentityDocument
from proxies import services
from proxies.models import AuthorityDocument, ProxyArea, ProxyAuthority, ProxyRelationship
from tests.factories import PatientFactory, PatientUserFactory

HOSTILE_TEXTS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "x" * 5000,
    "\x00\x07",
]


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def in_days(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def carer_user(db, site):
    """Ana, with her own portal account: the patient's carer to be."""
    return PatientUserFactory(
        email="ana@example.org",
        patient__site=site,
        patient__legal_name="Ana Santos",
        patient__date_of_birth=years_ago(40),
    )


@pytest.fixture
def carer(carer_user):
    return carer_user.patient


@pytest.fixture
def child(db, site):
    """A nine-year-old on the register, no portal account."""
    return PatientFactory(site=site, legal_name="Lucy Santos", date_of_birth=years_ago(9))


def link_carer(patient, proxy, front_desk, **overrides):
    fields = {
        "patient": patient,
        "proxy": proxy,
        "linked_by": front_desk,
        "relationship": ProxyRelationship.CARER,
        "authority": ProxyAuthority.PATIENT,
        "areas": [ProxyArea.RECORD, ProxyArea.ACCESS_LOG],
        "ends_at": in_days(90),
        "proxy_document": IdentityDocument.PASSPORT,
        "patient_document": IdentityDocument.DRIVING_LICENCE,
        **overrides,
    }
    return services.link_proxy(**fields)


def link_parent(child, parent, front_desk, **overrides):
    fields = {
        "patient": child,
        "proxy": parent,
        "linked_by": front_desk,
        "relationship": ProxyRelationship.PARENT,
        "authority": ProxyAuthority.PARENTAL,
        "areas": [ProxyArea.RECORD, ProxyArea.SHARING],
        "proxy_document": IdentityDocument.PASSPORT,
        "authority_document": AuthorityDocument.BIRTH_CERTIFICATE,
        **overrides,
    }
    return services.link_proxy(**fields)


def link_attorney(patient, proxy, front_desk, **overrides):
    fields = {
        "patient": patient,
        "proxy": proxy,
        "linked_by": front_desk,
        "relationship": ProxyRelationship.ATTORNEY,
        "authority": ProxyAuthority.ATTORNEY,
        "proxy_document": IdentityDocument.PASSPORT,
        "authority_document": AuthorityDocument.LASTING_POA,
        "review_on": timezone.localdate() + dt.timedelta(days=200),
        **overrides,
    }
    return services.link_proxy(**fields)


def invite(patient, **overrides):
    fields = {
        "patient": patient,
        "invited_by": patient.user,
        "name": "Ana Santos",
        "email": "ana@example.org",
        "relationship": ProxyRelationship.FAMILY,
        "areas": [ProxyArea.RECORD],
        "ends_at": in_days(30),
        **overrides,
    }
    return services.invite_proxy(**fields)
