from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.forms import DateField
from patients.models import RecordCategory, Sensitivity

from .documents import check_document


class PatientSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or MRN", max_length=100, required=False)


class RecordEntryForm(forms.Form):
    category = forms.ChoiceField(choices=RecordCategory.choices)
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        max_length=20_000, required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    recorded_on = DateField(label="Date")
    sensitive = forms.BooleanField(
        label="Sensitive (mental health, sexual health, substance use or genetics)", required=False
    )
    sensitivity = forms.ChoiceField(
        label="Kind of sensitive information",
        choices=[("", "Not sensitive"), *Sensitivity.choices],
        required=False,
    )
    document = forms.FileField(
        label="Document (PDF, PNG or JPEG)",
        required=False,
        help_text="Only for the Document category.",
    )

    def __init__(self, *args, categories: set[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate()
        if categories is not None:
            self.fields["category"].choices = [
                (value, label) for value, label in RecordCategory.choices if value in categories
            ]

    def clean_recorded_on(self) -> dt.date:
        day = self.cleaned_data["recorded_on"]
        if day > timezone.localdate():
            raise ValidationError("The date cannot be in the future.")
        if day.year < 1900:
            raise ValidationError("Please check the date.")
        return day

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            check_document(document)
        return document

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("sensitive") and not cleaned.get("sensitivity"):
            self.add_error("sensitivity", "Choose what kind of sensitive information this is.")
        if cleaned.get("sensitivity") and not cleaned.get("sensitive"):
            cleaned["sensitive"] = True
        is_document = cleaned.get("category") == RecordCategory.DOCUMENT
        if is_document and not cleaned.get("document"):
            self.add_error("document", "Attach the document.")
        if cleaned.get("document") and not is_document:
            self.add_error("document", "Attach files only to entries of the Document category.")
        return cleaned
