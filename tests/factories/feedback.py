"""Feedback builders: concerns made through the services, walked to the state asked for."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from feedback import services
from feedback.models import Grievance, GrievanceStatus

from .consent import frozen_time

STEPS = [GrievanceStatus.ACKNOWLEDGED, GrievanceStatus.INVESTIGATING, GrievanceStatus.RESOLVED]


def concern(
    patient,
    *,
    officer=None,
    status: str = GrievanceStatus.RECEIVED,
    at: dt.datetime | None = None,
    description: str = "I do not know who looked at my record.",
    access_event=None,
) -> Grievance:
    """A concern raised by `patient` at `at` (now by default), moved by `officer` up to `status`."""
    with frozen_time(at or timezone.now()):
        grievance = services.raise_grievance(
            patient=patient, description=description, access_event=access_event
        )
        for step in STEPS:
            if status in (grievance.status, GrievanceStatus.WITHDRAWN):
                break
            if step == GrievanceStatus.ACKNOWLEDGED:
                services.acknowledge_grievance(grievance=grievance, officer=officer)
            elif step == GrievanceStatus.INVESTIGATING:
                services.start_investigation(grievance=grievance, officer=officer)
            else:
                services.resolve_grievance(
                    grievance=grievance,
                    officer=officer,
                    contact_person=officer.display_name,
                    investigation_steps="We checked the access log with the physician.",
                    results="The look was part of your care.",
                    completed_on=timezone.localdate(),
                )
            grievance.refresh_from_db()
        if status == GrievanceStatus.WITHDRAWN:
            services.withdraw_grievance(grievance=grievance, patient=patient)
            grievance.refresh_from_db()
    return grievance
