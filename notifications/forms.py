from __future__ import annotations

from django import forms

from .models import Delivery


class EmailPreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="Email me about looks at my record",
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        help_text="Emergency access is always emailed at once.",
    )
