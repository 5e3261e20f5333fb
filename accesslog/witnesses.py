"""Witnesses: other parties that co-sign our checkpoints, so we cannot show one history to a
patient and another to everyone else, or roll the log back, without a witness noticing.

The protocol is C2SP tlog-witness (https://c2sp.org/tlog-witness): for each new checkpoint we POST
to `<submission prefix>/add-checkpoint` the tree size the witness last co-signed (`old N`), a
consistency proof from that size to the new one (RFC 9162 section 2.1.4, `accesslog.merkle`), an
empty line and the signed note. The witness checks our signature and the proof against the state
it keeps, and answers with a co-signature (https://c2sp.org/tlog-cosignature, Ed25519: key id =
SHA-256(name || 0x0A || 0x04 || key)[:4], signature = 8-byte big-endian time || Ed25519 over
"cosignature/v1\\ntime <time>\\n" || the checkpoint body). We keep a co-signature only after it
verifies with the key configured for that witness (`ACCESS_LOG_WITNESS_URLS`).

A witness that answers 409 (it has co-signed a different or a larger tree) or 422 (our proof does
not extend what it has seen) has caught a fork or a rollback: the refusal is stored and privacy
officers and administrators are alerted like any other alarm. A witness that cannot be reached
stores nothing; the Celery task retries a few times, and the next checkpoint's proof covers the gap.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import merkle, note
from .checkpoints import raise_alarms
from .models import AccessLogCheckpoint, CheckpointLeaf, WitnessOutcome, WitnessReply

logger = logging.getLogger(__name__)

COSIGNATURE_ED25519 = b"\x04"
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_RESPONSE_BYTES = 64 * 1024
# A co-signature dated later than this after we received it is refused (the witness's clock, or
# a replayed future statement).
FUTURE_SKEW = dt.timedelta(minutes=10)


class CosignatureError(ValueError):
    """A witness's answer that holds no co-signature we can verify with its configured key."""


def cosignature_key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_ED25519 + public_raw).digest()[:4]


@dataclass(frozen=True)
class Witness:
    name: str
    url: str  # the submission prefix
    public_raw: bytes

    @property
    def key_id(self) -> bytes:
        return cosignature_key_id(self.name, self.public_raw)

    @property
    def verifier_key(self) -> str:
        encoded = base64.b64encode(COSIGNATURE_ED25519 + self.public_raw).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def add_checkpoint_url(self) -> str:
        return self.url.rstrip("/") + "/add-checkpoint"


def parse_witness(item: str) -> Witness:
    """One `ACCESS_LOG_WITNESS_URLS` item: the submission prefix URL, a space, and the witness's
    verifier key `<name>+<hex key id>+<base64(0x04 || Ed25519 public key)>`."""
    parts = item.split()
    if len(parts) != 2:
        raise ImproperlyConfigured(
            "ACCESS_LOG_WITNESS_URLS: each item is '<submission URL> <witness verifier key>'."
        )
    url, vkey = parts
    if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).netloc:
        raise ImproperlyConfigured(f"ACCESS_LOG_WITNESS_URLS: {url!r} is not an http(s) URL.")
    name, _plus, rest = vkey.partition("+")
    key_id_hex, _plus, encoded = rest.partition("+")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raw = b""
    if not name or len(raw) != 33 or raw[:1] != COSIGNATURE_ED25519:
        raise ImproperlyConfigured(
            f"ACCESS_LOG_WITNESS_URLS: the key of {url!r} is not an Ed25519 cosignature/v1 "
            "verifier key (<name>+<key id>+<base64 of 0x04 and the 32-byte key>)."
        )
    witness = Witness(name=name, url=url, public_raw=raw[1:])
    if witness.key_id.hex() != key_id_hex.lower():
        raise ImproperlyConfigured(
            f"ACCESS_LOG_WITNESS_URLS: the key id of witness {name!r} does not match its key."
        )
    return witness


@cache
def _parsed(items: tuple[str, ...]) -> tuple[Witness, ...]:
    witnesses = tuple(parse_witness(item) for item in items if item.strip())
    if len({witness.name for witness in witnesses}) != len(witnesses):
        raise ImproperlyConfigured("ACCESS_LOG_WITNESS_URLS names a witness twice.")
    return witnesses


def configured_witnesses() -> tuple[Witness, ...]:
    return _parsed(tuple(settings.ACCESS_LOG_WITNESS_URLS))


def add_checkpoint_request(old_size: int, proof: list[bytes], signed_note: str) -> bytes:
    """The add-checkpoint body: `old <size>`, one base64 proof hash per line, an empty line and
    the signed checkpoint."""
    lines = [f"old {old_size}\n"]
    lines += [base64.b64encode(digest).decode() + "\n" for digest in proof]
    return ("".join(lines) + "\n" + signed_note).encode()


def cosigned_message(body: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{body}".encode()


def verified_cosignature(
    witness: Witness, body: str, response: str, *, now: dt.datetime
) -> tuple[str, dt.datetime]:
    """The signature line from `response` that is this witness's co-signature of `body`, verified
    with its configured key, and the time it states. Lines from other keys are ignored."""
    for line in response.split("\n"):
        if not line:
            continue
        if not line.startswith(note.SIGNATURE_PREFIX):
            raise CosignatureError("the answer is not a list of note signatures")
        name, _space, encoded = line[len(note.SIGNATURE_PREFIX) :].partition(" ")
        if name != witness.name:
            continue
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise CosignatureError("a co-signature is not base64") from None
        if len(raw) != 4 + 8 + 64 or raw[:4] != witness.key_id:
            continue
        timestamp = int.from_bytes(raw[4:12], "big")
        if timestamp >= 2**63:
            raise CosignatureError("the co-signature's time is out of range")
        try:
            Ed25519PublicKey.from_public_bytes(witness.public_raw).verify(
                raw[12:], cosigned_message(body, timestamp)
            )
        except InvalidSignature:
            raise CosignatureError("the co-signature does not verify with its key") from None
        signed_at = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
        if signed_at > now + FUTURE_SKEW:
            raise CosignatureError("the co-signature is dated in the future")
        return line, signed_at
    raise CosignatureError("the answer holds no co-signature from the witness's key")


# --- talking to a witness -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


class Unreachable(Exception):
    """The witness did not answer (connection refused, timeout, a 5xx): try again later."""


def post(witness: Witness, payload: bytes) -> Answer:
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked in parse_witness)
        witness.add_checkpoint_url,
        data=payload,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    timeout = settings.ACCESS_LOG_WITNESS_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.read(MAX_RESPONSE_BYTES).decode("utf-8"))
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise Unreachable(f"HTTP {error.code}") from None
        text = error.read(MAX_RESPONSE_BYTES).decode("utf-8", errors="replace")
        return Answer(error.code, text)
    except (OSError, UnicodeDecodeError, ValueError) as error:  # URLError, timeouts, resets
        raise Unreachable(type(error).__name__) from None


# --- witnessing one checkpoint --------------------------------------------------------------------


@dataclass
class WitnessRun:
    cosigned: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def _leaf_hashes(size: int) -> list[bytes]:
    hashes = CheckpointLeaf.objects.filter(index__lt=size).order_by("index")
    return [bytes.fromhex(digest) for digest in hashes.values_list("leaf_hash", flat=True)]


def _last_cosigned_size(witness: Witness, number: int) -> int:
    reply = (
        WitnessReply.objects.filter(
            witness=witness.name, outcome=WitnessOutcome.COSIGNED, checkpoint_id__lt=number
        )
        .select_related("checkpoint")
        .order_by("-checkpoint_id")
        .first()
    )
    return reply.checkpoint.tree_size if reply else 0


def _store(checkpoint: AccessLogCheckpoint, witness: Witness, outcome: str, **fields) -> None:
    try:
        with transaction.atomic():
            WitnessReply.objects.create(
                checkpoint=checkpoint,
                witness=witness.name,
                outcome=outcome,
                received_at=timezone.now(),
                **fields,
            )
    except IntegrityError:
        pass  # a concurrent run of the same task stored its answer first


def _refused(
    checkpoint: AccessLogCheckpoint, witness: Witness, detail: str, *, alarm: bool
) -> None:
    detail = f"witness {witness.name} refused checkpoint {checkpoint.number}: {detail}"[:300]
    _store(checkpoint, witness, WitnessOutcome.REFUSED, detail=detail)
    if alarm:
        raise_alarms([], log_wide=[detail])
    else:
        logger.error("%s", detail)


def _size_in(answer: Answer) -> int | None:
    text = answer.text.strip()
    return int(text) if text.isdigit() and len(text) < 20 else None


def witness_once(checkpoint: AccessLogCheckpoint, witness: Witness, leaves: list[bytes]) -> str:
    """Send `checkpoint` to `witness` and store what it answers; 'cosigned', 'refused' or
    'superseded' (the witness already holds a later checkpoint of ours). Raises Unreachable."""
    body = checkpoint.note.rpartition("\n\n")[0] + "\n"
    old_size = min(_last_cosigned_size(witness, checkpoint.number), checkpoint.tree_size)
    tried: set[int] = set()
    while True:
        tried.add(old_size)
        proof = merkle.consistency_proof(old_size, leaves)
        answer = post(witness, add_checkpoint_request(old_size, proof, checkpoint.note))
        if answer.status == 200:
            try:
                line, signed_at = verified_cosignature(
                    witness, body, answer.text, now=timezone.now()
                )
            except CosignatureError as error:
                _store(checkpoint, witness, WitnessOutcome.INVALID, detail=str(error)[:300])
                logger.error("witness %s: %s", witness.name, error)
                return "refused"
            _store(
                checkpoint, witness, WitnessOutcome.COSIGNED, signature=line, cosigned_at=signed_at
            )
            return "cosigned"
        if answer.status == 409:
            held = _size_in(answer)
            if held is None:
                _refused(checkpoint, witness, "409 without a tree size", alarm=True)
                return "refused"
            if held <= checkpoint.tree_size and held not in tried:
                old_size = held  # it holds an older tree than we thought: prove from there
                continue
            newest = AccessLogCheckpoint.objects.order_by("-number").first()
            if held > checkpoint.tree_size and newest and held <= newest.tree_size:
                return "superseded"  # a later checkpoint reached it first; that one is witnessed
            if held > checkpoint.tree_size:
                what = (
                    f"it has co-signed a tree of {held} entries, larger than this log's "
                    f"{newest.tree_size if newest else 0} (the log was rolled back, or forked)"
                )
            else:
                what = f"it holds a different tree of {held} entries (the log forked)"
            _refused(checkpoint, witness, what, alarm=True)
            return "refused"
        if answer.status == 422:
            _refused(
                checkpoint,
                witness,
                f"the proof from {old_size} entries does not extend the tree it holds "
                "(the log forked)",
                alarm=True,
            )
            return "refused"
        # 400, 403 (it does not trust our key), 404 (it does not know our origin): configuration.
        _refused(checkpoint, witness, f"HTTP {answer.status}", alarm=False)
        return "refused"


def witness_checkpoint(number: int) -> WitnessRun:
    """Send checkpoint `number` to every configured witness that has not answered about it yet."""
    run = WitnessRun()
    witnesses = configured_witnesses()
    checkpoint = AccessLogCheckpoint.objects.filter(number=number).first()
    if checkpoint is None or not witnesses:
        return run
    answered = set(
        WitnessReply.objects.filter(checkpoint=checkpoint).values_list("witness", flat=True)
    )
    pending = [witness for witness in witnesses if witness.name not in answered]
    if not pending:
        return run
    leaves = _leaf_hashes(checkpoint.tree_size)
    if len(leaves) != checkpoint.tree_size or merkle.root(leaves).hex() != checkpoint.root_hash:
        # The checkpoint job refuses to sign on top of this and raises the alarm; a proof built
        # from these leaves would only mislead the witness.
        logger.error("checkpoint %s: the stored leaves do not give its root", number)
        return run
    for witness in pending:
        try:
            outcome = witness_once(checkpoint, witness, leaves)
        except Unreachable as error:
            logger.warning("witness %s unreachable (%s): %s", witness.name, number, error)
            run.unreachable.append(witness.name)
            continue
        (run.cosigned if outcome == "cosigned" else run.refused).append(witness.name)
    return run
