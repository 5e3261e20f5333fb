from django.contrib import admin

from .models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Demographics only: record content is never shown in admin (it would bypass consent and the
    access log)."""

    list_display = ["mrn", "legal_name", "date_of_birth", "site"]
    search_fields = ["mrn", "legal_name", "preferred_name"]
    list_filter = ["site"]
    readonly_fields = ["mrn", "created_at", "created_by", "user"]
    autocomplete_fields = ["primary_physician"]
