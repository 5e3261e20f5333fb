"""Suggestions: patients and staff suggest, others support instead of repeating, and the clinic
sets a status and a public reply; the author's name is never shown."""

from __future__ import annotations

import pytest

from feedback.models import Suggestion, SuggestionStatus
from feedback.suggestions import suggest


def test_a_patient_suggests_and_a_physician_supports_it(client, patient_user, physician):
    client.force_login(patient_user)
    response = client.post(
        "/portal/feedback/suggestions/", {"title": "Dark mode", "details": "Easier at night."}
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    client.force_login(physician)
    page = client.get("/staff/suggestions/").content.decode()
    assert "Dark mode" in page and "1 supporter" in page
    assert "Maria" not in page and patient_user.email not in page
    client.post(f"/staff/suggestions/{suggestion.pk}/support/")
    client.post(f"/staff/suggestions/{suggestion.pk}/support/")  # double submit: counted once
    assert "2 supporters" in client.get("/staff/suggestions/").content.decode()


def test_the_same_title_again_is_refused_with_a_pointer_to_support(client, patient_user):
    suggest(author=patient_user, title="Dark mode")
    client.force_login(patient_user)
    response = client.post("/portal/feedback/suggestions/", {"title": "dark MODE"})
    assert "add your support to it in the list" in response.content.decode()
    assert Suggestion.objects.count() == 1


@pytest.mark.parametrize("title", ["", "   ", "x" * 151])
def test_bad_titles_are_refused(client, patient_user, title):
    client.force_login(patient_user)
    response = client.post("/portal/feedback/suggestions/", {"title": title})
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_the_privacy_officer_replies_in_public(client, patient_user, privacy_officer):
    suggestion = suggest(author=patient_user, title="<b>Bigger text</b>")
    client.force_login(privacy_officer)
    url = f"/staff/suggestions/{suggestion.pk}/reply/"
    response = client.post(url, {"status": "planned", "reply": "Coming in the spring."})
    assert response.status_code == 302
    client.force_login(patient_user)
    page = client.get("/portal/feedback/suggestions/").content.decode()
    assert "Planned" in page and "Coming in the spring." in page
    assert "<b>Bigger text</b>" not in page and "&lt;b&gt;Bigger text" in page


@pytest.mark.parametrize("role_fixture", ["physician", "front_desk"])
def test_only_privacy_officers_and_admins_reply(client, patient_user, request, role_fixture):
    suggestion = suggest(author=patient_user, title="Dark mode")
    client.force_login(request.getfixturevalue(role_fixture))
    url = f"/staff/suggestions/{suggestion.pk}/reply/"
    assert client.post(url, {"status": "done", "reply": "Done"}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.NEW


@pytest.mark.parametrize(
    "data", [{"status": "bogus", "reply": "x"}, {"status": "done", "reply": ""}]
)
def test_bad_replies_are_refused(client, patient_user, clinic_admin, data):
    suggestion = suggest(author=patient_user, title="Dark mode")
    client.force_login(clinic_admin)
    response = client.post(f"/staff/suggestions/{suggestion.pk}/reply/", data)
    assert response.status_code == 200
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reply) == (SuggestionStatus.NEW, "")


def test_unknown_ids_are_404(client, patient_user, privacy_officer):
    client.force_login(patient_user)
    assert client.post("/portal/feedback/suggestions/999/support/").status_code == 404
    client.force_login(privacy_officer)
    assert client.get("/staff/suggestions/999/reply/").status_code == 404
    assert client.post("/staff/suggestions/999/support/").status_code == 404


def test_the_list_has_a_flat_query_count(client, patient_user, django_assert_max_num_queries):
    for n in range(8):
        suggest(author=patient_user, title=f"Idea {n}")
    client.force_login(patient_user)
    with django_assert_max_num_queries(12):
        assert client.get("/portal/feedback/suggestions/").status_code == 200
