"""The physician's article editor keeps what was typed when the session ends (issue 15;
keptforms/)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from education.models import Article, ArticleVersion
from keptforms.models import KeptForm
from tests.factories import StaffFactory, frozen_time
from tests.factories.education import ArticleFactory, TopicFactory
from tests.keptforms.support import KEPT, browser_on, csrf, end_session_on_server, go_idle

NEW = "/staff/education/new/"
BODY = "Drink water often.\n\nRest, and ask us if the fever lasts more than three days."


def typed_article(**overrides) -> dict:
    data = {
        "title": "Looking after a fever at home",
        "summary": "What to do in the first days of a fever.",
        "body": BODY,
        "keywords": "pyrexia, temperature",
        "language": "es",
        "new_topics": "Fever",
        "creation_key": "0b0d3f4e-5c4b-4ad4-8a7e-6a1f2f3b4c5d",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_a_new_article_typed_before_the_idle_sign_out_is_there_after_signing_in(physician):
    topic = TopicFactory(name="Children")
    client = browser_on(physician, NEW)
    go_idle(client)
    response = client.post(NEW, {**csrf(client), **typed_article(topics=[topic.pk])})
    assert response["Location"] == f"/accounts/login/?next={NEW}"
    client.force_login(physician)
    page = client.get(NEW).content.decode()
    assert KEPT in page
    assert 'value="Looking after a fever at home"' in page
    assert "Rest, and ask us if the fever lasts more than three days." in page
    assert 'value="pyrexia, temperature"' in page
    assert '<option value="es" selected>' in page
    assert re.search(rf'name="topics" value="{topic.pk}"[^>]* checked', page)
    assert "0b0d3f4e-5c4b-4ad4-8a7e-6a1f2f3b4c5d" not in page, "a fresh creation key"
    assert not Article.objects.exists(), "nothing saved or sent for review on their behalf"


def test_an_edit_posted_after_the_session_ended_on_the_server_is_kept(physician):
    article = ArticleFactory(author=physician)
    page_url = f"/staff/education/{article.pk}/edit/"
    client = browser_on(physician, page_url)
    end_session_on_server()
    response = client.post(page_url, {**csrf(client), **typed_article(action="save")})
    assert response["Location"] == f"/accounts/login/?next={page_url}"
    client.force_login(physician)
    page = client.get(page_url).content.decode()
    assert KEPT in page
    assert 'value="Looking after a fever at home"' in page
    assert ArticleVersion.objects.filter(article=article).count() == 1
    article.refresh_from_db()
    assert article.latest_version.title != "Looking after a fever at home"


def test_another_physician_signing_in_gets_nothing(physician, other_physician):
    client = browser_on(physician, NEW)
    go_idle(client)
    client.post(NEW, {**csrf(client), **typed_article()})
    client.force_login(other_physician)
    page = client.get(NEW).content.decode()
    assert "Looking after a fever at home" not in page and KEPT not in page
    assert not KeptForm.objects.exists()


def test_an_article_kept_for_more_than_an_hour_is_gone(physician):
    client = browser_on(physician, NEW)
    go_idle(client)
    client.post(NEW, {**csrf(client), **typed_article()})
    client.force_login(physician)
    with frozen_time(timezone.now() + dt.timedelta(minutes=61)):
        page = client.get(NEW).content.decode()
    assert "Looking after a fever at home" not in page


def test_a_kept_edit_goes_back_only_to_the_same_article(physician):
    first = ArticleFactory(author=physician)
    second = ArticleFactory(author=physician)
    client = browser_on(physician, f"/staff/education/{first.pk}/edit/")
    go_idle(client)
    client.post(f"/staff/education/{first.pk}/edit/", {**csrf(client), **typed_article()})
    client.force_login(physician)
    page = client.get(f"/staff/education/{second.pk}/edit/").content.decode()
    assert "Looking after a fever at home" not in page
    assert KeptForm.objects.count() == 1


def test_hostile_article_text_comes_back_escaped(physician):
    client = browser_on(physician, NEW)
    go_idle(client)
    client.post(
        NEW,
        {
            **csrf(client),
            **typed_article(title='"><img src=x onerror=alert(1)>', body="</textarea><b>x</b>"),
        },
    )
    client.force_login(physician)
    response = client.get(NEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<img src=x onerror=alert(1)>" not in page
    assert "</textarea><b>x</b>" not in page
    assert "&lt;/textarea&gt;&lt;b&gt;x&lt;/b&gt;" in page


def test_a_patient_cannot_plant_a_kept_article(patient_user, physician):
    """A post to the staff editor from a signed-out patient's browser keeps nothing a physician
    could get back."""
    client = browser_on(patient_user, "/portal/")
    go_idle(client)
    client.post(NEW, {**csrf(client), **typed_article()})
    client.force_login(physician)
    assert "Looking after a fever at home" not in client.get(NEW).content.decode()


def test_staff_factory_is_not_confused_with_the_persona(physician):
    # The kept form is bound to the user id, not the role or the name.
    twin = StaffFactory(role=physician.role, display_name=physician.display_name)
    client = browser_on(physician, NEW)
    go_idle(client)
    client.post(NEW, {**csrf(client), **typed_article()})
    client.force_login(twin)
    assert "Looking after a fever at home" not in client.get(NEW).content.decode()
