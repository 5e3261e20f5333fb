from django.contrib import admin

from .models import ActivationCode, OnboardingChecklistEntry, OnboardingVisit, Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Demographics only: record content is never shown in admin (it would bypass consent and the
    access log)."""

    list_display = ["mrn", "legal_name", "date_of_birth", "site"]
    search_fields = ["mrn", "legal_name", "preferred_name"]
    list_filter = ["site"]
    readonly_fields = ["mrn", "created_at", "created_by", "user"]
    autocomplete_fields = ["primary_physician"]


class ChecklistEntryInline(admin.TabularInline):
    model = OnboardingChecklistEntry
    extra = 0
    can_delete = False
    readonly_fields = ["item", "outcome", "recorded_by", "recorded_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OnboardingVisit)
class OnboardingVisitAdmin(admin.ModelAdmin):
    """Read-only: the front desk pages are where visits change, through the services."""

    list_display = ["starts_at", "patient", "site", "staff_member", "status"]
    list_filter = ["status", "site"]
    date_hierarchy = "starts_at"
    search_fields = ["patient__mrn", "patient__legal_name"]
    list_select_related = ["patient", "site", "staff_member"]
    inlines = [ChecklistEntryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    """Status only; the code's hash is never shown."""

    list_display = ["patient", "issued_at", "expires_at", "status_label", "failed_attempts"]
    search_fields = ["patient__mrn"]
    exclude = ["code_hash", "issue_token"]
    list_select_related = ["patient"]

    @admin.display(description="status")
    def status_label(self, obj: ActivationCode) -> str:
        return obj.get_status_display()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
