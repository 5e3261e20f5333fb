"""Plain language on every page a patient sees: no jargon, no staff-side words, no raw Django
messages; dates typed in the one format the hint shows; times say the clinic's time zone."""

from __future__ import annotations

import re

import pytest

from tests.records.test_content_views_log_reads import concrete_urls, world  # noqa: F401

JARGON = [
    "US school grade",
    "grievance",
    "Grievance",
    "Two-Factor",
    "This field is required",
    "is not one of the available choices",
    "Ensure this value",
    "Enter a valid date",
]


def visible_text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_no_patient_page_uses_jargon_or_staff_words(client, world, patient_user):  # noqa: F811
    client.force_login(patient_user)
    checked = 0
    for url, _ in concrete_urls(world["ids"]):
        if url.startswith(("/staff/", "/admin/")):
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        text = visible_text(response.content.decode())
        for word in JARGON:
            assert word not in text, f"{url} says {word!r}"
    assert checked > 10


def test_every_page_says_which_time_zone_its_times_are_in(client, patient_user, settings):
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert f"the clinic's local time ({settings.TIME_ZONE})" in page


@pytest.mark.parametrize("typed", ["1957-11-02", "1957 11 02", "1957/11/02", " 1957-11-2 "])
def test_dates_are_typed_as_the_hint_shows(typed):
    from clinic.forms import DateField

    field = DateField()
    assert field.help_text == "Year-month-day, for example 2026-03-14."
    assert str(field.clean(typed)) == "1957-11-02"


@pytest.mark.parametrize("typed", ["02/11/1957", "11/02/1957", "2 Nov 1957", "1957-13-02"])
def test_other_date_formats_get_a_plain_message_naming_the_format(typed):
    from django.core.exceptions import ValidationError

    from clinic.forms import DateField

    with pytest.raises(ValidationError) as refused:
        DateField().clean(typed)
    assert refused.value.messages == ["Enter a real date, for example 2026-03-14."]


def test_date_inputs_are_text_so_what_is_typed_matches_the_hint(client, db):
    page = client.get("/activate/").content.decode()
    assert 'type="date"' not in page
    assert "Year-month-day, for example 1957-11-02." in page


def test_choices_and_lengths_are_refused_in_plain_words():
    from django import forms

    class Form(forms.Form):
        colour = forms.ChoiceField(choices=[("red", "Red")])
        note = forms.CharField(max_length=5)

    form = Form({"colour": "<b>blue</b>", "note": "far too long"})
    assert not form.is_valid()
    assert form.errors["colour"] == ["Select a valid choice. Choose one of the options shown."]
    assert form.errors["note"] == ["Please keep this to at most 5 characters (it has 12)."]
