from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class MaximumLengthValidator:
    """Accept long passphrases untruncated, but refuse absurd ones that only cost hashing time."""

    def __init__(self, max_length: int = 1024) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It may have at most %(n)s characters.")
                % {"n": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(n)s characters long; spaces are fine.") % {
            "n": self.max_length
        }


# Valid in a quoted local part by RFC 5321, but never in a real patient's address; refused like
# markup in names, because addresses end up in pages, emails and handouts.
EMAIL_FORBIDDEN = frozenset('<>"\\`()[];:, ')


def validate_plain_email(value: str) -> None:
    if any(char in EMAIL_FORBIDDEN or ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValidationError(
            _(
                "Enter an email address without spaces, quotes, brackets or < >, "
                "e.g. name@example.org."
            ),
            code="invalid_email",
        )
