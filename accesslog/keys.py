"""The checkpoint signing key, the keys we trust, the log's name and the patients' pseudonyms.

The signing key comes from `ACCESS_LOG_SIGNING_KEY` (base64 of a 32-byte Ed25519 private key).
Without it, outside production, a development key is generated once into `ACCESS_LOG_KEY_FILE`.
After a rotation the old public keys stay trusted and listed (`ACCESS_LOG_RETIRED_PUBLIC_KEYS`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from .note import fingerprint, key_id, verifier_key


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


def current_public_key() -> bytes:
    return signing_key().public_key().public_bytes_raw()


def public_key_b64() -> str:
    return _b64(current_public_key())


def origin() -> str:
    """The log's name: the first line of each checkpoint, and the signing key's name."""
    if settings.ACCESS_LOG_ORIGIN:
        return settings.ACCESS_LOG_ORIGIN
    host = urlsplit(settings.PORTAL_BASE_URL).netloc or "rapport.example"
    return f"{host}/access-log"


@dataclass(frozen=True)
class TrustedKey:
    public_raw: bytes
    current: bool

    @property
    def base64(self) -> str:
        return _b64(self.public_raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    @property
    def key_id(self) -> str:
        return key_id(origin(), self.public_raw).hex()

    @property
    def verifier_key(self) -> str:
        return verifier_key(origin(), self.public_raw)


def trusted_keys() -> list[TrustedKey]:
    """The current key first, then every retired one: the only keys verification accepts."""
    keys = [TrustedKey(current_public_key(), current=True)]
    for value in settings.ACCESS_LOG_RETIRED_PUBLIC_KEYS:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ImproperlyConfigured(
                "ACCESS_LOG_RETIRED_PUBLIC_KEYS holds base64 Ed25519 public keys."
            ) from None
        if len(raw) != 32:
            raise ImproperlyConfigured("ACCESS_LOG_RETIRED_PUBLIC_KEYS holds 32-byte keys.")
        if raw != keys[0].public_raw:
            keys.append(TrustedKey(raw, current=False))
    return keys


def _pseudonym_mac():
    """The keyed hash, keyed and not yet fed: each pseudonym is a copy of it fed one message."""
    if settings.ACCESS_LOG_PSEUDONYM_KEY:
        return hmac.new(settings.ACCESS_LOG_PSEUDONYM_KEY.encode(), digestmod=hashlib.sha256)
    return salted_hmac("rapport.accesslog.pseudonym", b"", algorithm="sha256")


def pseudonyms(patient_ids) -> dict[int, str]:
    """`pseudonym` of many patients, keying the hash once (a checkpoint names thousands)."""
    keyed = _pseudonym_mac()
    names = {}
    for patient_id in patient_ids:
        mac = keyed.copy()
        mac.update(f"rapport-access-log-patient:{patient_id}".encode())
        names[patient_id] = mac.hexdigest()
    return names


def pseudonym(patient_id: int) -> str:
    """The patient's name in the public tree: a keyed hash, so nobody without the key can tell
    whose leaf is whose, and the patient's own bundle shows theirs."""
    return pseudonyms([patient_id])[patient_id]
