"""Physicians add search keywords (synonyms) to an article, and the library finds it by them:
"hypertension" finds "High blood pressure". The same tests run on SQLite (substring match with a
crude stem) and on PostgreSQL (full-text search)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from education.models import Article, search_stem
from tests.factories.education import PLAIN_BODY, ArticleFactory, publish_new_version


def _titles(client, query: str) -> list[str]:
    response = client.get("/education/", {"q": query})
    assert response.status_code == 200
    return [article.published_version.title for article in response.context["page"]]


@pytest.fixture
def articles(physician, other_physician):
    blood_pressure = ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="High blood pressure",
        summary="What high blood pressure means.",
        body="Eat less salt and walk every day.",
        keywords="hypertension, BP",
    )
    ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="Taking your medicines",
        summary="Tips to take medicines on time.",
        body="Use a pill box. Set a reminder on your phone.",
    )
    ArticleFactory(  # keywords of a draft find nothing
        author=physician, title="Kidney care", keywords="renal, nephrology"
    )
    return blood_pressure


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hypertension", ["High blood pressure"]),
        ("Hypertension", ["High blood pressure"]),
        ("bp", ["High blood pressure"]),
        ("hypertension salt", ["High blood pressure"]),
        ("medicine", ["Taking your medicines"]),
        ("renal", []),
        ("hypertension zebra", []),
    ],
)
def test_search_matches_title_body_and_keywords(client, articles, query, expected):
    assert _titles(client, query) == expected


def test_keywords_are_not_shown_to_readers(client, articles):
    page = client.get(articles.get_absolute_url()).content.decode()
    assert "High blood pressure" in page
    assert "hypertension" not in page.lower()
    assert "hypertension" not in client.get("/education/").content.decode().lower()


def test_keywords_follow_the_published_version(client, articles, other_physician):
    publish_new_version(articles, reviewer=other_physician, keywords="raised blood pressure")
    assert _titles(client, "hypertension") == []
    assert _titles(client, "raised") == ["High blood pressure"]


def test_physician_adds_keywords_in_the_article_form(client, physician):
    client.force_login(physician)
    form = client.get(reverse("staff:education_new")).content.decode()
    assert '<label for="id_keywords">Search keywords (optional)' in form
    response = client.post(
        reverse("staff:education_new"),
        {
            "title": "High blood pressure",
            "summary": "What it means.",
            "body": PLAIN_BODY,
            "language": "en",
            "keywords": "  hypertension ,, BP, Hypertension,  high   BP ,<script>alert(1)</script>",
            "action": "save",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.latest_version.keywords == (
        "hypertension, BP, high BP, <script>alert(1)</script>"
    )
    edit = client.get(reverse("staff:education_edit", args=[article.pk])).content.decode()
    assert "hypertension, BP, high BP, &lt;script&gt;" in edit
    assert "<script>alert(1)</script>" not in edit
    version = client.get(reverse("staff:education_version", args=[article.pk, 1]))
    assert "Search keywords</dt><dd>hypertension, BP" in version.content.decode()


def test_too_many_keywords_are_refused_on_the_form(client, physician):
    client.force_login(physician)
    response = client.post(
        reverse("staff:education_new"),
        {
            "title": "High blood pressure",
            "summary": "What it means.",
            "body": PLAIN_BODY,
            "language": "en",
            "keywords": "bp, " * 200,
            "action": "save",
        },
    )
    assert response.status_code == 200
    assert "Search keywords (optional): Please keep this to at most 500 characters" in (
        response.content.decode()
    )
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("medicines", "medicin"),
        ("walking", "walk"),
        ("bp", "bp"),
        ("bed", "bed"),
        ("pressures", "pressur"),
        ("Sleeping", "Sleep"),
    ],
)
def test_search_stem(word, stem):
    assert search_stem(word) == stem
