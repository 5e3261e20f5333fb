"""Draft → in review → published → archived, and who may do what."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clinic.models import Role
from education import services
from education.models import Article, ArticleVersion, VersionStatus
from tests.factories import StaffFactory
from tests.factories.education import DENSE, PLAIN_BODY, ArticleFactory

ARTICLE_POST = {
    "title": "Looking after a cold",
    "summary": "What to do when you have a cold.",
    "body": PLAIN_BODY,
    "language": "en",
    "new_topics": "Colds",
}


def test_physician_writes_a_draft_only_they_can_see(client, physician, other_physician):
    client.force_login(physician)
    response = client.post(reverse("staff:education_new"), {**ARTICLE_POST, "action": "save"})
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:education_article", args=[article.pk])
    version = article.latest_version
    assert version.status == VersionStatus.DRAFT
    assert version.created_by == physician
    assert [t.name for t in version.topics.all()] == ["Colds"]
    assert "<h2>What is it?</h2>" in version.body_html

    client.force_login(other_physician)
    assert client.get(reverse("staff:education_article", args=[article.pk])).status_code == 404
    url = reverse("staff:education_version", args=[article.pk, 1])
    assert client.get(url).status_code == 404


def test_full_workflow_through_the_views(client, physician, other_physician):
    client.force_login(physician)
    client.post(reverse("staff:education_new"), {**ARTICLE_POST, "action": "submit"})
    article = Article.objects.get()
    assert article.latest_version.status == VersionStatus.IN_REVIEW
    assert article.latest_version.submitted_at is not None

    client.force_login(other_physician)
    queue = client.get(reverse("staff:education_articles")).content.decode()
    assert "Looking after a cold" in queue
    response = client.post(
        reverse("staff:education_review", args=[article.pk]),
        {"decision": "approve", "comment": "Clear."},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_version == article.latest_version
    assert article.published_version.reviewed_by == other_physician
    assert article.is_published

    client.force_login(physician)
    client.post(reverse("staff:education_archive", args=[article.pk]))
    article.refresh_from_db()
    assert article.archived_at is not None
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_author_cannot_approve_their_own_article(client, physician):
    article = ArticleFactory(author=physician, status="in_review")
    version = article.latest_version
    with pytest.raises(PermissionDenied):
        services.approve_version(version=version, reviewer=physician)
    client.force_login(physician)
    url = reverse("staff:education_review", args=[article.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "approve"}).status_code == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert version.reviewed_by is None
    article.refresh_from_db()
    assert article.published_version is None


def test_reviewer_sends_back_with_comments_and_the_version_is_kept(
    client, physician, other_physician
):
    article = ArticleFactory(author=physician, status="in_review")
    client.force_login(other_physician)
    url = reverse("staff:education_review", args=[article.pk])
    response = client.post(url, {"decision": "send_back", "comment": ""})
    assert response.status_code == 200
    assert "Tell the author what to change." in response.content.decode()
    client.post(url, {"decision": "send_back", "comment": "Use shorter sentences, please."})
    returned = article.versions.get(number=1)
    assert returned.status == VersionStatus.RETURNED
    assert returned.review_comment == "Use shorter sentences, please."

    client.force_login(physician)
    page = client.get(reverse("staff:education_edit", args=[article.pk])).content.decode()
    assert "Use shorter sentences, please." in page
    client.post(
        reverse("staff:education_edit", args=[article.pk]),
        {**ARTICLE_POST, "body": "Short. Clear.", "action": "submit"},
    )
    assert list(article.versions.values_list("number", "status")) == [
        (2, VersionStatus.IN_REVIEW),
        (1, VersionStatus.RETURNED),
    ]
    assert article.versions.get(number=1).body == PLAIN_BODY


def test_above_grade_eight_needs_a_confirmed_override_with_reason(
    client, physician, other_physician
):
    article = ArticleFactory(author=physician, status="in_review", body=DENSE)
    version = article.latest_version
    assert version.needs_grade_override
    with pytest.raises(ValidationError):
        services.approve_version(version=version, reviewer=other_physician)

    client.force_login(other_physician)
    url = reverse("staff:education_review", args=[article.pk])
    page = client.post(url, {"decision": "approve"}).content.decode()
    assert "Confirm the override" in page
    assert "Give the reason" in page
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW

    client.post(
        url,
        {
            "decision": "approve",
            "confirm_override": "on",
            "override_reason": "Written for carers who asked for the medical terms.",
        },
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.grade_override_reason == "Written for carers who asked for the medical terms."


def test_plain_article_needs_no_override(other_physician, physician):
    article = ArticleFactory(author=physician, status="in_review")
    version = services.approve_version(version=article.latest_version, reviewer=other_physician)
    assert version.status == VersionStatus.PUBLISHED
    assert version.grade_override_reason == ""


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.PRIVACY_OFFICER, Role.ADMIN])
def test_non_physicians_cannot_write_or_review(client, db, role, physician):
    staff = StaffFactory(role=role)
    article = ArticleFactory(author=physician, status="in_review")
    client.force_login(staff)
    for name, args in [
        ("staff:education_articles", []),
        ("staff:education_new", []),
        ("staff:education_edit", [article.pk]),
        ("staff:education_review", [article.pk]),
        ("staff:education_assign", [article.pk]),
        ("staff:education_images", []),
    ]:
        url = reverse(name, args=args)
        assert client.get(url).status_code == 403, url
        assert client.post(url, {**ARTICLE_POST, "decision": "approve"}).status_code == 403, url
    assert Article.objects.count() == 1
    article.latest_version.refresh_from_db()
    assert article.latest_version.status == VersionStatus.IN_REVIEW
    with pytest.raises(PermissionDenied):
        services.create_article(author=staff, title="x", summary="x", body="x", language="en")
    with pytest.raises(PermissionDenied):
        services.approve_version(version=article.latest_version, reviewer=staff)


def test_patients_cannot_reach_the_staff_education_pages(client, patient_user, physician):
    article = ArticleFactory(author=physician)
    client.force_login(patient_user)
    for url in [
        reverse("staff:education_articles"),
        reverse("staff:education_article", args=[article.pk]),
        reverse("staff:education_version", args=[article.pk, 1]),
        reverse("staff:education_preview"),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, ARTICLE_POST).status_code == 403


@pytest.mark.parametrize("status", ["draft", "in_review", "returned"])
def test_patients_and_public_cannot_see_unpublished_articles_by_guessing(
    client, patient_user, physician, status
):
    article = ArticleFactory(author=physician, status=status, title="Secret draft on colds")
    for who in [None, patient_user]:
        if who:
            client.force_login(who)
        assert client.get(f"/education/{article.slug}/").status_code == 404
        assert client.get(f"/education/{article.slug}/?version=1").status_code == 404
        assert "Secret draft" not in client.get("/education/").content.decode()
        assert "Secret draft" not in client.get("/education/?q=secret").content.decode()
        assert "Secret draft" not in client.get("/portal/education/").content.decode()


def test_other_physicians_never_see_someone_elses_unsubmitted_draft(
    client, physician, other_physician
):
    published = ArticleFactory(author=physician, status="published", reviewer=other_physician)
    services.save_draft(
        article=published,
        editor=physician,
        title="Unsubmitted new words",
        summary="x",
        body="Draft words.",
        language="en",
    )
    client.force_login(other_physician)
    page = client.get(reverse("staff:education_article", args=[published.pk])).content.decode()
    assert "Unsubmitted new words" not in page
    assert client.get(reverse("staff:education_version", args=[published.pk, 2])).status_code == 404
    assert client.get(reverse("staff:education_version", args=[published.pk, 1])).status_code == 200
    assert client.get(reverse("staff:education_edit", args=[published.pk])).status_code == 403


def test_posting_the_new_article_form_twice_makes_one_article(client, physician):
    client.force_login(physician)
    data = {**ARTICLE_POST, "action": "save", "creation_key": str(uuid.uuid4())}
    first = client.post(reverse("staff:education_new"), data)
    second = client.post(reverse("staff:education_new"), data)
    assert Article.objects.count() == 1
    assert ArticleVersion.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_double_submit_and_double_approve_change_nothing_twice(client, physician, other_physician):
    article = ArticleFactory(author=physician)
    client.force_login(physician)
    client.post(reverse("staff:education_submit", args=[article.pk]))
    client.post(reverse("staff:education_submit", args=[article.pk]))
    assert ArticleVersion.objects.filter(status=VersionStatus.IN_REVIEW).count() == 1

    client.force_login(other_physician)
    url = reverse("staff:education_review", args=[article.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert ArticleVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 1


def test_preview_saves_nothing(client, physician):
    client.force_login(physician)
    response = client.post(reverse("staff:education_new"), {**ARTICLE_POST, "action": "preview"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "How plain it reads" in page
    assert "<h2>What is it?</h2>" in page
    assert Article.objects.count() == 0

    response = client.post(reverse("staff:education_preview"), ARTICLE_POST)
    assert response.status_code == 200
    assert "Reading grade" in response.content.decode()
    assert Article.objects.count() == 0


def test_live_preview_returns_only_sanitised_html(client, physician):
    client.force_login(physician)
    response = client.post(
        reverse("staff:education_preview"),
        {**ARTICLE_POST, "body": "Hi <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    page = response.content.decode()
    assert "<script" not in page
    assert "javascript:" not in page


def test_edit_while_in_review_is_refused(client, physician):
    article = ArticleFactory(author=physician, status="in_review")
    client.force_login(physician)
    response = client.post(
        reverse("staff:education_edit", args=[article.pk]), {**ARTICLE_POST, "action": "save"}
    )
    assert response.status_code == 302
    assert article.versions.get().body == PLAIN_BODY
    with pytest.raises(ValidationError):
        services.save_draft(
            article=article, editor=physician, title="x", summary="x", body="x", language="en"
        )


def test_only_the_author_edits_or_archives(client, physician, other_physician):
    article = ArticleFactory(author=physician, status="published", reviewer=other_physician)
    client.force_login(other_physician)
    assert client.post(reverse("staff:education_archive", args=[article.pk])).status_code == 403
    response = client.post(
        reverse("staff:education_edit", args=[article.pk]), {**ARTICLE_POST, "action": "save"}
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.archived_at is None
    assert article.versions.count() == 1


def test_only_the_author_submits_or_restores(client, physician, other_physician):
    draft = ArticleFactory(author=physician)
    archived = ArticleFactory(author=physician, status="published", reviewer=other_physician)
    services.archive_article(article=archived, archived_by=physician)
    client.force_login(other_physician)
    assert client.post(reverse("staff:education_submit", args=[draft.pk])).status_code in (403, 404)
    assert client.post(reverse("staff:education_restore", args=[archived.pk])).status_code in (
        403,
        404,
    )
    assert draft.versions.get().status == VersionStatus.DRAFT
    archived.refresh_from_db()
    assert archived.archived_at is not None


def test_archived_article_can_be_restored(client, physician, other_physician):
    article = ArticleFactory(author=physician, status="published", reviewer=other_physician)
    client.force_login(physician)
    client.post(reverse("staff:education_archive", args=[article.pk]))
    assert client.get(article.get_absolute_url()).status_code == 404
    client.post(reverse("staff:education_restore", args=[article.pk]))
    assert client.get(article.get_absolute_url()).status_code == 200


def test_reviewer_and_author_are_told_through_notifications(physician, other_physician):
    from notifications.models import Notification

    article = ArticleFactory(author=physician, status="in_review")
    services.send_back(version=article.latest_version, reviewer=other_physician, comment="More.")
    note = Notification.objects.get(recipient=physician)
    assert "sent your article" in note.message
    assert note.link == reverse("staff:education_article", args=[article.pk])
