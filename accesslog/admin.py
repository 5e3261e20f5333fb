"""Admin shows access-log metadata read-only, never the entry that was read."""

from __future__ import annotations

from django.contrib import admin

from clinic.admin import ReadOnlyAdmin

from .models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["patient", "sequence", "occurred_at", "actor_name", "action", "target", "basis"]
    list_filter = ["action", "basis"]
    exclude = ["entry"]
