"""Authors see, per article, views, "I understand" and "I have a question" answers and helpful
ratings; the author's list keeps a flat number of queries as articles grow."""

from __future__ import annotations

import pytest
from django.urls import reverse

from education import services
from education.models import Article, Response
from tests.factories import PatientUserFactory, StaffFactory
from tests.factories.education import ArticleFactory, AssignmentFactory


def give_feedback(article, physician, answers):
    for response, helpful in answers:
        assignment = AssignmentFactory(
            article=article, patient=PatientUserFactory().patient, assigned_by=physician
        )
        if response == Response.QUESTION:
            services.ask_question(assignment=assignment, text="What does this word mean?")
        elif response:
            services.respond_to_assignment(assignment=assignment, response=response)
        if helpful:
            services.rate_assignment(assignment=assignment, helpful=helpful)


def test_author_sees_counts_per_article(client, physician, other_physician):
    article = ArticleFactory(author=physician, reviewer=other_physician, status="published")
    other = ArticleFactory(author=physician, reviewer=other_physician, status="published")
    give_feedback(
        article,
        other_physician,
        [
            (Response.UNDERSTOOD, 5),
            (Response.UNDERSTOOD, 4),
            (Response.QUESTION, 2),
            ("", None),
        ],
    )
    give_feedback(other, other_physician, [(Response.QUESTION, None)])
    Article.objects.filter(pk=article.pk).update(view_count=17)

    counted = Article.objects.for_author_list(physician).get(pk=article.pk)
    assert counted.assigned_count == 4
    assert counted.understood_count == 2
    assert counted.question_count == 1
    assert counted.rating_count == 3
    assert round(counted.rating_average, 2) == round((5 + 4 + 2) / 3, 2)

    client.force_login(physician)
    page = client.get(reverse("staff:education_article", args=[article.pk])).content.decode()
    assert '<span class="value">17</span> views' in page
    assert '<span class="value">2</span> “I understand”' in page
    assert '<span class="value">1</span> “I have a question”' in page
    assert '<span class="value">3.7</span> helpful (of 5, 3 ratings)' in page
    listing = client.get(reverse("staff:education_articles")).content.decode()
    assert "3.7 of 5" in listing


def test_other_physicians_do_not_see_the_counts(client, physician, other_physician):
    article = ArticleFactory(author=physician, reviewer=other_physician, status="published")
    client.force_login(other_physician)
    page = client.get(reverse("staff:education_article", args=[article.pk])).content.decode()
    assert "How patients found it" not in page


@pytest.mark.parametrize("count", [2, 10])
def test_author_list_query_count_stays_flat(client, db, django_assert_max_num_queries, count):
    author = StaffFactory()
    reviewer = StaffFactory()
    for _ in range(count):
        article = ArticleFactory(author=author, reviewer=reviewer, status="published")
        give_feedback(article, reviewer, [(Response.UNDERSTOOD, 4)])
        ArticleFactory(author=reviewer, status="in_review")
    client.force_login(author)
    # user, staff profile, MFA check, nav badge, question count, review queue, my articles,
    # published articles and their topics
    with django_assert_max_num_queries(10):
        response = client.get(reverse("staff:education_articles"))
    assert response.status_code == 200
    assert len(response.context["my_articles"]) == count
