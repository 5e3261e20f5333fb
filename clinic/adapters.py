from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .validators import validate_plain_email


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Patients get an account only by activating the code handed to them at their in-person
        # visit; staff accounts are made by an administrator.
        return False

    def clean_email(self, email: str) -> str:
        """Every email form allauth shows (adding or changing an address)."""
        validate_plain_email(email)
        return super().clean_email(email)
