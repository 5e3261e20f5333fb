"""Admin shows consent and access metadata read-only, and never record content: record entries
are not registered at all (reading them here would bypass consent and the access log)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group

from clinic.admin import ReadOnlyAdmin
from clinic.models import User

from .models import CareTeam, ConsentGrant, EmergencyAccess
from .services import resync_team


@admin.register(ConsentGrant)
class ConsentGrantAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "patient",
        "grantee_user",
        "grantee_team",
        "scope",
        "purpose",
        "starts_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["scope", "purpose", "given_via"]
    exclude = ["entry"]  # an entry's label would show its date and category; keep admin to metadata


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ReadOnlyAdmin):
    list_display = ["pk", "patient", "physician", "opened_at", "expires_at", "review_outcome"]
    list_filter = ["review_outcome"]


class CareTeamForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(staff_profile__isnull=False).select_related("staff_profile"),
        required=False,
    )

    class Meta:
        model = CareTeam
        fields = ["name", "description"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["members"].initial = self.instance.group.user_set.all()


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    form = CareTeamForm
    list_display = ["name", "description"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.group = Group.objects.create(name=f"care team: {obj.name}")
        obj.save()
        obj.group.user_set.set(form.cleaned_data["members"])
        resync_team(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
