"""Every version is kept; the published words stay visible while a new version is in review."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from education import services
from education.models import ArticleVersion, VersionStatus
from tests.factories.education import ArticleFactory, publish_new_version


@pytest.fixture
def published(physician, other_physician):
    return ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="Colds: the first words",
        body="The first published words.",
    )


def new_draft(article, **changes):
    fields = {
        "title": "Colds: the second words",
        "summary": "New summary.",
        "body": "The second words, not yet reviewed.",
        "language": "en",
        **changes,
    }
    return services.save_draft(article=article, editor=article.author, **fields)


def test_editing_a_published_article_makes_a_new_draft_version(published):
    version = new_draft(published)
    assert version.number == 2
    assert version.status == VersionStatus.DRAFT
    published.refresh_from_db()
    assert published.published_version.number == 1
    assert published.latest_version == version


def test_public_and_patients_keep_the_published_version_during_review(
    client, published, patient_user, other_physician
):
    new_draft(published)
    services.submit_for_review(article=published, submitted_by=published.author)
    for who in [None, patient_user]:
        if who:
            client.force_login(who)
        page = client.get(published.get_absolute_url()).content.decode()
        assert "The first published words." in page
        assert "Colds: the first words" in page
        assert "second words" not in page
        library = client.get("/education/").content.decode()
        assert "Colds: the first words" in library
        assert "Colds: the second words" not in library

    published.refresh_from_db()
    services.approve_version(version=published.latest_version, reviewer=other_physician)
    page = client.get(published.get_absolute_url()).content.decode()
    assert "The second words, not yet reviewed." in page
    assert "The first published words." not in page


def test_search_sees_only_published_words_during_review(published):
    from education.models import Article

    new_draft(published, body="Zanzibar appears only in the draft.")
    services.submit_for_review(article=published, submitted_by=published.author)
    assert not Article.objects.published().search("Zanzibar").exists()
    assert Article.objects.published().search("first").exists()


def test_every_version_is_kept_and_the_old_published_one_is_marked_replaced(
    published, other_physician
):
    publish_new_version(published, reviewer=other_physician, body="Version two.")
    publish_new_version(published, reviewer=other_physician, body="Version three.")
    versions = list(published.versions.order_by("number").values_list("number", "status", "body"))
    assert versions == [
        (1, VersionStatus.SUPERSEDED, "The first published words."),
        (2, VersionStatus.SUPERSEDED, "Version two."),
        (3, VersionStatus.PUBLISHED, "Version three."),
    ]
    assert ArticleVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 1


def test_submitted_versions_never_change(published, other_physician):
    """Saving after submission starts a new version; the submitted one keeps its words."""
    new_draft(published, body="Sent for review.")
    services.submit_for_review(article=published, submitted_by=published.author)
    with pytest.raises(ValidationError):
        new_draft(published, body="Sneaky change during review.")
    published.refresh_from_db()
    services.send_back(
        version=published.latest_version, reviewer=other_physician, comment="Shorter."
    )
    new_draft(published, body="Third try.")
    assert list(published.versions.order_by("number").values_list("status", "body")) == [
        (VersionStatus.PUBLISHED, "The first published words."),
        (VersionStatus.RETURNED, "Sent for review."),
        (VersionStatus.DRAFT, "Third try."),
    ]


def test_saving_the_draft_again_updates_it_in_place(published):
    new_draft(published, body="One.")
    new_draft(published, body="Two.")
    assert published.versions.count() == 2
    assert published.versions.get(number=2).body == "Two."


def test_version_history_is_listed_for_the_author(client, published, other_physician):
    publish_new_version(published, reviewer=other_physician, body="Version two.")
    client.force_login(published.author)
    page = client.get(reverse("staff:education_article", args=[published.pk])).content.decode()
    assert "Version 1" in page and "Version 2" in page
    assert "Replaced by a newer version" in page
    old = client.get(reverse("staff:education_version", args=[published.pk, 1])).content.decode()
    assert "The first published words." in old


def test_reviewer_sees_what_changed_since_the_published_version(client, published, other_physician):
    new_draft(published, body="The second words, not yet reviewed.")
    services.submit_for_review(article=published, submitted_by=published.author)
    client.force_login(other_physician)
    page = client.get(reverse("staff:education_review", args=[published.pk])).content.decode()
    assert "-The first published words." in page
    assert "+The second words, not yet reviewed." in page
