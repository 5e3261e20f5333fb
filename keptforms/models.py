"""What someone typed into a form when their session had ended, kept for a short while."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class KeptFormQuerySet(models.QuerySet):
    def live(self, now):
        return self.filter(expires_at__gt=now)


class KeptForm(models.Model):
    """The fields of one form posted after the session had ended (never passwords, tokens or
    files), bound to the browser that posted it and to the person who was signed in there. Only
    that person, signing in again in that browser, gets it back, once, pre-filled and unsaved."""

    # SHA-256 of the random value of the browser's `rapport_kept_forms` cookie.
    browser = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=400, help_text="The path of the page showing the form.")
    form = models.CharField(max_length=100, help_text="The name of the view the form posts to.")
    # Whose record the form was about, when the view says (a carer acting for someone): given
    # back only in the same context. Null: not known when it was kept.
    context = models.CharField(max_length=100, null=True, blank=True)
    fields = models.JSONField(help_text="Field name to the list of posted values.")
    kept_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    objects = KeptFormQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["browser", "page", "form"], name="one_kept_form_per_browser_page_form"
            )
        ]

    def __str__(self) -> str:
        return f"Form {self.form} kept for user {self.user_id} until {self.expires_at:%H:%M}"
