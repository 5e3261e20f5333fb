"""The access log: every read of record content, hash-chained per patient, and the signed
checkpoints of the chains' heads.

An event points at the consent grant or emergency access that allowed the read. Those live in
`consent`, above this app: the foreign keys name them as "consent.<Model>" so the log's code
never depends on consent's, while consent's read path (`consent.access`) writes here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from patients.models import Patient, RecordCategory, RecordEntry

# The hash versions an event may carry (see `accesslog.chain.CANONICAL_FIELDS`). New events are
# written with the newest; older events keep verifying under the version they were written with.
HASH_VERSIONS = (1,)
CURRENT_HASH_VERSION = HASH_VERSIONS[-1]


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    EXPORT = "export", "Exported"


class AccessTarget(models.TextChoices):
    RECORD = "record", "Record overview"
    CATEGORY = "category", "One category"
    ENTRY = "entry", "Entry"
    DOCUMENT = "document", "Document"
    EXPORT = "export", "Full record export"


class AccessBasis(models.TextChoices):
    SELF = "self", "Your own access"
    GRANT = "grant", "Your consent"
    EMERGENCY = "emergency", "Emergency access"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessEventQuerySet(AppendOnlyQuerySet):
    def for_patient(self, patient: Patient) -> AccessEventQuerySet:
        return self.filter(patient=patient)

    def with_people(self) -> AccessEventQuerySet:
        return self.select_related("actor__staff_profile", "grant", "emergency", "entry")


class AccessEvent(models.Model):
    """One read of record content. Append-only and hash-chained per patient: `hash` is SHA-256
    over the canonical fields of its `hash_version` and `prev_hash` (see `accesslog.chain`)."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role).
    app_role_privileges = ("SELECT", "INSERT")

    # Three foreign keys skip their own index: (patient, sequence), (patient, -occurred_at) and
    # (patient, actor, -occurred_at) already serve every lookup, and each index costs every append.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="access_events", db_index=False
    )
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_events",
        db_index=False,
    )
    actor_role = models.CharField(max_length=20)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    target = models.CharField(max_length=10, choices=AccessTarget.choices)
    entry = models.ForeignKey(
        RecordEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
        db_index=False,
    )
    category = models.CharField(max_length=20, choices=RecordCategory.choices, blank=True)
    purpose = models.CharField(max_length=200)
    basis = models.CharField(max_length=10, choices=AccessBasis.choices)
    grant = models.ForeignKey(
        "consent.ConsentGrant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    emergency = models.ForeignKey(
        "consent.EmergencyAccess",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    hash_version = models.PositiveSmallIntegerField(
        default=1, help_text="Which fields the hash covers (accesslog.chain.CANONICAL_FIELDS)."
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "sequence"], name="one_event_per_sequence")
        ]
        indexes = [
            models.Index(fields=["patient", "-occurred_at"]),
            models.Index(fields=["patient", "actor", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"Access event {self.patient_id}/{self.sequence}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class AccessChainHead(models.Model):
    """The newest link of a patient's chain. Appending locks this row, so concurrent writers
    take turns and the chain never forks. On PostgreSQL a trigger lets it move only forward, to
    an event that is there (migration 0005)."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role): no DELETE.
    app_role_privileges = ("SELECT", "INSERT", "UPDATE")

    patient = models.OneToOneField(
        Patient, primary_key=True, on_delete=models.PROTECT, related_name="access_chain_head"
    )
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Chain head of patient {self.patient_id}"


class AccessReader(models.Model):
    """Someone who has read a patient's record at least once, under the name the log gave them.
    Written by `accesslog.chain.append_event` in the event's own transaction, so the log page's
    "Person" choices come from this small table instead of a scan of the whole chain."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role).
    app_role_privileges = ("SELECT", "INSERT")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="access_readers", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(max_length=150)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "actor", "actor_name"], name="one_reader_row_per_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} read patient {self.patient_id}"


class AccessChainVerification(models.Model):
    """How far a patient's chain has been verified link by link: the log page re-hashes only
    the links after this mark (see `accesslog.verified`). A broken link is kept here, so the page
    keeps saying so without re-hashing, and the mark never moves past it."""

    patient = models.OneToOneField(
        Patient, primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField()
    broken_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    broken_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Chain of patient {self.patient_id} verified to {self.sequence}"


class AccessLogCheckpoint(models.Model):
    """A signed snapshot of every chain head. Someone with write access to the database could
    recompute a whole chain or drop its newest events; a checkpoint signed with a key they do
    not hold lets verification notice (see `accesslog.integrity`)."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role).
    app_role_privileges = ("SELECT", "INSERT")

    created_at = models.DateTimeField()
    heads = models.JSONField(help_text='{"<patient id>": [sequence, hash], ...}')
    public_key = models.CharField(max_length=64, help_text="Base64 Ed25519 public key.")
    signature = models.CharField(max_length=128, help_text="Base64 Ed25519 signature.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"Access log checkpoint of {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Checkpoints are append-only.")
