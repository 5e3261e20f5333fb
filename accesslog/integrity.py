"""Checking that the access log is intact: hash chains and signed checkpoints.

`create_checkpoint` (beat, hourly) signs every chain head with Ed25519. `verify_patient_log`
recomputes a patient's chain and checks it still contains the head recorded in the latest
checkpoint, so a rewritten (even with every hash recomputed) or truncated chain is caught.

The signing key comes from `ACCESS_LOG_SIGNING_KEY` (base64 of a 32-byte Ed25519 private key).
Without it, a development key is generated once into `ACCESS_LOG_KEY_FILE`.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from patients.models import Patient

from .chain import ChainProblem, verify_chain
from .models import AccessChainHead, AccessEvent, AccessLogCheckpoint

# --- keys ---------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@cache
def _key_from_setting(value: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(value, validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as error:
        raise ImproperlyConfigured(
            "ACCESS_LOG_SIGNING_KEY must be the base64 of a 32-byte Ed25519 private key "
            "(python manage.py access_log_key --generate)."
        ) from error


def signing_key() -> Ed25519PrivateKey:
    if settings.ACCESS_LOG_SIGNING_KEY:
        return _key_from_setting(settings.ACCESS_LOG_SIGNING_KEY)
    if settings.PRODUCTION:
        raise ImproperlyConfigured("ACCESS_LOG_SIGNING_KEY must be set in production.")
    path = settings.ACCESS_LOG_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(_b64(raw))
    return _key_from_setting(path.read_text().strip())


def public_key_b64() -> str:
    return _b64(signing_key().public_key().public_bytes_raw())


# --- checkpoints --------------------------------------------------------------------------------


def _payload(created_at: dt.datetime, heads: dict) -> bytes:
    body = {"created_at": created_at.astimezone(dt.UTC).isoformat(), "heads": heads}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@transaction.atomic
def create_checkpoint() -> AccessLogCheckpoint:
    heads = {
        str(patient_id): [sequence, digest]
        for patient_id, sequence, digest in AccessChainHead.objects.filter(sequence__gt=0)
        .order_by("patient_id")
        .values_list("patient_id", "sequence", "hash")
    }
    created_at = timezone.now()
    key = signing_key()
    signature = key.sign(_payload(created_at, heads))
    return AccessLogCheckpoint.objects.create(
        created_at=created_at,
        heads=heads,
        public_key=_b64(key.public_key().public_bytes_raw()),
        signature=_b64(signature),
    )


def checkpoint_signature_valid(checkpoint: AccessLogCheckpoint) -> bool:
    """The signature must verify with *our* key (not just the key stored beside it)."""
    expected = public_key_b64()
    if checkpoint.public_key != expected:
        return False
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(expected))
    try:
        public.verify(
            base64.b64decode(checkpoint.signature),
            _payload(checkpoint.created_at, checkpoint.heads),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def check_against_checkpoint(
    patient_id: int, checkpoint: AccessLogCheckpoint
) -> ChainProblem | None:
    recorded = checkpoint.heads.get(str(patient_id))
    if recorded is None:
        return None
    sequence, digest = recorded
    event_hash = (
        AccessEvent.objects.filter(patient_id=patient_id, sequence=sequence)
        .values_list("hash", flat=True)
        .first()
    )
    if event_hash is None:
        return ChainProblem(
            patient_id, sequence, "it was in the signed checkpoint but is missing (log truncated)"
        )
    if event_hash != digest:
        return ChainProblem(
            patient_id, sequence, "it differs from the signed checkpoint (log rewritten)"
        )
    return None


@dataclass(frozen=True)
class IntegrityReport:
    intact: bool
    checked_at: dt.datetime
    problem: ChainProblem | None = None
    checkpoint_at: dt.datetime | None = None
    detail: str = ""


def verify_patient_log(patient: Patient) -> IntegrityReport:
    now = timezone.now()
    problem = verify_chain(patient.pk)
    if problem is not None:
        return IntegrityReport(False, now, problem, detail=str(problem))
    checkpoint = AccessLogCheckpoint.objects.order_by("-created_at", "-id").first()
    if checkpoint is None:
        return IntegrityReport(True, now)
    if not checkpoint_signature_valid(checkpoint):
        return IntegrityReport(
            False,
            now,
            checkpoint_at=checkpoint.created_at,
            detail="the latest signed checkpoint does not verify",
        )
    problem = check_against_checkpoint(patient.pk, checkpoint)
    return IntegrityReport(
        problem is None, now, problem, checkpoint.created_at, str(problem) if problem else ""
    )


def verify_all() -> list[str]:
    """Every problem in the whole log (used by `manage.py verify_access_log`)."""
    problems: list[str] = []
    checkpoint = AccessLogCheckpoint.objects.order_by("-created_at", "-id").first()
    if checkpoint is not None and not checkpoint_signature_valid(checkpoint):
        problems.append(
            f"checkpoint of {checkpoint.created_at:%Y-%m-%d %H:%M}: signature does not verify"
        )
        checkpoint = None
    patient_ids = set(AccessChainHead.objects.values_list("patient_id", flat=True))
    if checkpoint is not None:
        patient_ids |= {int(pk) for pk in checkpoint.heads}
    patient_ids |= set(
        AccessEvent.objects.order_by().values_list("patient_id", flat=True).distinct()
    )
    for patient_id in sorted(patient_ids):
        problem = verify_chain(patient_id)
        if problem is None and checkpoint is not None:
            problem = check_against_checkpoint(patient_id, checkpoint)
        if problem is not None:
            problems.append(str(problem))
    return problems
