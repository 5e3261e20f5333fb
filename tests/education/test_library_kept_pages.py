"""The public library's pages are kept rendered for anonymous visitors (education/library_cache.py):
the same page for less work, never a stale list of articles once one is published or archived,
and never for a signed-in person, a search or a visitor with a message waiting."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client

from education import library_cache, services
from tests.factories import StaffFactory
from tests.factories.education import ArticleFactory, TopicFactory


@pytest.fixture
def published(physician, other_physician):
    topic = TopicFactory(name="Heart health")
    return ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="High blood pressure",
        topics=[topic],
    )


def test_second_visit_gets_the_same_page_with_one_query(
    client, published, django_assert_num_queries
):
    first = client.get("/education/")
    with django_assert_num_queries(1):  # the library's stamp
        second = client.get("/education/")
    assert second.status_code == 200
    token = re.compile(rb'csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", second.content) == token.sub(b"", first.content)
    assert "High blood pressure" in second.content.decode()
    assert second["Content-Type"] == first["Content-Type"]


def test_a_newly_published_article_shows_at_once(client, published, physician, other_physician):
    assert "Sleeping well" not in client.get("/education/").content.decode()
    ArticleFactory(
        author=physician, reviewer=other_physician, status="published", title="Sleeping well"
    )
    assert "Sleeping well" in client.get("/education/").content.decode()


def test_an_archived_article_disappears_at_once(client, published, physician):
    assert "High blood pressure" in client.get("/education/").content.decode()
    services.archive_article(article=published, archived_by=physician)
    page = client.get("/education/").content.decode()
    assert "High blood pressure" not in page
    services.restore_article(article=published, restored_by=physician)
    assert "High blood pressure" in client.get("/education/").content.decode()


def test_a_new_version_replaces_the_old_title_at_once(
    client, published, physician, other_physician
):
    client.get("/education/")
    services.save_draft(
        article=published,
        editor=physician,
        title="Blood pressure, explained",
        summary=published.published_version.summary,
        body=published.published_version.body,
        language="en",
    )
    version = services.submit_for_review(article=published, submitted_by=physician)
    services.approve_version(version=version, reviewer=other_physician, override_reason="Fine.")
    page = client.get("/education/").content.decode()
    assert "Blood pressure, explained" in page
    assert "High blood pressure" not in page


def test_a_renamed_topic_shows_once_the_kept_page_is_old(client, published, monkeypatch):
    client.get("/education/")
    published.published_version.topics.update(name="Your heart")
    assert "Your heart" not in client.get("/education/").content.decode()  # kept, by design
    monkeypatch.setattr(library_cache.pages, "max_age", 0.0)
    assert "Your heart" in client.get("/education/").content.decode()


def test_signed_in_people_get_their_own_page(client, published, patient_user):
    client.get("/education/")  # kept for anonymous visitors
    client.force_login(patient_user)
    page = client.get("/education/").content.decode()
    assert "Signed in as" in page
    assert "High blood pressure" in page


def test_searches_are_rendered_not_kept(client, published):
    client.get("/education/")
    response = client.get("/education/", {"q": "pressure"})
    assert response.context is not None  # rendered
    assert response.context["searching"]
    assert library_cache.pages.get((1, "en-gb", library_cache.library_stamp())) is not None
    assert len(library_cache.pages._pages) == 1


@pytest.mark.parametrize("number", ["0", "-1", "x", "１", "99999", "2.5"])
def test_odd_page_numbers_are_answered_and_not_kept(client, published, number):
    response = client.get("/education/", {"page": number})
    assert response.status_code == 200
    assert "High blood pressure" in response.content.decode()
    assert not library_cache.pages._pages


def test_a_waiting_message_is_shown_not_a_kept_page(client, published):
    client.get("/education/")
    storage = CookieStorage(HttpRequest())
    storage.add(constants.INFO, "You have signed out.")
    encoded = storage._encode(storage._queued_messages)
    client.cookies[storage.cookie_name] = encoded
    assert "You have signed out." in client.get("/education/").content.decode()


def test_the_kept_page_has_no_patient_or_staff_only_data(client, published):
    StaffFactory()
    page = client.get("/education/").content.decode()
    page_again = client.get("/education/").content.decode()
    assert "Signed in as" not in page
    # The kept page holds no visitor's CSRF token: each visitor gets their own.
    kept = b"".join(content for _at, content in library_cache.pages._pages.values())
    assert b"__RAPPORT_CSRF_TOKEN__" in kept
    first = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    other = Client().get("/education/").content.decode()
    assert (
        other.replace(re.search(r'csrfmiddlewaretoken" value="([^"]+)"', other).group(1), "") != ""
    )
    assert first not in other
    assert "__RAPPORT_CSRF_TOKEN__" not in page_again and "__RAPPORT_CSRF_TOKEN__" not in other


def test_a_visitor_of_a_kept_page_can_switch_language(client, published):
    Client().get("/education/")  # someone else's visit keeps the page
    page = client.get("/education/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    response = checked.post(
        "/language/", {"language": "es", "next": "/education/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_kept_pages_are_kept_per_language(client, published):
    english = client.get("/education/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = Client().get("/education/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in spanish and '<html lang="es">' not in english


def test_the_store_keeps_a_bounded_number_of_pages():
    store = library_cache.PageCache(max_pages=2, max_age=60)
    for n in range(5):
        store.put((n,), b"page")
    assert store.get((0,)) is None
    assert store.get((4,)) == b"page"
    assert len(store._pages) == 2
