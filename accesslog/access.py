"""Load-and-authorise helpers for access-log objects named by id: 404 for outsiders."""

from __future__ import annotations

from django.http import Http404

from clinic.models import Role, User

from .models import AccessEvent


def get_access_event_for(user: User, event_id: int, *, patient=None) -> AccessEvent:
    """An event of the portal patient's log: `patient`, the one the page shows (the signed-in
    patient's own, or someone they act for, as `proxies.acting.portal_area` decided), by
    default the signed-in patient's own."""
    event = None
    if user.role == Role.PATIENT:
        patient_id = patient.pk if patient is not None else user.patient.pk
        event = (
            AccessEvent.objects.select_related("actor")
            .filter(patient_id=patient_id, pk=event_id)
            .first()
        )
    if event is None:
        raise Http404("No such event in your access log.")
    return event
