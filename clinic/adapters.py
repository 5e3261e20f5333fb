from __future__ import annotations

from typing import Any
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .i18n import language_for_user
from .models import User
from .validators import validate_plain_email


def portal_link(path: str) -> str:
    """An absolute link for an email: always built from PORTAL_BASE_URL, never the request's host
    (which an attacker can set, and which is an internal name behind a proxy)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


class AccountAdapter(DefaultAccountAdapter):
    # The library's words replaced by the portal's, where people can see them.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is switched off. Please call the clinic."),
        "cannot_remove_primary_email": _(
            "You cannot remove the address we write to. Add another address and choose it first."
        ),
        "duplicate_email": _("This email address is already on your account."),
        "email_password_mismatch": _(
            "That email address and password do not match an account. Check both and try again."
        ),
        "email_taken": _("Another account already uses this email address."),
        "enter_current_password": _("Please type your current password."),
        "incorrect_code": _("That code is not right. Check it and try again."),
        "incorrect_password": _("That password is not right. Check it and try again."),
        "invalid_or_expired_key": _("This link has expired or was already used."),
        "invalid_login": _("We could not sign you in. Check your email address and password."),
        "invalid_password_reset": _("This link has expired or was already used."),
        "too_many_login_attempts": _(
            "Too many tries to sign in to this account. For your safety, please wait a few "
            "minutes and try again."
        ),
        "unknown_email": _("No account uses this email address."),
        "unverified_primary_email": _("Please confirm your email address first."),
        "same_as_current": _("The new value must be different from the current one."),
        "rate_limited": _("Too many tries in a short time. Please wait a minute and try again."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Patients get an account only by activating the code handed to them at their in-person
        # visit; staff accounts are made by an administrator.
        return False

    def clean_email(self, email: str) -> str:
        """Every email form allauth shows (adding or changing an address)."""
        validate_plain_email(email)
        return super().clean_email(email)

    # --- Emails: the clinic's name and words, links from PORTAL_BASE_URL only --------------------

    def format_email_subject(self, subject: str) -> str:
        return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(str(subject).split())

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            **context,
            "clinic_name": settings.CLINIC_NAME,
            "clinic_phone": settings.CLINIC_PHONE,
            "portal_url": settings.PORTAL_BASE_URL.rstrip("/"),
            "sign_in_url": portal_link(reverse("account_login")),
            "forgot_password_url": portal_link(reverse("account_reset_password")),
            "security_url": portal_link(reverse("mfa_index")),
        }
        timestamp = context.get("timestamp")
        if timestamp is not None:
            context["timestamp"] = timezone.localtime(timestamp)
        # In the language of the person it is for: a patient's recorded one, else the language of
        # the page that caused it (someone asking to reset a password on the Spanish page).
        user = context.get("user") or User.objects.filter(email__iexact=email).first()
        language = language_for_user(user) if user is not None else translation.get_language()
        # Not allauth's send_mail: it adds the request's site (its host name), which no email of
        # ours names, and fails when an email is sent after the request (on commit).
        with translation.override(language):
            self.render_mail(template_prefix, email, {"email": email, **context}).send()

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return portal_link(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return portal_link(path.replace("UID-KEY", quote(key)))


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": (
            "To add an email address, first turn off two-step verification, or call the clinic."
        ),
        "cannot_delete_authenticator": (
            "Two-step verification cannot be turned off for this account."
        ),
        "cannot_generate_recovery_codes": (
            "Turn on two-step verification first: backup codes go with it."
        ),
        "incorrect_code": (
            "That code is not right. Type the 6 digits your app shows now, or a backup code."
        ),
        "unverified_email": (
            "Please confirm your email address before you set up two-step verification."
        ),
    }
