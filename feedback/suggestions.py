"""Suggestions about the digital tools: suggest, support instead of repeating, and the clinic's
status and public reply."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.models import Role, User

from .models import Suggestion, SuggestionStatus, SuggestionSupport

TITLE_MAX, DETAILS_MAX, REPLY_MAX = 150, 2000, 2000
REPLIERS = (Role.PRIVACY_OFFICER, Role.ADMIN)


@transaction.atomic
def suggest(*, author: User, title: str, details: str = "") -> Suggestion:
    """A new suggestion; the same title again is refused with a pointer to support it."""
    title, details = (title or "").strip(), (details or "").strip()
    if not title:
        raise ValidationError({"title": "Say in a few words what you suggest."})
    if len(title) > TITLE_MAX or len(details) > DETAILS_MAX:
        raise ValidationError("Keep the suggestion shorter.")
    if Suggestion.objects.filter(title__iexact=title).exists():
        raise ValidationError(
            {"title": "This has been suggested already: add your support to it in the list."}
        )
    suggestion = Suggestion.objects.create(author=author, title=title, details=details)
    SuggestionSupport.objects.create(suggestion=suggestion, user=author)
    return suggestion


def support(*, suggestion: Suggestion, user: User) -> bool:
    """Add `user`'s support once; returns False when they already support it."""
    try:
        with transaction.atomic():
            SuggestionSupport.objects.create(suggestion=suggestion, user=user)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def reply_to_suggestion(*, suggestion: Suggestion, by: User, status: str, reply: str) -> Suggestion:
    if by.role not in REPLIERS:
        raise PermissionDenied("Only a privacy officer or an administrator replies.")
    if status not in SuggestionStatus.values:
        raise ValidationError({"status": "Choose a status."})
    reply = (reply or "").strip()
    if not reply or len(reply) > REPLY_MAX:
        raise ValidationError({"reply": "Write a public reply (up to 2000 characters)."})
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    suggestion.status, suggestion.reply = status, reply
    suggestion.replied_at, suggestion.replied_by = timezone.now(), by
    suggestion.save(update_fields=["status", "reply", "replied_at", "replied_by"])
    return suggestion
