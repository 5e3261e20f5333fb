from django import forms


class ConcernForm(forms.Form):
    description = forms.CharField(
        label="Tell us what worries you",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example: you do not know this person, or you did not expect them to look.",
    )
    event = forms.IntegerField(widget=forms.HiddenInput, required=False)
