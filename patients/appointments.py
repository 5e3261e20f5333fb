"""Appointments after the first visit: the front desk books and cancels them, the patient sees
them in the portal (when, where, with whom) and is told of each change. What is sent says only
that an appointment was booked or cancelled and when: where and with whom wait in the portal."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from clinic.i18n import day_time_short
from clinic.models import Role, Site, User

from .models import Appointment, AppointmentStatus, OnboardingVisit, Patient, VisitStatus
from .services import _check_slot, _tell_patient

logger = logging.getLogger(__name__)


class _When:
    """A moment written out in the language active when the notice is written (the patient's)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __str__(self) -> str:
        return day_time_short(self.moment)


# Who a patient can have an appointment with.
APPOINTMENT_ROLES = (Role.PHYSICIAN, Role.FRONT_DESK)


def _check_free(with_staff: User, starts_at: datetime) -> None:
    taken = (
        Appointment.objects.filter(
            with_staff=with_staff, starts_at=starts_at, status=AppointmentStatus.BOOKED
        ).exists()
        or OnboardingVisit.objects.filter(
            staff_member=with_staff,
            starts_at=starts_at,
            status__in=(VisitStatus.SCHEDULED, VisitStatus.CHECKED_IN),
        ).exists()
    )
    if taken:
        raise ValidationError(
            {"time": "That person already has a visit at this time. Choose another time."},
            code="taken",
        )


@transaction.atomic
def book_appointment(
    *,
    patient: Patient,
    site: Site,
    starts_at: datetime,
    with_staff: User,
    kind: str,
    by: User,
) -> Appointment:
    """Book an appointment on the half-hour grid and tell the patient. Booking the same one
    again (a double submit) returns the existing appointment."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    same = Appointment.objects.filter(
        patient=patient,
        starts_at=starts_at,
        with_staff=with_staff,
        site=site,
        status=AppointmentStatus.BOOKED,
    ).first()
    if same is not None:
        return same
    _check_slot(starts_at)
    if not with_staff.is_active or with_staff.role not in APPOINTMENT_ROLES:
        raise ValidationError({"with_staff": "Choose a physician or a front desk colleague."})
    if not site.is_active:
        raise ValidationError({"site": "This site is closed; choose another."})
    _check_free(with_staff, starts_at)
    appointment = Appointment(
        patient=patient,
        site=site,
        starts_at=starts_at,
        with_staff=with_staff,
        kind=kind,
        booked_by=by,
        booked_at=timezone.now(),
    )
    appointment.full_clean()
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        logger.info("appointments: booking refused by a constraint: %s", type(error).__name__)
        raise ValidationError(
            {"time": "Someone booked this time a moment ago. Choose another time."},
            code="taken",
        ) from error
    if patient.user_id is not None:
        _tell_patient(
            patient,
            by=by,
            at=appointment.booked_at,
            what=gettext_noop(
                "booked an appointment for you on %(details)s. Sign in to see where and with whom."
            ),
            details=(_When(starts_at),),
            link=reverse("portal:appointments"),
        )
    logger.info("appointments: appointment %s booked by user %s", appointment.pk, by.pk)
    return appointment


@transaction.atomic
def cancel_appointment(*, appointment: Appointment, by: User) -> Appointment:
    """Cancel a booked appointment still to come and tell the patient. Cancelling it again is a
    no-op."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == AppointmentStatus.CANCELLED:
        return appointment
    now = timezone.now()
    if appointment.starts_at <= now:
        raise ValidationError("This appointment has already started or passed.", code="past")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_by, appointment.cancelled_at = by, now
    appointment.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    patient = appointment.patient
    if patient.user_id is not None:
        _tell_patient(
            patient,
            by=by,
            at=now,
            what=gettext_noop("cancelled your appointment of %(details)s."),
            details=(_When(appointment.starts_at),),
            link=reverse("portal:appointments"),
        )
    logger.info("appointments: appointment %s cancelled by user %s", appointment.pk, by.pk)
    return appointment


def appointments_for_patient(patient: Patient, now: datetime | None = None) -> dict:
    """What the patient's appointments page shows: the first visit, what is to come, and the
    last few that passed or were cancelled."""
    now = now or timezone.now()
    everything = list(patient.appointments.for_listing().order_by("-starts_at")[:50])
    upcoming = sorted(
        (a for a in everything if a.status == AppointmentStatus.BOOKED and a.starts_at >= now),
        key=lambda a: a.starts_at,
    )
    earlier = [a for a in everything if a not in upcoming][:10]
    first_visit = (
        patient.onboarding_visits.select_related("site", "staff_member__staff_profile")
        .exclude(status=VisitStatus.CANCELLED)
        .order_by("-starts_at")
        .first()
    )
    return {"upcoming": upcoming, "earlier": earlier, "first_visit": first_visit}
