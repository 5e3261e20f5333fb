"""Admin shows access-log metadata read-only, never the entry that was read."""

from __future__ import annotations

from django.contrib import admin

from clinic.admin import ReadOnlyAdmin

from .models import AccessEvent, AccessLogAlarm, AccessLogCheckpoint


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["patient", "sequence", "occurred_at", "actor_name", "action", "target", "basis"]
    list_filter = ["action", "basis"]
    exclude = ["entry"]


@admin.register(AccessLogCheckpoint)
class AccessLogCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["number", "created_at", "tree_size", "root_hash", "key_id"]


@admin.register(AccessLogAlarm)
class AccessLogAlarmAdmin(admin.ModelAdmin):
    """Alarms are raised by verification; a person may only record that one was resolved."""

    list_display = ["detected_at", "patient", "sequence", "reason", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["patient", "detected_at", "sequence", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
