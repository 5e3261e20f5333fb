"""Forms of the onboarding pages. They parse and validate what people type; the services decide."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.forms import DateField
from clinic.models import Role, Site, User
from clinic.validators import validate_plain_email

from .codes import normalise_activation_code
from .models import (
    BOOKING_HORIZON_DAYS,
    AppointmentKind,
    ChecklistItem,
    ChecklistOutcome,
    IdentityDocument,
    Patient,
    slot_times,
)
from .validators import validate_birth_date, validate_plain_text

DAY_VIEW_RANGE_DAYS = 5 * 366


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        profile = getattr(obj, "staff_profile", None)
        if profile is None:
            return obj.email
        extra = profile.specialty or (profile.site.name if profile.site else "")
        return f"{profile.display_name} ({extra})" if extra else profile.display_name


def physicians() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, staff_profile__role=Role.PHYSICIAN)
        .select_related("staff_profile__site")
        .order_by("staff_profile__display_name")
    )


def bookable_staff() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, staff_profile__role=Role.FRONT_DESK)
        .select_related("staff_profile__site")
        .order_by("staff_profile__display_name")
    )


def active_sites() -> QuerySet[Site]:
    return Site.objects.filter(is_active=True).order_by("name")


class PatientForm(forms.ModelForm):
    """Registration at the front desk. `confirm_not_duplicate` appears once a likely duplicate was
    shown, and lets the person say "this is someone else"."""

    date_of_birth = DateField(
        validators=[validate_birth_date],
        help_text=_("Year-month-day, for example 1984-03-14."),
    )
    primary_physician = PersonChoiceField(
        queryset=User.objects.none(), required=False, empty_label=_("Not chosen yet")
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Home site"))
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label=_("I have checked: this is a different person, create a new patient record."),
    )

    class Meta:
        model = Patient
        fields = [
            "legal_name",
            "preferred_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_language",
            "primary_physician",
            "site",
        ]
        labels = {
            "legal_name": "Legal name (as on their photo ID)",
            "preferred_name": "Preferred name (optional)",
            "email": "Email address",
            "phone": "Phone number (optional)",
        }
        help_texts = {"email": "We send the invitation to their first visit here."}
        widgets = {
            "legal_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "preferred_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, ask_duplicate_confirmation: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary_physician"].queryset = physicians()
        self.fields["site"].queryset = active_sites()
        if not ask_duplicate_confirmation:
            del self.fields["confirm_not_duplicate"]


class PatientDetailsForm(PatientForm):
    """Correcting a registered patient's details at the front desk."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, ask_duplicate_confirmation=False, **kwargs)
        self.fields["email"].label = "Contact email address"
        self.fields["email"].help_text = (
            "Where we send invitations and notices. A patient with a portal account keeps "
            "signing in with their own address; they change that themselves."
        )


class TwoStepResetForm(forms.Form):
    """The in-person identity check before two-step verification is reset, recorded like the
    first visit's. (No field is called "matches": it would hide the form element's own
    `matches()` method from scripts such as axe-core.)"""

    document_type = forms.ChoiceField(
        label=_("Which photo ID did you check?"),
        choices=IdentityDocument.choices,
        widget=forms.RadioSelect,
        help_text=_("Never write down the document's number."),
    )
    photo_id_matches = forms.BooleanField(
        label=_(
            "The patient is here in person; the photo shows them, and the name and date of birth "
            "match the record."
        ),
    )
    patient_asked = forms.BooleanField(
        label=_(
            "They asked for this: they can no longer use their authenticator app or backup codes."
        ),
    )


class SlotForm(forms.Form):
    """Site, day, half-hour slot and the staff member for a visit (booking or moving it)."""

    site = forms.ModelChoiceField(queryset=Site.objects.none())
    date = DateField(
        help_text=_("Year-month-day, for example 2026-03-14."),
    )
    time = forms.ChoiceField(
        label=_("Time"),
        choices=[(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h, m in slot_times()],
        help_text=_("Visits last 30 minutes."),
    )
    staff_member = PersonChoiceField(
        queryset=User.objects.none(),
        label=_("Staff member doing the tools introduction"),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = active_sites()
        self.fields["staff_member"].queryset = bookable_staff()

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if day < today:
            raise ValidationError(_("That day has passed. Choose today or a later day."))
        if day > today + timedelta(days=BOOKING_HORIZON_DAYS):
            raise ValidationError(_("Visits can be booked up to a year ahead."))
        return day

    def clean(self) -> dict:
        data = super().clean()
        day, slot = data.get("date"), data.get("time")
        if day is not None and slot:
            hour, minute = (int(part) for part in slot.split(":"))
            naive = datetime.combine(day, time(hour, minute))
            data["starts_at"] = timezone.make_aware(naive, timezone.get_current_timezone())
        return data

    @classmethod
    def initial_for(cls, visit) -> dict:
        local = timezone.localtime(visit.starts_at)
        return {
            "site": visit.site_id,
            "date": local.date(),
            "time": f"{local.hour:02d}:{local.minute:02d}",
            "staff_member": visit.staff_member_id,
        }


class CancelVisitForm(forms.Form):
    cancellation_reason = forms.CharField(
        label=_("Why is the visit cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_plain_text],
        help_text=_(
            "For the clinic's records; it is not sent to the patient. No clinical details."
        ),
    )


class IdentityCheckForm(forms.Form):
    document_type = forms.ChoiceField(
        label=_("Which photo ID did you check?"),
        choices=IdentityDocument.choices,
        widget=forms.RadioSelect,
        help_text=_("Never write down the document's number."),
    )
    matches = forms.BooleanField(
        label=_("The photo shows this person, and the name and date of birth match the record."),
    )


class ChecklistEntryForm(forms.Form):
    CLEAR = "clear"

    item = forms.ChoiceField(choices=ChecklistItem.choices)
    outcome = forms.ChoiceField(choices=[*ChecklistOutcome.choices, (CLEAR, "Clear")])


class DayFilterForm(forms.Form):
    date = DateField(required=False)
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = active_sites()

    def clean_date(self) -> date | None:
        day = self.cleaned_data["date"]
        if day is not None and abs((day - timezone.localdate()).days) > DAY_VIEW_RANGE_DAYS:
            raise ValidationError(_("Choose a day within five years of today."))
        return day


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or MRN"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class ActivationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Activation code"),
        max_length=64,
        help_text=_(
            "The 12 letters and digits on the handout from your visit, e.g. ABCD-EFGH-JKMN."
        ),
        error_messages={"max_length": _("That is too long for an activation code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    date_of_birth = DateField(
        label=_("Your date of birth"),
        widget=forms.DateInput(
            attrs={"inputmode": "numeric", "autocomplete": "bday", "size": 12}, format="%Y-%m-%d"
        ),
        help_text=_("Year-month-day, for example 1957-11-02."),
        validators=[validate_birth_date],
    )

    def clean_code(self) -> str:
        code = normalise_activation_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(
                _(
                    "Enter the 12-character code from your handout, e.g. ABCD-EFGH-JKMN. It uses "
                    "the digits 2 to 9 and the letters A to Z except I, L, O and U."
                ),
                code="format",
            )
        return code


class ActivationAccountForm(forms.Form):
    email = forms.EmailField(
        validators=[validate_plain_email],
        label=_("Your email address"),
        max_length=254,
        help_text=_("You sign in with it, and we send you a link to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 15 characters. A few words you will remember, with spaces, make a good "
            "passphrase. No other rules."
        ),
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self) -> dict:
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            candidate = User(
                email=data.get("email", ""),
                first_name=self.patient.preferred_name,
                last_name=self.patient.legal_name,
            )
            try:
                validate_password(password1, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


def appointment_staff() -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True, staff_profile__role__in=(Role.PHYSICIAN, Role.FRONT_DESK)
        )
        .select_related("staff_profile__site")
        .order_by("staff_profile__display_name")
    )


class AppointmentForm(SlotForm):
    """A later appointment: the first visit's site, day and slot, plus who and what kind."""

    kind = forms.ChoiceField(
        label="Kind of appointment",
        choices=AppointmentKind.choices,
        help_text="Shown to the patient. Never write the reason for the visit.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("staff_member")
        self.fields["with_staff"] = PersonChoiceField(
            queryset=appointment_staff(), label="With", empty_label=None
        )
        self.order_fields(["site", "date", "time", "with_staff", "kind"])
        self.fields["time"].help_text = "Appointments are booked in 30-minute slots."
