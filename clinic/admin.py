from allauth.account.forms import ResetPasswordForm
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from .models import Site, StaffProfile, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records the admin may look at but never change (consent, the access log)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]
    actions = ["send_password_reset_link"]

    # Nobody becomes the patient: an administrator can neither see nor set a patient's password,
    # nor change their sign-in address or role; they may switch the account off or send the
    # patient a reset link (to the patient's own address). Every admin action is in the admin
    # log, which privacy officers read (/staff/privacy/admin-audit/).
    PATIENT_FIELDSETS = (
        (None, {"fields": ("email",)}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("is_active",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    @staticmethod
    def _is_patient(user) -> bool:
        return user is not None and getattr(user, "patient", None) is not None

    def get_fieldsets(self, request, obj=None):
        if self._is_patient(obj):
            return self.PATIENT_FIELDSETS
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._is_patient(obj):
            readonly += ["email", "first_name", "last_name"]
        return readonly

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if self._is_patient(user):
            raise PermissionDenied(
                "A patient's password is theirs alone: send them a reset link instead."
            )
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Send a password reset link to the account's own address")
    def send_password_reset_link(self, request, queryset) -> None:
        for user in queryset:
            form = ResetPasswordForm({"email": user.email})
            if form.is_valid():
                form.save(request)
                self.log_change(
                    request, user, "Sent a password reset link to the account's address."
                )
        messages.success(request, "Reset links were sent to the accounts' own addresses.")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "is_active"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "role", "specialty", "site"]
    list_filter = ["role", "site"]
    search_fields = ["display_name", "user__email"]
    autocomplete_fields = ["user"]
