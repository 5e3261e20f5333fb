"""/education/: the published library, readable without signing in, searchable by words and
topic (PostgreSQL full-text search on PostgreSQL, a simple match on SQLite: same tests)."""

from __future__ import annotations

import pytest
from django.db import connection

from education.models import Article
from tests.factories import StaffFactory
from tests.factories.education import ArticleFactory, TopicFactory


@pytest.fixture
def library(physician, other_physician):
    heart = TopicFactory(name="Heart health")
    sleep = TopicFactory(name="Sleep")
    ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="High blood pressure",
        summary="What high blood pressure means.",
        body="Eat less salt and walk every day. Your heart will thank you.",
        topics=[heart],
    )
    ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="Sleeping well",
        summary="Tips for a good night.",
        body="Go to bed at the same time. Keep your bedroom dark and quiet.",
        topics=[sleep],
    )
    ArticleFactory(
        author=physician,
        status="in_review",
        title="Salt and your kidneys",
        body="Salt matters for kidneys too.",
        topics=[heart],
    )
    return {"heart": heart, "sleep": sleep}


def titles(response) -> list[str]:
    return [article.published_version.title for article in response.context["page"]]


def test_library_is_readable_without_signing_in(client, library):
    response = client.get("/education/")
    assert response.status_code == 200
    assert sorted(titles(response)) == ["High blood pressure", "Sleeping well"]
    page = response.content.decode()
    assert "Health library" in page
    assert "Salt and your kidneys" not in page  # in review: not public


def test_article_page_shows_author_reviewer_date_and_grade(client, library, other_physician):
    article = Article.objects.published().get(published_version__title="Sleeping well")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dr A. Rivera" in page  # author
    assert "Dr M. Chen" in page  # reviewer
    assert f"{article.published_version.reviewed_at:%-d %B %Y}" in page
    assert f"reading level {article.published_version.reading_grade}" in page
    assert "US school grade" not in page  # plain words on a page patients read
    assert "Keep your bedroom dark and quiet." in page


def test_public_article_pages_are_counted_and_carry_no_patient_data(
    client, library, patient, physician
):
    article = Article.objects.published().first()
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    article.refresh_from_db()
    assert article.view_count == 2
    page = client.get(article.get_absolute_url()).content.decode()
    assert patient.legal_name not in page
    assert patient.mrn not in page
    assert "Signed in as" not in page


def test_staff_reading_the_public_page_is_not_counted(client, library, physician):
    article = Article.objects.published().first()
    client.force_login(physician)
    client.get(article.get_absolute_url())
    article.refresh_from_db()
    assert article.view_count == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("salt", ["High blood pressure"]),
        ("SALT", ["High blood pressure"]),
        ("bedroom dark", ["Sleeping well"]),
        ("sleeping", ["Sleeping well"]),
        ("pressure", ["High blood pressure"]),
        ("kidneys", []),  # only in the article in review
        ("zebra", []),
    ],
)
def test_search_finds_published_articles_by_word(client, library, query, expected):
    assert titles(client.get("/education/", {"q": query})) == expected


def test_search_by_topic(client, library):
    response = client.get("/education/", {"topic": "heart-health"})
    assert titles(response) == ["High blood pressure"]
    assert titles(client.get("/education/", {"topic": "sleep"})) == ["Sleeping well"]


def test_search_by_word_and_topic_together(client, library):
    assert titles(client.get("/education/", {"q": "salt", "topic": "sleep"})) == []
    assert titles(client.get("/education/", {"q": "salt", "topic": "heart-health"})) == [
        "High blood pressure"
    ]


def test_unknown_topic_and_odd_queries_never_fail(client, library):
    for params in [
        {"topic": "no-such-topic"},
        {"topic": "'; DROP TABLE education_article; --"},
        {"q": "a" * 500},
        {"q": '"unbalanced quote & | ! ( <script>'},
        {"q": "-"},
        {"language": "xx"},
        {"page": "-1"},
        {"page": "abc"},
    ]:
        response = client.get("/education/", params)
        assert response.status_code == 200, params
        assert "<script>" not in response.content.decode()


def test_filter_by_language(client, library, physician, other_physician):
    ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="Dormir bien",
        summary="Consejos.",
        body="Acuéstese a la misma hora.",
        language="es",
    )
    assert titles(client.get("/education/", {"language": "es"})) == ["Dormir bien"]


def test_database_search_matches_the_engine_in_use(library):
    found = list(Article.objects.published().search("salt"))
    assert [a.published_version.title for a in found] == ["High blood pressure"]
    if connection.vendor == "postgresql":
        # Full-text search stems words: "walking" finds "walk".
        found = Article.objects.published().search("walking")
        assert [a.published_version.title for a in found] == ["High blood pressure"]


@pytest.mark.parametrize("count", [3, 12])
def test_library_query_count_stays_flat(client, db, django_assert_max_num_queries, count):
    author = StaffFactory()
    reviewer = StaffFactory()
    topic = TopicFactory(name="Common")
    for _ in range(count):
        ArticleFactory(author=author, reviewer=reviewer, status="published", topics=[topic])
    # count + page of articles + their topics + the topic filter's choices (+ topic list)
    with django_assert_max_num_queries(5):
        response = client.get("/education/")
    assert len(response.context["page"]) == count
    with django_assert_max_num_queries(5):
        client.get("/education/", {"q": "cold", "topic": "common"})
