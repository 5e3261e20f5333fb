"""Print a new access-log signing key, or the public key of the configured one."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from accesslog.keys import public_key_b64


class Command(BaseCommand):
    help = "--generate prints a new ACCESS_LOG_SIGNING_KEY; without it, the current public key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--generate", action="store_true")

    def handle(self, *args, generate: bool = False, **options) -> None:
        if generate:
            raw = Ed25519PrivateKey.generate().private_bytes_raw()
            self.stdout.write(base64.b64encode(raw).decode())
        else:
            self.stdout.write(public_key_b64())
