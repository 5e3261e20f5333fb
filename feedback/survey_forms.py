"""The survey form, built from an instrument's items (data, not code)."""

from __future__ import annotations

from django import forms

from .models import AGREEMENT_SCALE, Instrument


class SurveyForm(forms.Form):
    """One required 1–5 choice per item, each a labelled radio group."""

    def __init__(self, *args, instrument: Instrument, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(instrument.items.all())
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=f"{item.position}. {item.text}",
                choices=AGREEMENT_SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how much you agree."},
            )

    def answers(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for item in self.items}
