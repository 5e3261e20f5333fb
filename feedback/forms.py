from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic.forms import DateField
from consent.forms import normalise_mrn

from .models import Channel
from .services import TEXT_MAX


def _text(label: str, *, rows: int = 5, required: bool = True, help_text: str = "") -> forms.Field:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class ConcernForm(forms.Form):
    description = _text(
        _("Tell us what worries you"),
        rows=6,
        help_text=_(
            "For example: you do not know this person, or you did not expect them to look."
        ),
    )
    event = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RecordedConcernForm(forms.Form):
    """A concern received by phone or letter, recorded by a privacy officer."""

    mrn = forms.CharField(label=_("Patient's MRN"), max_length=16)
    channel = forms.ChoiceField(
        label=_("How it reached us"),
        choices=[(Channel.PHONE, "By phone"), (Channel.LETTER, "By letter")],
        widget=forms.RadioSelect,
    )
    description = _text(_("The concern, in the patient's words as far as possible"), rows=6)

    def clean_mrn(self) -> str:
        return normalise_mrn(self.cleaned_data["mrn"])


class MessageForm(forms.Form):
    text = _text(_("Your message"), rows=4)


class AcknowledgeForm(forms.Form):
    note = _text(_("Note to the patient (optional)"), rows=3, required=False)


class ExtensionForm(forms.Form):
    reason = _text(_("Why the answer needs more time"), rows=4)
    answer_by = DateField(label=_("We will answer by"))


class ResolutionForm(forms.Form):
    contact_person = forms.CharField(
        label=_("Contact person for this decision"),
        max_length=200,
        help_text=_("The named person the patient can contact about it."),
    )
    investigation_steps = _text(_("Steps taken to investigate"))
    results = _text(_("Results"))
    completed_on = DateField(label=_("Date of completion"))


class WithdrawForm(forms.Form):
    reason = _text(_("Why you withdraw it (optional)"), rows=3, required=False)
