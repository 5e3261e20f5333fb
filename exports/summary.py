"""The printable summary: the same data as the FHIR bundle, for people to read.

It takes its rows from the same selectors as the bundle (`exports.bundle`), so the counts it
shows are the bundle's: record entries (one resource each), sharing choices and open requests
(Consent), emergency accesses and access events (AuditEvent).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from accesslog.models import AccessEvent
from clinic.models import Role
from consent.models import AccessRequest, ConsentGrant, EmergencyAccess, GivenVia
from patients.models import CATEGORY_PLURALS, Patient, RecordCategory, RecordEntry

from .bundle import (
    emergencies_of,
    entries_of,
    events_of,
    export_cutoff,
    grants_of,
    open_requests_of,
)

# A sharing choice's state and a reader's role, in the patient's words.
GRANT_STATUS_LABELS = {
    "active": _("in force"),
    "scheduled": _("not started yet"),
    "expired": _("ended"),
    "revoked": _("stopped by you"),
}
ROLE_LABELS = {value: label for value, label in Role.choices}


@dataclass
class Summary:
    patient: Patient
    categories: list[dict]
    grants: list[dict]
    requests: list[AccessRequest]
    emergencies: list[EmergencyAccess]
    log_by_person_month: list[dict]
    entry_count: int
    event_count: int

    @property
    def consent_count(self) -> int:
        return len(self.grants) + len(self.requests)


def summarise(patient: Patient, export_event: AccessEvent) -> Summary:
    until, sequence = export_cutoff(export_event)
    entries: list[RecordEntry] = list(entries_of(patient, until=until))
    categories = []
    for value, label in RecordCategory.choices:
        in_category = sorted(
            (entry for entry in entries if entry.category == value),
            key=lambda entry: (entry.recorded_on, entry.pk),
            reverse=True,
        )
        categories.append(
            {"label": label, "plural": CATEGORY_PLURALS[value], "entries": in_category}
        )
    grants: list[ConsentGrant] = list(grants_of(patient, until=until))
    grant_rows = [
        {
            "grant": grant,
            "text": grant.describe(until),
            "status": GRANT_STATUS_LABELS[grant.status(until)],
            "in_person": grant.given_via == GivenVia.IN_PERSON,
        }
        for grant in sorted(grants, key=lambda grant: (grant.created_at, grant.pk), reverse=True)
    ]
    events = events_of(patient, up_to_sequence=sequence)
    by_month = list(
        events.order_by()
        .annotate(month=TruncMonth("occurred_at"))
        .values("month", "actor_id", "actor_name", "actor_relationship", "actor_role")
        .annotate(reads=Count("id"))
        .order_by("-month", "actor_name", "actor_id")
    )
    for row in by_month:
        row["actor_role"] = ROLE_LABELS.get(row["actor_role"], row["actor_role"])
    return Summary(
        patient=patient,
        categories=categories,
        grants=grant_rows,
        requests=list(open_requests_of(patient, until=until)),
        emergencies=list(emergencies_of(patient, until=until)),
        log_by_person_month=by_month,
        entry_count=len(entries),
        event_count=sum(row["reads"] for row in by_month),
    )
