"""Loading a concern for the person asking: 404 for anyone it does not belong to."""

from __future__ import annotations

from django.http import Http404

from clinic.models import Role

from .models import Grievance, SurveyInvitation


def get_grievance_for(user, pk: int, *, patient=None) -> Grievance:
    """A concern of the portal's patient (`patient`: the one the page shows, the signed-in
    patient's own or someone they act for, as `proxies.acting.portal_area` decided; by default
    their own), or any concern for a privacy officer; 404 otherwise."""
    concerns = Grievance.objects.select_related(
        "patient", "access_event", "recorded_by__staff_profile"
    )
    if user.role == Role.PRIVACY_OFFICER:
        concerns = concerns.all()
    else:
        own = getattr(user, "patient", None)
        if own is None:
            raise Http404
        concerns = concerns.filter(patient=patient if patient is not None else own)
    try:
        return concerns.get(pk=pk)
    except Grievance.DoesNotExist:
        raise Http404 from None


def get_invitation_for(user, pk: int) -> SurveyInvitation:
    """One of the signed-in patient's own survey invitations; 404 for anyone else."""
    patient = getattr(user, "patient", None)
    if patient is None:
        raise Http404
    invitation = (
        SurveyInvitation.objects.select_related("instrument").filter(pk=pk, patient=patient).first()
    )
    if invitation is None:
        raise Http404
    return invitation
