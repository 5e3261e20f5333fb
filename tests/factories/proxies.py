"""Proxy accesses: a carer, a parent or an attorney acting for a patient.

`ProxyAccessFactory()` is an access in force: checked in person, active since yesterday for a
year, for the whole record. The proxy is a patient with their own portal account (as after their
own face-to-face onboarding). Pass `areas=[...]`, `record_categories=[...]`, `status=...`,
`authority=...` and so on to shape it; `ended=True` ends it as the patient would."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from clinic.models import Role
from patients.models import IdentityDocument
from proxies.models import (
    AuthorityDocument,
    ProxyAccess,
    ProxyArea,
    ProxyAuthority,
    ProxyRelationship,
    ProxyStatus,
)

from .clinic import StaffFactory
from .patients import PatientUserFactory

EVERY_AREA = [area.value for area in ProxyArea]


class ProxyAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProxyAccess
        skip_postgeneration_save = True

    class Params:
        # Ended by the patient an hour ago (the row stays, with who and when).
        ended = factory.Trait(
            status=ProxyStatus.ENDED,
            ended_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1)),
            ended_by=factory.SelfAttribute("patient.user"),
            end_reason="No longer needed.",
        )
        # A parent of a child, on parental responsibility (the age rules apply).
        parental = factory.Trait(
            relationship=ProxyRelationship.PARENT,
            authority=ProxyAuthority.PARENTAL,
            authority_document=AuthorityDocument.BIRTH_CERTIFICATE,
        )
        # Waiting for the proxy's in-person check.
        pending = factory.Trait(
            status=ProxyStatus.PENDING,
            checked_by=None,
            checked_at=None,
            proxy_document="",
            patient_document="",
        )

    patient = factory.LazyFunction(lambda: PatientUserFactory().patient)
    proxy = factory.LazyFunction(lambda: PatientUserFactory().patient)
    relationship = ProxyRelationship.CARER
    authority = ProxyAuthority.PATIENT
    areas = factory.LazyFunction(lambda: list(EVERY_AREA))
    record_categories = factory.LazyFunction(list)
    include_sensitive = False
    notify_patient = True
    status = ProxyStatus.ACTIVE
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=365))
    requested_by = factory.LazyAttribute(lambda o: o.patient.user or o.proxy.user)
    requested_at = factory.LazyAttribute(lambda o: o.starts_at)
    checked_by = factory.LazyFunction(lambda: StaffFactory(role=Role.FRONT_DESK, mfa=False))
    checked_at = factory.LazyAttribute(lambda o: o.starts_at)
    proxy_document = IdentityDocument.PASSPORT
    patient_document = IdentityDocument.PASSPORT


def child_patient(*, born: dt.date, **kwargs):
    """A child on the register, with their own portal account (teenagers may have one)."""
    return PatientUserFactory(patient__date_of_birth=born, **kwargs).patient
