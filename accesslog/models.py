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
HASH_VERSIONS = (1, 2)
CURRENT_HASH_VERSION = HASH_VERSIONS[-1]


def actor_label(name: str, relationship: str) -> str:
    """ "Ana Santos, as your carer" for someone acting for the patient; else the name alone."""
    return f"{name}, as your {relationship}" if relationship else name


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
    PROXY = "proxy", "Acting for you"


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
    # Version 2: a proxy (carer, parent, attorney) reading for the patient, and how the log names
    # them ("Ana Santos, as your carer").
    proxy_access = models.ForeignKey(
        "proxies.ProxyAccess",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
        db_index=False,  # never deleted, never looked up by; an index would cost every append
    )
    actor_relationship = models.CharField(max_length=20, blank=True)
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

    @property
    def actor_label(self) -> str:
        """How the log names who looked: "Ana Santos, as your carer" for a proxy."""
        return actor_label(self.actor_name, self.actor_relationship)


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
    """A signed tree head of the transparency log (see `accesslog.checkpoints`): a C2SP
    tlog-checkpoint over every leaf appended so far, chained to the checkpoint before it.
    Someone with write access to the database can rewrite chains, leaves and rows here, but not
    sign; verification trusts only the configured public keys, never a key stored beside the data.
    The columns repeat what the signed note says, for queries; verification reads the note."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role).
    app_role_privileges = ("SELECT", "INSERT")

    number = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    tree_size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64, help_text="Hex SHA-256 Merkle tree head.")
    previous_hash = models.CharField(
        max_length=64, help_text="Hex SHA-256 of the previous checkpoint's body (zeros: first)."
    )
    key_id = models.CharField(max_length=8, help_text="Hex C2SP key id of the signing key.")
    public_key = models.CharField(max_length=64, help_text="Base64 Ed25519 public key.")
    note = models.TextField(help_text="The C2SP signed note, exactly as signed and published.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"

    def __str__(self) -> str:
        return f"Access log checkpoint {self.number} of {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Checkpoints are append-only.")


class CheckpointLeafQuerySet(AppendOnlyQuerySet):
    def latest_for(self, patient_id: int) -> CheckpointLeaf | None:
        return self.filter(patient_id=patient_id).order_by("-index").first()


class CheckpointLeaf(models.Model):
    """One leaf of the transparency log: a chain head that a checkpoint verified and signed.
    A checkpoint appends a leaf for every chain that moved since the one before, so the tree
    only grows, and a patient's newest leaf is their newest signed head."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role).
    app_role_privileges = ("SELECT", "INSERT")

    index = models.PositiveBigIntegerField(unique=True)
    checkpoint = models.ForeignKey(
        AccessLogCheckpoint, on_delete=models.PROTECT, related_name="leaves", to_field="number"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="checkpoint_leaves", db_index=False
    )
    pseudonym = models.CharField(
        max_length=64, help_text="Keyed hash naming the patient in public (never the MRN)."
    )
    sequence = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    leaf_hash = models.CharField(max_length=64)

    objects = CheckpointLeafQuerySet.as_manager()

    class Meta:
        ordering = ["index"]
        indexes = [models.Index(fields=["patient", "-index"])]

    def __str__(self) -> str:
        return f"Checkpoint leaf {self.index}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Checkpoint leaves are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Checkpoint leaves are append-only.")


class AccessLogAlarm(models.Model):
    """A chain that failed verification: a checkpoint refused to sign over it and the privacy
    officers and administrators were alerted. The patient's page shows it until it is resolved
    (by a person, in the admin, after investigation)."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role): no DELETE.
    app_role_privileges = ("SELECT", "INSERT", "UPDATE")

    patient = models.ForeignKey(
        Patient,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_log_alarms",
        help_text="Empty: the alarm is about the checkpoints, so every patient's log.",
    )
    detected_at = models.DateTimeField()
    sequence = models.PositiveBigIntegerField(help_text="The first link that failed.")
    reason = models.CharField(max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"Access log alarm for patient {self.patient_id} at link {self.sequence}"
