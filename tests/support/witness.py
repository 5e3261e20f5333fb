"""A tiny C2SP tlog-witness (https://c2sp.org/tlog-witness) over real HTTP, in a thread.

It does what a witness must: checks the log's signature on the checkpoint with the log key it
trusts (written here from the spec, not with the portal's note code), checks the consistency proof
from the size it last co-signed, keeps its own state per origin (check and update under one lock)
and answers with an Ed25519 cosignature/v1. `misbehave` makes it answer badly on purpose."""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accesslog.merkle import ProofError, verify_consistency

EM_DASH = "\u2014 "


def _log_key_id(origin: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(origin.encode() + b"\n\x01" + public_raw).digest()[:4]


def _cosigner_key_id(name: str, public_raw: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x04" + public_raw).digest()[:4]


class TinyWitness:
    def __init__(self, *, origin: str, log_public_keys: list[bytes], name: str = "witness.test/w1"):
        self.name = name
        self.origin = origin
        self.log_public_keys = list(log_public_keys)
        self.key = Ed25519PrivateKey.generate()
        self.state: dict[str, tuple[int, bytes]] = {}  # origin -> (size, root) last co-signed
        self.received: list[str] = []  # the request bodies, for tests to look at
        self.misbehave = ""  # "bad-signature", "other-key", "unavailable"
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- what the log's operator configures -------------------------------------------------

    @property
    def public_raw(self) -> bytes:
        return self.key.public_key().public_bytes_raw()

    @property
    def verifier_key(self) -> str:
        encoded = base64.b64encode(b"\x04" + self.public_raw).decode()
        return f"{self.name}+{_cosigner_key_id(self.name, self.public_raw).hex()}+{encoded}"

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the witness first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/witness"

    @property
    def setting(self) -> str:
        """One ACCESS_LOG_WITNESS_URLS item."""
        return f"{self.url} {self.verifier_key}"

    # --- the protocol ---------------------------------------------------------------------------

    def add_checkpoint(self, request: bytes) -> tuple[int, str, str]:
        """(status, content type, body) for one add-checkpoint request body."""
        if self.misbehave == "unavailable":
            return 503, "text/plain", "down for maintenance\n"
        try:
            text = request.decode("utf-8")
        except UnicodeDecodeError:
            return 400, "text/plain", "not UTF-8\n"
        self.received.append(text)
        head, separator, signed_note = text.partition("\n\n")
        lines = head.split("\n")
        if not separator or not lines[0].startswith("old "):
            return 400, "text/plain", "no old size line\n"
        old_text = lines[0][4:]
        if not old_text.isdigit() or (old_text != "0" and old_text.startswith("0")):
            return 400, "text/plain", "bad old size\n"
        old_size = int(old_text)
        try:
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
        except binascii.Error:
            return 400, "text/plain", "a proof line is not base64\n"
        if len(proof) > 63 or any(len(digest) != 32 for digest in proof):
            return 400, "text/plain", "bad proof\n"
        body, _separator, signatures = signed_note.rpartition("\n\n")
        body += "\n"
        body_lines = body.split("\n")
        if len(body_lines) < 4 or body_lines[0] != self.origin:
            return 404, "text/plain", "unknown log\n"
        if not self._signed_by_log(body, signatures):
            return 403, "text/plain", "not signed by a key I trust for this log\n"
        if not body_lines[1].isdigit():
            return 400, "text/plain", "bad tree size\n"
        size = int(body_lines[1])
        try:
            root = base64.b64decode(body_lines[2], validate=True)
        except binascii.Error:
            return 400, "text/plain", "bad root\n"
        if old_size > size:
            return 400, "text/plain", "old size larger than the checkpoint\n"
        with self._lock:  # check and update atomically (the spec's race)
            held_size, held_root = self.state.get(self.origin, (0, b""))
            if old_size != held_size:
                return 409, "text/x.tlog.size", f"{held_size}\n"
            if old_size == size and held_size and root != held_root:
                return 409, "text/x.tlog.size", f"{held_size}\n"
            if old_size:
                try:
                    verify_consistency(old_size, size, held_root, root, proof)
                except ProofError:
                    return 422, "text/plain", "the consistency proof does not verify\n"
            elif proof:
                return 422, "text/plain", "the proof from an empty tree must be empty\n"
            self.state[self.origin] = (size, root)
        return 200, "text/plain", self._cosign(body)

    def _signed_by_log(self, body: str, signatures: str) -> bool:
        for line in signatures.split("\n"):
            if not line.startswith(EM_DASH):
                continue
            name, _space, encoded = line[len(EM_DASH) :].partition(" ")
            if name != self.origin:
                continue  # signatures from unknown keys are ignored
            try:
                raw = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                continue
            for public_raw in self.log_public_keys:
                if raw[:4] != _log_key_id(self.origin, public_raw):
                    continue
                try:
                    Ed25519PublicKey.from_public_bytes(public_raw).verify(raw[4:], body.encode())
                except InvalidSignature:
                    continue
                return True
        return False

    def _cosign(self, body: str) -> str:
        timestamp = int(time.time())
        message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
        key = Ed25519PrivateKey.generate() if self.misbehave == "other-key" else self.key
        signature = key.sign(message)
        if self.misbehave == "bad-signature":
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        raw = _cosigner_key_id(self.name, self.public_raw) + timestamp.to_bytes(8, "big")
        return f"{EM_DASH}{self.name} {base64.b64encode(raw + signature).decode()}\n"

    # --- the server -----------------------------------------------------------------------------

    def start(self) -> TinyWitness:
        witness = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                if self.path != "/witness/add-checkpoint":
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                status, content_type, text = witness.add_checkpoint(self.rfile.read(length))
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
