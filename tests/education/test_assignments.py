"""Assigning published articles to patients the physician may see, and the patient's reading
list at /portal/education/."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consent.services import revoke_consent
from education import services
from education.models import Assignment, Response
from notifications.models import Notification
from tests.factories.consent import grant
from tests.factories.education import ArticleFactory, AssignmentFactory


@pytest.fixture
def article(physician, other_physician):
    return ArticleFactory(
        author=other_physician,
        reviewer=physician,
        status="published",
        title="Looking after a cold",
        body="Rest and drink water.",
    )


def assign_url(article) -> str:
    return reverse("staff:education_assign", args=[article.pk])


def test_physician_assigns_to_a_patient_who_shares_their_record(
    client, physician, patient, article
):
    grant(patient, physician)
    client.force_login(physician)
    page = client.get(assign_url(article)).content.decode()
    assert patient.legal_name in page
    response = client.post(
        assign_url(article), {"patient": patient.pk, "note": "Read this before Tuesday."}
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.patient, assignment.assigned_by, assignment.note) == (
        patient,
        physician,
        "Read this before Tuesday.",
    )
    # The patient is told, without the article's title (it could hint at their health).
    note = Notification.objects.get(recipient=patient.user)
    assert "reading list" in note.message
    assert "cold" not in note.message.lower()


def test_cannot_assign_to_a_patient_the_physician_may_not_see(
    client, physician, patient, other_patient, article
):
    grant(patient, physician)
    client.force_login(physician)
    page = client.get(assign_url(article)).content.decode()
    assert other_patient.legal_name not in page
    response = client.post(assign_url(article), {"patient": other_patient.pk, "note": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Assignment.objects.exists()
    assert not Notification.objects.filter(recipient=other_patient.user).exists()
    with pytest.raises(PermissionDenied):
        services.assign_article(article=article, patient=other_patient, physician=physician)
    assert not Assignment.objects.exists()


def test_revoked_consent_ends_the_right_to_assign(client, physician, patient, article):
    grant(patient, physician)
    given = patient.consent_grants.get()
    revoke_consent(grant=given, revoked_by=patient.user)
    client.force_login(physician)
    response = client.post(assign_url(article), {"patient": patient.pk})
    assert response.status_code == 200
    assert not Assignment.objects.exists()


def test_only_published_articles_can_be_assigned(client, physician, patient):
    grant(patient, physician)
    draft = ArticleFactory(author=physician)
    with pytest.raises(ValidationError):
        services.assign_article(article=draft, patient=patient, physician=physician)
    in_review = ArticleFactory(author=physician, status="in_review")
    client.force_login(physician)
    response = client.post(assign_url(in_review), {"patient": patient.pk})
    assert response.status_code == 302
    assert not Assignment.objects.exists()


def test_assigning_twice_makes_one_assignment(client, physician, patient, article):
    grant(patient, physician)
    client.force_login(physician)
    client.post(assign_url(article), {"patient": patient.pk, "note": "first"})
    client.post(assign_url(article), {"patient": patient.pk, "note": "second"})
    assert Assignment.objects.get().note == "first"
    assert Notification.objects.filter(recipient=patient.user).count() == 1


@pytest.mark.parametrize("patient_value", ["abc", "", "-1", "99999", "1.5", "<script>"])
def test_wrong_patient_values_are_form_errors(client, physician, patient, article, patient_value):
    grant(patient, physician)
    client.force_login(physician)
    response = client.post(assign_url(article), {"patient": patient_value})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Assignment.objects.exists()


def test_patient_reads_their_assignment_with_the_note_escaped(
    client, physician, patient_user, patient, article
):
    assignment = AssignmentFactory(
        article=article,
        patient=patient,
        assigned_by=physician,
        note="<b>Hi</b> <script>alert(1)</script>\nSee you soon.",
    )
    client.force_login(patient_user)
    listing = client.get(reverse("portal:education")).content.decode()
    assert "Looking after a cold" in listing
    assert "From Dr A. Rivera" in listing
    url = reverse("portal:education_assignment", args=[assignment.pk])
    page = client.get(url).content.decode()
    assert "&lt;b&gt;Hi&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;<br>See you soon." in page
    assert "<script>alert(1)" not in page
    assert "Rest and drink water." in page
    assignment.refresh_from_db()
    assert assignment.first_read_at is not None
    article.refresh_from_db()
    assert article.view_count == 1


def test_patients_see_only_their_own_assignments(
    client, physician, patient, other_patient_user, other_patient, article
):
    mine = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    theirs = AssignmentFactory(article=article, patient=other_patient, assigned_by=physician)
    client.force_login(other_patient_user)
    listing = client.get(reverse("portal:education")).content.decode()
    assert reverse("portal:education_assignment", args=[theirs.pk]) in listing
    assert reverse("portal:education_assignment", args=[mine.pk]) not in listing
    for name in ["portal:education_assignment"]:
        assert client.get(reverse(name, args=[mine.pk])).status_code == 404
    for name in ["portal:education_respond", "portal:education_rate", "portal:education_ask"]:
        response = client.post(
            reverse(name, args=[mine.pk]),
            {"response": "understood", "helpful": 1, "text": "Is this mine?"},
        )
        assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.response == "" and mine.helpful is None
    assert not mine.questions.exists()
    assert client.get(reverse("portal:education_assignment", args=[99999])).status_code == 404


def test_staff_cannot_open_the_patient_reading_list(client, physician):
    client.force_login(physician)
    assert client.get(reverse("portal:education")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("portal:education"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_i_have_a_question_tells_the_physician_without_health_data(
    client, physician, patient_user, patient, article
):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    url = reverse("portal:education_ask", args=[assignment.pk])
    text = "Can I take ibuprofen with my heart tablets?"
    assert client.post(url, {"text": text}).status_code == 302
    client.post(url, {"text": text})  # double submit: kept and told once
    assignment.refresh_from_db()
    assert assignment.response == Response.QUESTION
    question = assignment.questions.get()
    notes = Notification.objects.filter(recipient=physician)
    assert notes.count() == 1
    message = notes.get().message
    assert message == (
        "A patient has a question about an article you assigned: “Looking after a cold”."
    )
    assert patient.legal_name not in message and patient.mrn not in message
    assert "ibuprofen" not in message
    assert notes.get().link == reverse("staff:education_question", args=[question.pk])

    client.force_login(physician)
    page = client.get(reverse("staff:education_questions")).content.decode()
    assert patient.legal_name in page
    assert "ibuprofen" in page


def test_a_question_needs_words(client, physician, patient_user, patient, article):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    for text in ["", "   ", "x" * 2001]:
        response = client.post(
            reverse("portal:education_ask", args=[assignment.pk]), {"text": text}
        )
        assert response.status_code == 200
        assert "Please correct the following" in response.content.decode()
    button = client.post(
        reverse("portal:education_respond", args=[assignment.pk]), {"response": "question"}
    )
    assert button.status_code == 302
    assert not assignment.questions.exists()
    assert not Notification.objects.filter(recipient=physician).exists()


def test_questions_page_hides_names_of_patients_who_stopped_sharing(
    client, physician, patient, article
):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    services.ask_question(assignment=assignment, text="What is a cold?")
    revoke_consent(grant=patient.consent_grants.get(), revoked_by=patient.user)
    client.force_login(physician)
    page = client.get(reverse("staff:education_questions")).content.decode()
    assert patient.legal_name not in page
    assert "no longer shares their record" in page


def test_i_understand_and_rating(client, physician, patient_user, patient, article):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    client.post(
        reverse("portal:education_respond", args=[assignment.pk]), {"response": "understood"}
    )
    client.post(reverse("portal:education_rate", args=[assignment.pk]), {"helpful": "4"})
    assignment.refresh_from_db()
    assert assignment.response == Response.UNDERSTOOD
    assert assignment.helpful == 4
    assert not Notification.objects.filter(recipient=physician).exists()


@pytest.mark.parametrize("value", ["0", "6", "abc", "", "4.5", "<script>"])
def test_bad_ratings_change_nothing(client, physician, patient_user, patient, article, value):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    response = client.post(
        reverse("portal:education_rate", args=[assignment.pk]), {"helpful": value}, follow=True
    )
    assert response.status_code == 200
    assert "Choose how helpful" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.helpful is None


@pytest.mark.parametrize("value", ["maybe", "", "UNDERSTOOD"])
def test_bad_responses_change_nothing(client, physician, patient_user, patient, article, value):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    client.post(reverse("portal:education_respond", args=[assignment.pk]), {"response": value})
    assignment.refresh_from_db()
    assert assignment.response == ""


def test_withdrawn_article_is_shown_as_withdrawn(client, physician, patient_user, patient, article):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    services.archive_article(article=article, archived_by=article.author)
    client.force_login(patient_user)
    page = client.get(reverse("portal:education_assignment", args=[assignment.pk])).content
    assert "withdrawn" in page.decode()
    assert "Rest and drink water." not in page.decode()


def test_withdrawn_article_cannot_be_answered_or_rated(
    client, physician, patient_user, patient, article
):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    services.archive_article(article=article, archived_by=article.author)
    client.force_login(patient_user)
    for name, data in [
        ("portal:education_respond", {"response": "understood"}),
        ("portal:education_ask", {"text": "Is this still true?"}),
        ("portal:education_rate", {"helpful": "5"}),
    ]:
        response = client.post(reverse(name, args=[assignment.pk]), data, follow=True)
        assert response.status_code == 200
        assert "This article was withdrawn by the clinic." in response.content.decode()
    assignment.refresh_from_db()
    assert (assignment.response, assignment.helpful) == ("", None)
    assert not Notification.objects.filter(recipient=physician).exists()


def test_portal_home_lists_articles_to_read(client, physician, patient_user, patient, article):
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert "Read “Looking after a cold” from Dr A. Rivera" in page
    services.respond_to_assignment(assignment=assignment, response=Response.UNDERSTOOD)
    assert "Looking after a cold" not in client.get("/portal/").content.decode()
