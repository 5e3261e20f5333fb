from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class EmailPreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("Email me about looks at my record"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        help_text=_("Emergency access is always emailed at once."),
    )
