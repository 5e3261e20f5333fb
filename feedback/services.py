from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from clinic.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notify
from patients.models import Patient

from .models import Grievance


@transaction.atomic
def raise_grievance(
    *, patient: Patient, description: str, access_event: AccessEvent | None = None
) -> Grievance:
    if access_event is not None and access_event.patient_id != patient.pk:
        raise ValueError("That access event is not in this patient's log.")
    now = timezone.now()
    grievance = Grievance(
        patient=patient,
        access_event=access_event,
        description=description.strip(),
        created_at=now,
        acknowledge_by=now + dt.timedelta(days=settings.GRIEVANCE_ACKNOWLEDGE_DAYS),
        respond_by=now + dt.timedelta(days=settings.GRIEVANCE_RESPONSE_DAYS),
    )
    grievance.full_clean()
    grievance.save()
    about = "a look at their record" if access_event else "their care or the portal"
    raised, due = timezone.localtime(now), timezone.localtime(grievance.acknowledge_by)
    for officer in User.objects.filter(staff_profile__role=Role.PRIVACY_OFFICER, is_active=True):
        notify(
            recipient=officer,
            kind=NotificationKind.CONCERN_RAISED,
            message=f"A patient raised a concern about {about} on {raised:%-d %b at %H:%M}. "
            f"Please acknowledge it by {due:%-d %b}.",
            link=reverse("staff:grievances"),
        )
    return grievance
