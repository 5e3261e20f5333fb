"""Survey instruments are data an administrator edits; responses are never listed (anonymity)."""

from __future__ import annotations

from django.contrib import admin

from .models import Instrument, InstrumentItem


class InstrumentItemInline(admin.TabularInline):
    model = InstrumentItem
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        # An answered instrument keeps its items: add a new version instead.
        return obj is None or not obj.responses.exists()

    has_delete_permission = has_change_permission

    def has_add_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "version", "is_active"]
    list_filter = ["is_active"]
    inlines = [InstrumentItemInline]
    readonly_fields = ["created_at"]
