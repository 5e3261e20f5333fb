from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.forms import DateField, start_of_day
from clinic.i18n import full_date
from clinic.models import Role, User
from patients.models import Patient, RecordCategory, RecordEntry

from .models import CareTeam, EmergencySituation, OutreachMethod, Purpose, ReviewOutcome, Scope
from .services import MIN_EMERGENCY_REASON, check_emergency_reason


def physicians() -> forms.QuerySet:
    return (
        User.objects.filter(staff_profile__role=Role.PHYSICIAN, is_active=True)
        .select_related("staff_profile")
        .order_by("staff_profile__display_name")
    )


class PurposeMixin(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices, widget=forms.RadioSelect)
    purpose_other = forms.CharField(
        label=_("If other, what for?"), max_length=200, required=False, strip=True
    )

    def clean_purpose_fields(self, cleaned: dict) -> None:
        if cleaned.get("purpose") == Purpose.OTHER and not cleaned.get("purpose_other"):
            self.add_error("purpose_other", _("Please say what the access is for."))
        if cleaned.get("purpose") != Purpose.OTHER:
            cleaned["purpose_other"] = ""


class GrantForm(PurposeMixin):
    """A patient shares part of their record."""

    grantee = forms.ChoiceField(label=_("Share with"))
    scope = forms.ChoiceField(
        label=_("What to share"), choices=Scope.choices, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(
        label=_("Which category"),
        choices=[("", _("Choose a category")), *RecordCategory.choices],
        required=False,
    )
    entry = forms.ModelChoiceField(
        label=_("Which entry"),
        queryset=RecordEntry.objects.none(),
        required=False,
        empty_label=_("Choose an entry"),
    )
    include_sensitive = forms.BooleanField(
        label=_(
            "Include sensitive entries (mental health, sexual health, substance use, genetics)"
        ),
        required=False,
    )
    starts_on = DateField(label=_("From"))
    ends_on = DateField(
        label=_("Until (optional)"),
        required=False,
        help_text=_(
            "Leave empty to share until you stop sharing. Sharing ends at the end of this day."
        ),
    )

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["starts_on"].initial = timezone.localdate()
        self.physician_choices = {str(u.pk): u for u in physicians()}
        self.team_choices = {str(t.pk): t for t in CareTeam.objects.all()}
        self.fields["grantee"].choices = [
            ("", _("Choose a physician or care team")),
            (
                _("Physicians"),
                [(f"user:{pk}", _physician_label(u)) for pk, u in self.physician_choices.items()],
            ),
            (_("Care teams"), [(f"team:{pk}", t.name) for pk, t in self.team_choices.items()]),
        ]
        self.fields["entry"].queryset = RecordEntry.objects.filter(patient=patient).newest_first()
        self.fields["entry"].label_from_instance = lambda e: (
            f"{e.get_category_display()}, {full_date(e.recorded_on)}: {e.title}"
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_purpose_fields(cleaned)
        kind, _sep, pk = (cleaned.get("grantee") or "").partition(":")
        cleaned["grantee_user"] = self.physician_choices.get(pk) if kind == "user" else None
        cleaned["grantee_team"] = self.team_choices.get(pk) if kind == "team" else None
        if (
            not (cleaned["grantee_user"] or cleaned["grantee_team"])
            and "grantee" not in self.errors
        ):
            self.add_error("grantee", _("Choose a physician or a care team."))
        scope = cleaned.get("scope")
        if scope == Scope.CATEGORY and not cleaned.get("category"):
            self.add_error("category", _("Choose which category to share."))
        if scope == Scope.ENTRY and not cleaned.get("entry"):
            self.add_error("entry", _("Choose which entry to share."))
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        today = timezone.localdate()
        if starts_on and starts_on < today:
            self.add_error("starts_on", _("The start date cannot be in the past."))
        if starts_on and starts_on > today + dt.timedelta(days=366):
            self.add_error("starts_on", _("The start date must be within a year."))
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date must be on or after the start date."))
        if starts_on:
            cleaned["starts_at"] = None if starts_on == today else start_of_day(starts_on)
        cleaned["expires_at"] = start_of_day(ends_on + dt.timedelta(days=1)) if ends_on else None
        return cleaned


def _physician_label(user: User) -> str:
    specialty = user.staff_profile.specialty
    return (
        f"{user.staff_profile.display_name} ({specialty})"
        if specialty
        else user.staff_profile.display_name
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you stopping? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideRequestForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))], widget=forms.RadioSelect
    )
    scope = forms.ChoiceField(
        label=_("What to share"),
        choices=[(Scope.RECORD, "Whole record"), (Scope.CATEGORY, "Only the category asked for")],
        widget=forms.RadioSelect,
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Which category"),
        choices=[("", _("Choose a category")), *RecordCategory.choices],
        required=False,
    )
    include_sensitive = forms.BooleanField(label=_("Include sensitive entries"), required=False)
    ends_on = DateField(label=_("Until (optional)"), required=False)
    note = forms.CharField(
        label=_("Note to the physician (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, access_request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.access_request = access_request
        if access_request.scope == Scope.CATEGORY:
            self.fields["scope"].choices = [(Scope.CATEGORY, "The category asked for")]
            self.fields["category"].choices = [
                (access_request.category, access_request.get_category_display())
            ]
        self.fields["scope"].initial = access_request.scope
        self.fields["category"].initial = access_request.category

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("decision") != "approve":
            return cleaned
        if not cleaned.get("scope"):
            self.add_error("scope", _("Choose what to share."))
        if cleaned.get("scope") == Scope.CATEGORY and not cleaned.get("category"):
            self.add_error("category", _("Choose which category to share."))
        ends_on = cleaned.get("ends_on")
        if ends_on and ends_on < timezone.localdate():
            self.add_error("ends_on", _("The end date cannot be in the past."))
        cleaned["expires_at"] = start_of_day(ends_on + dt.timedelta(days=1)) if ends_on else None
        return cleaned


# --- staff --------------------------------------------------------------------------------------


def normalise_mrn(value: str) -> str:
    return "".join(value.split()).upper()


class FindPatientForm(forms.Form):
    mrn = forms.CharField(
        label=_("MRN"), max_length=16, help_text=_("As printed on the patient's card.")
    )

    def clean_mrn(self) -> str:
        return normalise_mrn(self.cleaned_data["mrn"])


class AccessRequestForm(PurposeMixin):
    mrn = forms.CharField(widget=forms.HiddenInput, max_length=16)
    scope = forms.ChoiceField(
        label=_("What you need"),
        choices=[(Scope.RECORD, "Whole record"), (Scope.CATEGORY, "One category")],
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(
        label=_("Which category"),
        choices=[("", _("Choose a category")), *RecordCategory.choices],
        required=False,
    )
    message = forms.CharField(
        label=_("Message to the patient"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Explain in plain words why you would like to see their record."),
    )

    def clean_mrn(self) -> str:
        return normalise_mrn(self.cleaned_data["mrn"])

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_purpose_fields(cleaned)
        if cleaned.get("scope") == Scope.CATEGORY and not cleaned.get("category"):
            self.add_error("category", _("Choose which category you need."))
        return cleaned


class EmergencyAccessForm(forms.Form):
    mrn = forms.CharField(widget=forms.HiddenInput, max_length=16)
    situation = forms.ChoiceField(
        label=_("What is the emergency?"),
        choices=EmergencySituation.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("In your own words, what is happening and what do you need to see?"),
        min_length=MIN_EMERGENCY_REASON,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"At least {MIN_EMERGENCY_REASON} characters. The patient and the privacy "
        "officer will read this.",
    )

    def clean_mrn(self) -> str:
        return normalise_mrn(self.cleaned_data["mrn"])

    def clean_reason(self) -> str:
        return check_emergency_reason(self.cleaned_data["reason"])


class EmergencyReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (ReviewOutcome.APPROPRIATE, "Appropriate"),
            (ReviewOutcome.INAPPROPRIATE, "Inappropriate"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the patient"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The patient will read this."),
    )


class InitialConsentForm(PurposeMixin):
    """The patient's sharing choice, told to the front desk at the face-to-face visit."""

    physician = forms.ModelChoiceField(
        label=_("Share with"), queryset=User.objects.none(), empty_label=_("Choose a physician")
    )
    scope = forms.ChoiceField(
        label=_("What to share"),
        choices=[(Scope.RECORD, "Whole record"), (Scope.CATEGORY, "One category")],
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(
        label=_("Which category"),
        choices=[("", _("Choose a category")), *RecordCategory.choices],
        required=False,
    )
    include_sensitive = forms.BooleanField(
        label=_("Include sensitive entries (only if the patient asked for it)"), required=False
    )

    # Nothing is chosen in advance: the patient says each part of the choice in their own words.
    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["physician"].queryset = physicians()
        self.fields["physician"].label_from_instance = _physician_label

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_purpose_fields(cleaned)
        if cleaned.get("scope") == Scope.CATEGORY and not cleaned.get("category"):
            self.add_error("category", _("Choose which category to share."))
        return cleaned


class OutreachDoneForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How was the patient told?"),
        choices=OutreachMethod.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        help_text=_(
            "For example who you spoke to, or the date the letter was posted. No health details."
        ),
    )
