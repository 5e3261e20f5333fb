"""Load-and-authorise helpers for access-log objects named by id: 404 for outsiders."""

from __future__ import annotations

from django.http import Http404

from clinic.models import Role, User

from .models import AccessEvent


def get_access_event_for(user: User, event_id: int) -> AccessEvent:
    """An event of the signed-in patient's own log."""
    event = None
    if user.role == Role.PATIENT:
        event = (
            AccessEvent.objects.select_related("actor")
            .filter(patient_id=user.patient.pk, pk=event_id)
            .first()
        )
    if event is None:
        raise Http404("No such event in your access log.")
    return event
