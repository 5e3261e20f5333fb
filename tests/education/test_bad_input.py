"""Bad input gets a clear message on the form and changes nothing; never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from education.models import Article, ArticleVersion, Topic
from tests.factories.education import PLAIN_BODY, ArticleFactory

VALID = {
    "title": "Looking after a cold",
    "summary": "What to do when you have a cold.",
    "body": PLAIN_BODY,
    "language": "en",
    "action": "save",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"body": "x" * 100_000}, "body", "at most 20000 characters"),
        ({"title": "t" * 201}, "title", "at most 200 characters"),
        ({"summary": "s" * 501}, "summary", "at most 500 characters"),
        ({"title": ""}, "title", "This field is required"),
        ({"body": "   "}, "body", "This field is required"),
        ({"language": "xx"}, "language", "Select a valid choice"),
        ({"language": "other"}, "language", "Select a valid choice"),
        ({"topics": ["abc"]}, "topics", "is not a valid value"),
        ({"topics": ["99999"]}, "topics", "Select a valid choice"),
        ({"title": "null\x00byte"}, "title", "Null characters are not allowed"),
        ({"new_topics": "a, b, c, d, e, f"}, "new_topics", "at most 5 new topics"),
        ({"new_topics": "!!!"}, "new_topics", "needs at least one letter or number"),
        ({"new_topics": "x" * 61}, "new_topics", "60 characters or fewer"),
        ({"creation_key": "not-a-uuid"}, "creation_key", ""),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit", "preview"])
def test_bad_article_input_is_a_form_error_and_saves_nothing(
    client, physician, changes, field, message, action
):
    client.force_login(physician)
    response = client.post(reverse("staff:education_new"), {**VALID, **changes, "action": action})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert message in page
    assert not Article.objects.exists()
    assert not Topic.objects.exists()


def test_bad_input_on_edit_changes_nothing(client, physician):
    article = ArticleFactory(author=physician)
    client.force_login(physician)
    response = client.post(
        reverse("staff:education_edit", args=[article.pk]), {**VALID, "body": "x" * 100_000}
    )
    assert response.status_code == 200
    assert "at most 20000 characters" in response.content.decode()
    assert ArticleVersion.objects.get().body == PLAIN_BODY


def test_html_in_every_text_field_is_shown_as_text(client, physician, other_physician):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    client.force_login(physician)
    client.post(
        reverse("staff:education_new"),
        {
            **VALID,
            "title": f"Title {hostile}",
            "summary": f"Summary {hostile}",
            "body": f"Body {hostile}",
            "new_topics": f"Topic {hostile}",
            "action": "submit",
        },
    )
    article = Article.objects.get()
    client.force_login(other_physician)
    review_url = reverse("staff:education_review", args=[article.pk])
    for url in [
        reverse("staff:education_articles"),
        reverse("staff:education_article", args=[article.pk]),
        review_url,
        reverse("staff:education_version", args=[article.pk, 1]),
    ]:
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page, url
        assert "<img src=x" not in page, url
    client.post(review_url, {"decision": "approve", "comment": f"Fine {hostile}"})
    client.logout()
    for url in [article.get_absolute_url(), "/education/", "/education/?q=Title"]:
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page, url
        assert "onerror=alert(2)" not in page or "&lt;img" in page, url


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "publish-everything"},
        {"decision": ""},
        {"decision": "approve", "comment": "c" * 2001},
        {"decision": "send_back", "comment": "   "},
    ],
)
def test_bad_review_input_is_a_form_error(client, physician, other_physician, data):
    article = ArticleFactory(author=physician, status="in_review")
    client.force_login(other_physician)
    response = client.post(reverse("staff:education_review", args=[article.pk]), data)
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    article.latest_version.refresh_from_db()
    assert article.latest_version.status == "in_review"


def test_long_note_is_a_form_error(client, physician, patient, other_physician):
    from tests.factories.consent import grant

    article = ArticleFactory(author=other_physician, reviewer=physician, status="published")
    grant(patient, physician)
    client.force_login(physician)
    response = client.post(
        reverse("staff:education_assign", args=[article.pk]),
        {"patient": patient.pk, "note": "n" * 1001},
    )
    assert response.status_code == 200
    assert "at most 1000 characters" in response.content.decode()


@pytest.mark.parametrize("url", ["/staff/education/abc/", "/staff/education/1/versions/x/"])
def test_malformed_ids_are_404(client, physician, url):
    client.force_login(physician)
    assert client.get(url).status_code == 404


def test_missing_ids_are_404(client, physician):
    client.force_login(physician)
    for name in ["staff:education_article", "staff:education_edit", "staff:education_review"]:
        assert client.get(reverse(name, args=[99999])).status_code == 404
    assert client.get("/education/no-such-article/").status_code == 404
