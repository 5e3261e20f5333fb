"""The dashboard's figures: one query per chart, whatever the data size. Each returns a
`Chart` (rows for the SVG, the table and the CSV). Survey figures hide any group of fewer than
MIN_GROUP_SIZE responses, so no figure points at one patient."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

from clinic.clock import business_days_between
from clinic.models import Site
from consent.models import EmergencyAccess, ReviewOutcome
from education.models import Question
from feedback.models import (
    MIN_GROUP_SIZE,
    Grievance,
    GrievanceStatus,
    SurveyResponse,
)
from notifications.models import Notification, NotificationKind
from patients.models import OnboardingVisit, Patient, VisitStatus

# A response is in the top box when it scores at least this much out of 100 (for the System
# Usability Scale, 80 is about where the top grade, "A", begins on Sauro and Lewis's scale).
TOP_BOX_SCORE = 80
# SVG geometry: each bar's row height, and the width of a full-scale bar.
BAR_STEP, BAR_AREA, BAR_X = 24, 300, 320


@dataclass(frozen=True)
class Filters:
    site: Site | None
    start: dt.datetime
    end: dt.datetime


@dataclass
class Row:
    label: str
    value: float
    display: str
    extra: dict = field(default_factory=dict)


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    columns: list[str]
    rows: list[Row]
    note: str = ""
    unit_max: float | None = None  # the bar scale; the largest value by default

    @property
    def scale(self) -> float:
        return self.unit_max or max((row.value for row in self.rows), default=0) or 1

    @property
    def bars(self) -> list[dict]:
        """Geometry for the SVG: one bar per row, BAR_AREA wide at the top of the scale."""
        return [
            {
                "row": row,
                "y": index * BAR_STEP,
                "text_y": index * BAR_STEP + 15,
                "width": round(row.value / self.scale * BAR_AREA, 1),
                "mid_y": index * BAR_STEP + 9,
                "low_x": round(BAR_X + row.extra["low"] * BAR_AREA, 1)
                if "low" in row.extra
                else None,
                "high_x": round(BAR_X + row.extra["high"] * BAR_AREA, 1)
                if "high" in row.extra
                else None,
            }
            for index, row in enumerate(self.rows)
        ]

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * BAR_STEP


def wilson_interval(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (good for small groups and 0% or 100%)."""
    if total == 0:
        return (0.0, 0.0)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def onboarding_funnel(filters: Filters) -> Chart:
    """Patients registered in the period: booked a first visit → visit completed → activated →
    two-step verification on; and the median days from completed visit to activation."""
    patients = Patient.objects.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    if filters.site:
        patients = patients.filter(site=filters.site)
    completed = OnboardingVisit.objects.filter(
        patient=OuterRef("pk"), status=VisitStatus.COMPLETED
    ).order_by("completed_at")
    rows = patients.annotate(
        booked=Exists(OnboardingVisit.objects.filter(patient=OuterRef("pk"))),
        visit_completed_at=completed.values("completed_at")[:1],
        mfa=Exists(Authenticator.objects.filter(user_id=OuterRef("user_id"))),
    ).values_list("booked", "visit_completed_at", "user__date_joined", "mfa")
    booked = done = activated = mfa = 0
    days: list[float] = []
    for has_booking, completed_at, joined, has_mfa in rows:
        booked += bool(has_booking)
        done += completed_at is not None
        activated += joined is not None
        mfa += bool(joined is not None and has_mfa)
        if completed_at is not None and joined is not None and joined >= completed_at:
            days.append((joined - completed_at).total_seconds() / 86400)
    median = statistics.median(days) if days else None
    steps = [
        ("Booked a first visit", booked),
        ("First visit completed", done),
        ("Portal account activated", activated),
        ("Two-step verification on", mfa),
    ]
    return Chart(
        slug="onboarding",
        title="Onboarding funnel",
        description="Patients registered in the period, by how far they have come.",
        columns=["Step", "Patients"],
        rows=[Row(label, count, str(count)) for label, count in steps],
        note=(
            f"Median time from completed visit to activation: {median:.1f} days "
            f"({len(days)} patients)."
            if median is not None
            else "No patient has activated an account after a completed visit in this period."
        ),
    )


def survey_top_box(filters: Filters) -> Chart:
    """Trust pulse and usability by quarter: the share of responses in the top box, with 95%
    Wilson intervals; quarters with fewer than MIN_GROUP_SIZE responses are hidden."""
    responses = SurveyResponse.objects.filter(
        submitted_at__gte=filters.start, submitted_at__lt=filters.end
    )
    if filters.site:
        responses = responses.filter(site=filters.site)
    groups = (
        responses.annotate(quarter=TruncQuarter("submitted_at"))
        .values("instrument__slug", "instrument__name", "quarter")
        .annotate(total=Count("id"), top=Count("id", filter=Q(score__gte=TOP_BOX_SCORE)))
        .filter(total__gte=MIN_GROUP_SIZE)
        .order_by("instrument__slug", "quarter")
    )
    rows = []
    for group in groups:
        share = group["top"] / group["total"]
        low, high = wilson_interval(group["top"], group["total"])
        quarter = group["quarter"]
        label = f"{group['instrument__name']} — {quarter.year} Q{(quarter.month - 1) // 3 + 1}"
        rows.append(
            Row(
                label,
                share,
                f"{_pct(share)} (95% CI {_pct(low)}–{_pct(high)}; {group['total']} responses)",
                {"low": low, "high": high, "responses": group["total"], "top": group["top"]},
            )
        )
    return Chart(
        slug="surveys",
        title="Trust and usability, top box by quarter",
        description=f"Share of survey responses scoring {TOP_BOX_SCORE} or more out of 100.",
        columns=["Survey and quarter", "Top box (95% interval, responses)"],
        rows=rows,
        note=f"Groups with fewer than {MIN_GROUP_SIZE} responses are not shown.",
        unit_max=1,
    )


def concerns(filters: Filters) -> Chart:
    """Concerns received in the period by status, and the on-time rate per deadline among those
    whose deadline has come (met, or passed)."""
    now = timezone.now()
    found = Grievance.objects.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    if filters.site:
        found = found.filter(patient__site=filters.site)
    answered_at = Q(resolved_at__isnull=False) | Q(extended_at__isnull=False)
    counts = found.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in GrievanceStatus.values},
        ack_due=Count("id", filter=Q(acknowledged_at__isnull=False) | Q(acknowledge_by__lt=now)),
        ack_on_time=Count("id", filter=Q(acknowledged_at__lte=F("acknowledge_by"))),
        answer_due=Count("id", filter=answered_at | Q(respond_by__lt=now)),
        answer_on_time=Count(
            "id",
            filter=Q(resolved_at__lte=F("respond_by")) | Q(extended_at__lte=F("respond_by")),
        ),
        resolve_due=Count("id", filter=Q(resolved_at__isnull=False) | Q(resolve_by__lt=now)),
        resolve_on_time=Count("id", filter=Q(resolved_at__lte=F("resolve_by"))),
    )
    rows = [
        Row(f"Status: {GrievanceStatus(status).label}", counts[status], str(counts[status]))
        for status in GrievanceStatus.values
    ]
    for key, label in (
        ("ack", "Acknowledged on time"),
        ("answer", "Written answer or extension notice on time"),
        ("resolve", "Resolved on time"),
    ):
        due, on_time = counts[f"{key}_due"], counts[f"{key}_on_time"]
        share = on_time / due if due else 0
        rows.append(
            Row(
                label,
                share,
                f"{_pct(share)} ({on_time} of {due})" if due else "none due yet",
                {"rate": True},
            )
        )
    return Chart(
        slug="concerns",
        title="Concerns and deadlines",
        description="Concerns received in the period, by status, and how often each deadline "
        "was met.",
        columns=["Figure", "Value"],
        rows=rows,
    )


def access_notifications(filters: Filters) -> Chart:
    """Notifications about looks at records, by month: written, and emailed."""
    found = Notification.objects.filter(
        kind__in=[NotificationKind.RECORD_ACCESS, NotificationKind.EMERGENCY_ACCESS],
        created_at__gte=filters.start,
        created_at__lt=filters.end,
    )
    if filters.site:
        found = found.filter(recipient__patient__site=filters.site)
    months = (
        found.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(total=Count("id"), emailed=Count("id", filter=Q(email_sent_at__isnull=False)))
        .order_by("month")
    )
    return Chart(
        slug="notifications",
        title="Patients told about looks at their record",
        description="Notifications about reads of a record (including emergency access), by month.",
        columns=["Month", "Notifications (emailed)"],
        rows=[
            Row(
                f"{m['month']:%B %Y}",
                m["total"],
                f"{m['total']} ({m['emailed']} emailed)",
                {"emailed": m["emailed"]},
            )
            for m in months
        ],
    )


def emergency_access(filters: Filters) -> Chart:
    found = EmergencyAccess.objects.filter(opened_at__gte=filters.start, opened_at__lt=filters.end)
    if filters.site:
        found = found.filter(patient__site=filters.site)
    counts = found.aggregate(
        opened=Count("id"),
        alerted=Count("id", filter=~Q(alert="")),
        pending=Count("id", filter=Q(review_outcome=ReviewOutcome.PENDING)),
        appropriate=Count("id", filter=Q(review_outcome=ReviewOutcome.APPROPRIATE)),
        inappropriate=Count("id", filter=Q(review_outcome=ReviewOutcome.INAPPROPRIATE)),
    )
    labels = [
        ("opened", "Emergency accesses opened"),
        ("alerted", "Repeat openings alerted at once"),
        ("pending", "Waiting for review"),
        ("appropriate", "Reviewed: appropriate"),
        ("inappropriate", "Reviewed: inappropriate"),
    ]
    return Chart(
        slug="emergency",
        title="Emergency access",
        description="Break-glass openings in the period, repeat openings and review outcomes.",
        columns=["Figure", "Count"],
        rows=[Row(label, counts[key], str(counts[key])) for key, label in labels],
    )


def education_questions(filters: Filters) -> Chart:
    """Questions asked in the period: answered within EDUCATION_QUESTION_DAYS business days,
    answered later, still waiting."""
    found = Question.objects.filter(asked_at__gte=filters.start, asked_at__lt=filters.end)
    if filters.site:
        found = found.filter(assignment__patient__site=filters.site)
    days = settings.EDUCATION_QUESTION_DAYS
    on_time = late = waiting = 0
    for asked_at, answered_at in found.values_list("asked_at", "answered_at"):
        if answered_at is None:
            waiting += 1
        elif business_days_between(asked_at, answered_at) < days:
            on_time += 1
        else:
            late += 1
    return Chart(
        slug="questions",
        title="Questions about articles",
        description=f"Written questions asked in the period; on time means answered within "
        f"{days} working days.",
        columns=["Figure", "Questions"],
        rows=[
            Row("Answered on time", on_time, str(on_time)),
            Row("Answered late", late, str(late)),
            Row("Waiting for an answer", waiting, str(waiting)),
        ],
    )


CHARTS = {
    "onboarding": onboarding_funnel,
    "surveys": survey_top_box,
    "concerns": concerns,
    "notifications": access_notifications,
    "emergency": emergency_access,
    "questions": education_questions,
}
