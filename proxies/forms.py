"""Forms of the proxy pages. They parse what people type; `proxies.services` decides."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clinic.forms import DateField, start_of_day
from clinic.validators import validate_plain_email
from patients.models import IdentityDocument, Patient, RecordCategory
from patients.validators import validate_person_name, validate_plain_text

from .models import AuthorityDocument, ProxyArea, ProxyAuthority, ProxyRelationship
from .services import INVITABLE_RELATIONSHIPS, MAX_REASON

# The longest a patient's own choice may run before it is renewed (an end date is required).
MAX_YEARS = 10

AREA_CHOICES = [
    (ProxyArea.RECORD, _("Read my health record")),
    (ProxyArea.ACCESS_LOG, _("See who looked at my record")),
    (ProxyArea.SHARING, _("Manage who my record is shared with")),
    (ProxyArea.EDUCATION, _("Read health information from the clinic")),
    (ProxyArea.CONCERNS, _("Raise concerns and ask questions for me")),
]
STAFF_AREA_CHOICES = ProxyArea.choices
DOCUMENT_CHOICES = [("", _("Choose…")), *IdentityDocument.choices]


def _end_date_field(required: bool, help_text: str) -> DateField:
    return DateField(label=_("Last day of access"), required=required, help_text=help_text)


def _ends_at(ends_on: dt.date | None) -> dt.datetime | None:
    """Access runs to the end of the chosen day, clinic time."""
    return start_of_day(ends_on + dt.timedelta(days=1)) if ends_on else None


class ScopeFields(forms.Form):
    """What the proxy may do: shared by the patient's invitation and the front desk's link."""

    areas = forms.MultipleChoiceField(
        label=_("What they may do"),
        choices=AREA_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing this person may do.")},
    )
    record_categories = forms.MultipleChoiceField(
        label=_("Which parts of the record"),
        choices=RecordCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked for the whole record."),
    )
    include_sensitive = forms.BooleanField(
        label=_("Include entries marked sensitive (such as mental or sexual health)"),
        required=False,
    )
    notify_patient = forms.BooleanField(
        label=_("Tell the patient each time this person reads the record"),
        required=False,
        initial=True,
    )

    def clean(self):
        cleaned = super().clean()
        ends_on = cleaned.get("ends_on")
        if ends_on is not None:
            today = timezone.localdate()
            if ends_on < today:
                self.add_error("ends_on", _("The last day cannot be in the past."))
            elif ends_on > today + dt.timedelta(days=366 * MAX_YEARS):
                self.add_error(
                    "ends_on",
                    ngettext(
                        "Choose a date within %(years)d year.",
                        "Choose a date within %(years)d years.",
                        MAX_YEARS,
                    )
                    % {"years": MAX_YEARS},
                )
        cleaned["ends_at"] = _ends_at(ends_on)
        return cleaned


class InviteForm(ScopeFields):
    name = forms.CharField(
        label=_("Their full name"),
        max_length=150,
        validators=[validate_person_name],
        error_messages={"required": _("Enter the name of the person you invite.")},
    )
    email = forms.EmailField(
        label=_("Their email address"),
        max_length=254,
        validators=[validate_plain_email],
        help_text=_("We use it only to recognise them when they come to the clinic."),
        error_messages={
            "required": _("Enter the email address of the person you invite."),
            "invalid": _("Enter their email address like name@example.org."),
        },
    )
    relationship = forms.ChoiceField(
        label=_("They are your"),
        # The labels stay English in the model (see RELATIONSHIP_WORDS); shown translated.
        choices=[(r.value, _(r.label)) for r in ProxyRelationship if r in INVITABLE_RELATIONSHIPS],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose carer, parent or family member."),
            "invalid_choice": _("Choose carer, parent or family member."),
        },
    )
    ends_on = _end_date_field(True, _("Access ends after this day. You can end it sooner."))

    field_order = [
        "name",
        "email",
        "relationship",
        "areas",
        "record_categories",
        "include_sensitive",
        "ends_on",
        "notify_patient",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notify_patient"].label = _("Tell me each time this person reads my record")
        self.fields["record_categories"].help_text = _("Leave all unticked for your whole record.")
        self.fields["ends_on"].error_messages["required"] = _(
            "Choose the last day this person may act for you."
        )


class LinkProxyForm(ScopeFields):
    """The front desk links a proxy found on the register, with both people in front of them."""

    proxy = forms.ModelChoiceField(queryset=Patient.objects.all(), widget=forms.HiddenInput)
    authority = forms.ChoiceField(
        label="On whose authority", choices=ProxyAuthority.choices, widget=forms.RadioSelect
    )
    relationship = forms.ChoiceField(
        label="Relationship to the patient",
        choices=ProxyRelationship.choices,
        widget=forms.RadioSelect,
        help_text="Parental responsibility is always 'parent'; a power of attorney 'attorney'.",
    )
    proxy_document = forms.ChoiceField(
        label="Photo ID of the proxy, seen in person", choices=DOCUMENT_CHOICES
    )
    patient_document = forms.ChoiceField(
        label="Photo ID of the patient, seen in person",
        choices=DOCUMENT_CHOICES,
        required=False,
        help_text="Needed when it is the patient's own choice.",
    )
    authority_document = forms.ChoiceField(
        label="Document showing the authority",
        choices=[("", "None (the patient's own choice)"), *AuthorityDocument.choices],
        required=False,
        help_text="Parental responsibility: birth certificate or court order. Power of attorney: "
        "the registered power or the court order.",
    )
    review_on = DateField(
        label="Review the power of attorney on",
        required=False,
        help_text="Power of attorney only. Access stops after this date until it is reviewed.",
    )
    ends_on = _end_date_field(
        False,
        "Needed for the patient's own choice. A parent's access ends when the child turns "
        "the age to decide alone; a power of attorney runs until ended or not reviewed.",
    )

    field_order = [
        "proxy",
        "authority",
        "relationship",
        "proxy_document",
        "patient_document",
        "authority_document",
        "review_on",
        "areas",
        "record_categories",
        "include_sensitive",
        "ends_on",
        "notify_patient",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = STAFF_AREA_CHOICES
        self.fields["areas"].help_text = "A power of attorney gives everything."
        self.fields["areas"].required = False


class ConfirmInvitationForm(forms.Form):
    proxy = forms.ModelChoiceField(queryset=Patient.objects.all(), widget=forms.HiddenInput)
    proxy_document = forms.ChoiceField(
        label="Their photo ID, seen in person", choices=DOCUMENT_CHOICES
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=MAX_REASON,
        required=False,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, required: bool = False, label: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if label:
            self.fields["reason"].label = label


class ReviewForm(forms.Form):
    review_on = DateField(label="Next review on")
    note = forms.CharField(
        label="Note (optional)",
        max_length=200,
        required=False,
        validators=[validate_plain_text],
        help_text="For example, which document you saw. No health details.",
    )
