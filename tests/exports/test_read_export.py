"""consent.access.read_export: the one door for exports lets only the patient through."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from accesslog.models import AccessEvent
from consent.access import Reader, read_export
from tests.factories import emergency_access, grant


def test_the_patient_exports_their_own_record_and_it_is_logged(patient_user, patient):
    reader = Reader(user=patient_user, now=timezone.now())
    standing = read_export(reader, patient.pk)
    assert standing.patient == patient
    (event,) = reader.events
    assert (event.basis, event.action, event.target) == ("self", "export", "export")


def test_a_physician_with_consent_or_emergency_access_cannot_export(patient, physician):
    grant(patient, physician, include_sensitive=True)
    emergency_access(physician, patient)
    before = AccessEvent.objects.count()
    with pytest.raises(Http404):
        read_export(Reader(user=physician, now=timezone.now()), patient.pk)
    assert AccessEvent.objects.count() == before


def test_another_patient_cannot_export_this_record(other_patient_user, patient):
    with pytest.raises(Http404):
        read_export(Reader(user=other_patient_user, now=timezone.now()), patient.pk)
