"""What onboarding adds to the navigation, the staff home and the patient's first steps."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db.models import Exists, Subquery
from django.urls import Resolver404, get_urlconf, resolve, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.decorators import ONBOARDING_ROLES
from clinic.i18n import day_month
from clinic.models import Role
from clinic.prepared import DATETIME, INT, PreparedQuery

from .models import (
    Appointment,
    ChecklistItem,
    ChecklistOutcome,
    OnboardingChecklistEntry,
    OnboardingVisit,
    Patient,
    PortalStep,
)

NAV_ITEMS = [
    (10, "Onboarding", "staff:onboarding", ONBOARDING_ROLES),
    (30, "Admin audit", "staff:admin_audit", (Role.PRIVACY_OFFICER,)),
]

# Where each item of the tools introduction lives in the portal: the stable URLs of DESIGN.md.
# Signing in and two-step verification is shown by the portal home itself.
PORTAL_PLACES: dict[str, tuple[str, str]] = {
    ChecklistItem.SHARING: (_("Review who can see your record"), "/portal/sharing/"),
    ChecklistItem.ACCESS_LOG: (
        _("Look at your access log and choose your notifications"),
        "/portal/access-log/",
    ),
    ChecklistItem.EDUCATION: (_("Browse the education library"), "/portal/education/"),
    ChecklistItem.FEEDBACK: (_("Give feedback or raise a concern"), "/portal/feedback/"),
    ChecklistItem.EXPORT: (_("Download a copy of your data"), "/portal/export/fhir/"),
}


def _exists(path: str) -> bool:
    """Only offer portal pages that exist (some arrive with later features)."""
    return _resolves(path, get_urlconf(), settings.ROOT_URLCONF)


@functools.cache
def _resolves(path: str, urlconf, root_urlconf: str) -> bool:
    """Whether `path` is a page: the same answer for a URL configuration, so asked once."""
    try:
        resolve(path, urlconf)
    except Resolver404:
        return False
    return True


def staff_steps(user) -> list[dict]:
    if user.role not in ONBOARDING_ROLES:
        return []
    still_to_see = OnboardingVisit.objects.on_day(timezone.localdate()).open().count()
    return [
        {
            "label": "See today's onboarding visits",
            "url": reverse("staff:onboarding"),
            "hint": f"{still_to_see} still to see today" if still_to_see else "none left today",
        },
        {"label": "Register a new patient", "url": reverse("staff:onboarding_patient_create")},
        {
            "label": "Find a patient and book their first visit",
            "url": reverse("staff:onboarding_patients"),
        },
    ]


def portal_figures(*, patient_id: int, now, **_ids) -> dict:
    """For the first steps: when the patient first used each tool, and what the latest completed
    visit recorded for it (explained or declined, and when); whether an appointment is booked.
    Read on the patient's home with every other app's figures (patients.views.home_figures)."""
    latest_visit = (
        OnboardingVisit.objects.filter(patient=patient_id)
        .completed()
        .order_by("-completed_at", "-id")
        .values("pk")[:1]
    )
    figures = {}
    for item in ChecklistItem:
        used = PortalStep.objects.filter(patient=patient_id, item=item)
        shown = OnboardingChecklistEntry.objects.filter(visit=Subquery(latest_visit), item=item)
        figures[f"patients_used_{item}"] = Subquery(used.values("done_at")[:1])
        figures[f"patients_shown_{item}"] = Subquery(shown.values("outcome")[:1])
        figures[f"patients_shown_at_{item}"] = Subquery(shown.values("recorded_at")[:1])
    figures["patients_booked"] = Exists(
        Appointment.objects.filter(patient=patient_id).upcoming(now).order_by()
    )
    return figures


def portal_steps(patient: Patient, figures: dict) -> list[dict]:
    """The tools introduced at the visit, as links into the portal. A step is done when the
    patient has used it themself; one shown at the visit but not used yet says so."""
    steps = []
    for item, (label, path) in PORTAL_PLACES.items():
        if not _exists(path):
            continue  # not in the portal yet: never a step the patient cannot take
        used = figures.get(f"patients_used_{item}")
        shown = figures.get(f"patients_shown_{item}")
        if used is not None:
            hint = gettext("You did this on %(day)s.") % {"day": day_month(used)}
        elif shown == ChecklistOutcome.EXPLAINED:
            hint = gettext("Shown at your visit on %(day)s: try it.") % {
                "day": day_month(figures[f"patients_shown_at_{item}"])
            }
        elif shown is not None:
            hint = gettext("You chose to skip this at your visit. Have a look when you are ready.")
        else:
            hint = ""
        steps.append({"label": str(label), "url": path, "done": used is not None, "hint": hint})
    return steps


def _next_appointment(patient_id: int, now):
    return (
        Appointment.objects.filter(patient=patient_id)
        .select_related("site", "with_staff__staff_profile")
        .upcoming(now)[:1]
    )


# On every patient's home page with an appointment booked: built and compiled once per process
# (clinic/prepared.py).
_NEXT_APPOINTMENT = PreparedQuery(_next_appointment, patient_id=INT, now=DATETIME)


def portal_sections(patient: Patient, figures: dict) -> list[dict]:
    """The next appointment, on the home page (one query when one is booked)."""
    booked = figures.get("patients_booked", True)  # unknown: look
    found = _NEXT_APPOINTMENT(patient_id=patient.pk, now=timezone.now()) if booked else []
    upcoming = found[0] if found else None
    if upcoming is None:
        text = gettext("You have no appointments booked.")
    else:
        local = timezone.localtime(upcoming.starts_at)
        text = gettext("Your next appointment: %(when)s at %(site)s, with %(person)s.") % {
            "when": date_format(local, "l j F, H:i"),
            "site": upcoming.site.name,
            "person": upcoming.with_staff.display_name,
        }
    return [
        {
            "title": gettext("Your appointments"),
            "text": text,
            "links": [
                {"label": gettext("See your appointments"), "url": reverse("portal:appointments")}
            ],
        }
    ]
