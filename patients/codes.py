"""Portal activation codes: generation, normalisation, display and keyed hashing.

A code is 12 characters from a 30-character alphabet without 0/O, 1/I/L or U (about 58.9 bits),
shown in groups of four (`ABCD-EFGH-JKMN`). Only an HMAC-SHA256 of the normalised code, keyed with
the project's SECRET_KEY, is ever stored, so the database alone cannot reveal or test a code; the
lookup is by that hash. (Rotating SECRET_KEY therefore invalidates codes not yet used: reissue.)
"""

from __future__ import annotations

import math
import secrets

from django.utils.crypto import salted_hmac

from .models import MRN_ALPHABET

ACTIVATION_CODE_ALPHABET = MRN_ALPHABET
ACTIVATION_CODE_LENGTH = 12
ACTIVATION_CODE_GROUP = 4
ACTIVATION_CODE_BITS = ACTIVATION_CODE_LENGTH * math.log2(len(ACTIVATION_CODE_ALPHABET))
_HMAC_SALT = "rapport.patients.activation-code"
# Characters people type between groups; they carry no meaning.
_SEPARATORS = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014\t\r\n")


def generate_activation_code() -> str:
    """A fresh random code, normalised (no separators)."""
    return "".join(secrets.choice(ACTIVATION_CODE_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))


def normalise_activation_code(raw: str) -> str | None:
    """The code as typed (any case, spaces or dashes) in canonical form, or None when it cannot be
    a code at all (wrong length or characters outside the alphabet)."""
    if len(raw) > 64:
        return None
    code = raw.translate(_SEPARATORS).upper()
    if len(code) != ACTIVATION_CODE_LENGTH or any(c not in ACTIVATION_CODE_ALPHABET for c in code):
        return None
    return code


def format_activation_code(code: str) -> str:
    """`ABCDEFGHJKMN` → `ABCD-EFGH-JKMN`, for the handout."""
    return "-".join(
        code[i : i + ACTIVATION_CODE_GROUP] for i in range(0, len(code), ACTIVATION_CODE_GROUP)
    )


def hash_activation_code(code: str) -> str:
    """Keyed hash of a normalised code: what the database stores and looks up."""
    return salted_hmac(_HMAC_SALT, code, algorithm="sha256").hexdigest()
