"""The layout's fixed parts (header and navigation, footer, the idle warning's text) are rendered
once per process and reused (`{% layoutcache %}`, clinic/templatetags/layout.py). Reuse must never
show one reader's header to another, one language's words in another, a stale badge or the wrong
current page: every page is the same whether its fragments were just rendered or reused."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.utils import translation

from clinic.templatetags.layout import FRAGMENTS
from notifications import services as outbox
from notifications.models import NotificationKind
from tests.factories import PatientUserFactory, StaffFactory

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    # The CSRF token is masked afresh on every response; nothing else may differ.
    return CSRF.sub('name="csrfmiddlewaretoken" value="?"', response.content.decode())


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def fresh_fragments():
    FRAGMENTS.clear()
    yield
    FRAGMENTS.clear()


def test_every_page_is_the_same_with_fragments_reused_or_rendered_afresh(
    fresh_fragments, site, physician, front_desk
):
    spanish = PatientUserFactory(
        patient__legal_name="Lucía Fernández", patient__preferred_language="es", patient__site=site
    )
    english = PatientUserFactory(patient__legal_name="Ann Lee", patient__site=site)
    outbox.notify(
        recipient=english, kind=NotificationKind.RECORD_ACCESS, message="Note", link="/portal/"
    )
    readers = [
        (None, ["/education/", "/accounts/login/"]),
        (english, ["/portal/", "/portal/notifications/", "/portal/access-log/"]),
        (spanish, ["/portal/", "/portal/notifications/", "/portal/access-log/"]),
        (physician, ["/staff/", "/staff/patients/"]),
        (front_desk, ["/staff/", "/staff/onboarding/"]),
    ]
    clients = {user: _client(user) for user, _paths in readers}
    pages = [(user, path) for user, paths in readers for path in paths]
    for user, path in pages:  # a first look settles what pages note (steps done, ...)
        _page(clients[user], path)
    fresh = {}
    for user, path in pages:
        FRAGMENTS.clear()
        fresh[user, path] = _page(clients[user], path)
    for user, path in pages:  # every fragment of every reader and page in the cache
        _page(clients[user], path)
    for user, path in pages:
        assert _page(clients[user], path) == fresh[user, path], (user, path)
    assert len(FRAGMENTS._cache) > 5


def test_spanish_and_english_readers_each_get_their_own_words(fresh_fragments, site):
    spanish = PatientUserFactory(patient__preferred_language="es", patient__site=site)
    english = PatientUserFactory(patient__site=site)
    for _ in range(2):
        english_page = _page(_client(english), "/portal/")
        spanish_page = _page(_client(spanish), "/portal/")
        assert "Skip to main content" in english_page
        assert "Skip to main content" not in spanish_page
        assert "Saltar al contenido principal" in spanish_page
        assert "All dates and times on this site" in english_page
        assert "All dates and times on this site" not in spanish_page


def test_the_current_page_and_the_badges_follow_each_request(fresh_fragments, client, patient_user):
    client.force_login(patient_user)
    home = _page(client, "/portal/")
    assert 'href="/portal/" aria-current="page"' in home
    notifications = _page(client, "/portal/notifications/")
    assert 'href="/portal/" aria-current="page"' not in notifications
    assert 'href="/portal/notifications/" aria-current="page"' in notifications
    assert "unread</span>" not in _page(client, "/portal/")
    outbox.notify(
        recipient=patient_user, kind=NotificationKind.RECORD_ACCESS, message="N", link="/portal/"
    )
    assert '<span class="badge">1<span class="visually-hidden"> unread' in _page(client, "/portal/")


def test_one_readers_name_never_reaches_another(fresh_fragments, site):
    first = StaffFactory(display_name="Ada <b>Byron</b>", site=site)
    second = StaffFactory(display_name="Grace Hopper", site=site)
    for _ in range(2):
        page = _page(_client(first), "/staff/")
        assert "Ada &lt;b&gt;Byron&lt;/b&gt;" in page
        assert "<b>Byron</b>" not in page
        page = _page(_client(second), "/staff/")
        assert "Grace Hopper" in page
        assert "Byron" not in page


def test_a_fragment_varies_on_the_active_language_even_when_the_page_does_not_say_it(
    fresh_fragments,
):
    template = Template(
        "{% load i18n layout %}{% layoutcache words %}"
        "{% translate 'Skip to main content' %}{% endlayoutcache %}"
    )
    with translation.override("en"):
        assert template.render(Context()) == "Skip to main content"
    with translation.override("es"):
        assert template.render(Context()) == "Saltar al contenido principal"
    with translation.override("en"):
        assert template.render(Context()) == "Skip to main content"


def test_a_fragment_needs_a_name():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load layout %}{% layoutcache %}x{% endlayoutcache %}")
