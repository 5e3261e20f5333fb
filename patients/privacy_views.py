"""What administrators did to patients' accounts and records in Django admin, for privacy
officers: nobody may quietly act as a patient."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.decorators import privacy_officer_required
from clinic.models import User

from .models import Patient


def admin_actions_on_patients():
    """Admin log entries about a patient's account or their patient details, newest first."""
    user_type = ContentType.objects.get_for_model(User)
    patient_type = ContentType.objects.get_for_model(Patient)
    is_patient_account = Exists(
        Patient.objects.filter(user_id=Cast(OuterRef("object_id"), BigIntegerField()))
    )
    return (
        LogEntry.objects.filter(Q(content_type=patient_type) | Q(content_type=user_type))
        .alias(patient_account=is_patient_account)
        .filter(Q(content_type=patient_type) | Q(patient_account=True))
        .select_related("user__staff_profile", "content_type")
        .order_by("-action_time", "-id")
    )


@privacy_officer_required
def admin_audit(request: HttpRequest) -> HttpResponse:
    page = Paginator(admin_actions_on_patients(), 50).get_page(request.GET.get("page"))
    return render(request, "patients/privacy_admin_audit.html", {"page": page})
