"""What onboarding adds to the navigation, the staff home and the patient's first steps."""

from __future__ import annotations

from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.decorators import ONBOARDING_ROLES
from clinic.i18n import day_month
from clinic.models import Role

from .models import ChecklistItem, ChecklistOutcome, OnboardingVisit, Patient

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
    try:
        resolve(path)
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


def portal_steps(patient: Patient) -> list[dict]:
    """The tools introduced at the visit, as links into the portal. A step is done when the
    patient has used it themself; one shown at the visit but not used yet says so."""
    visit = (
        patient.onboarding_visits.completed()
        .prefetch_related("checklist_items")
        .order_by("-completed_at")
        .first()
    )
    shown = {entry.item: entry for entry in visit.checklist_items.all()} if visit else {}
    used = dict(patient.portal_steps.values_list("item", "done_at"))
    steps = []
    for item, (label, path) in PORTAL_PLACES.items():
        if not _exists(path):
            continue  # not in the portal yet: never a step the patient cannot take
        entry = shown.get(item)
        if item in used:
            hint = gettext("You did this on %(day)s.") % {"day": day_month(used[item])}
        elif entry is not None and entry.outcome == ChecklistOutcome.EXPLAINED:
            hint = gettext("Shown at your visit on %(day)s: try it.") % {
                "day": day_month(entry.recorded_at)
            }
        elif entry is not None:
            hint = gettext("You chose to skip this at your visit. Have a look when you are ready.")
        else:
            hint = ""
        steps.append({"label": str(label), "url": path, "done": item in used, "hint": hint})
    return steps


def portal_sections(patient: Patient) -> list[dict]:
    """The next appointment, on the home page (one query)."""
    upcoming = patient.appointments.for_listing().upcoming().first()
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
