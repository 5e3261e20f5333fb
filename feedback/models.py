"""Patients' concerns and grievances, answered on a clock."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from patients.models import Patient


class GrievanceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Being investigated"
    RESOLVED = "resolved", "Resolved"


class Grievance(models.Model):
    """A concern raised by a patient, possibly about one look at their record they do not
    recognise. Due dates come from the service levels in settings."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="grievances")
    access_event = models.ForeignKey(
        "accesslog.AccessEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    description = models.TextField(max_length=5000)
    status = models.CharField(
        max_length=20, choices=GrievanceStatus.choices, default=GrievanceStatus.RECEIVED
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateTimeField()
    respond_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(max_length=5000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"Grievance #{self.pk}"
