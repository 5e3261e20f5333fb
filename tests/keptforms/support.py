"""A browser whose session ends while a form is open: the idle sign-out, or the session gone
from the server, then the post, then signing in again."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from clinic.middleware import LAST_SEEN_KEY, SIGNED_IN_AT_KEY
from clinic.models import Session
from tests.factories import DEFAULT_PASSWORD

KEPT = "We kept what you typed. Check it and send it again."
ASKED_TO_SIGN_IN = "We kept what you typed. Sign in again"


def browser_on(user, page: str) -> Client:
    """A browser (CSRF checks on, as in real life) signed in as `user`, showing `page`."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.get(page)
    assert response.status_code == 200, response.status_code
    return client


def csrf(client: Client) -> dict:
    return {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}


def go_idle(client: Client, minutes: float = 60) -> None:
    """The person stopped clicking `minutes` ago: the next request signs them out."""
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - minutes * 60
    session[SIGNED_IN_AT_KEY] = time.time() - minutes * 60
    session.save()


def end_session_on_server() -> None:
    """The session is gone from the server (expired and swept, or ended in another tab)."""
    Session.objects.all().delete()


def sign_in_with_password(client: Client, user, next_url: str):
    """Sign in through the sign-in page, as a patient does, and follow it to `next_url`."""
    page = client.get(f"/accounts/login/?next={next_url}")
    token = page.cookies.get("csrftoken") or client.cookies["csrftoken"]
    response = client.post(
        f"/accounts/login/?next={next_url}",
        {
            "login": user.email,
            "password": DEFAULT_PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": token.value,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == next_url
    return client.get(next_url)


def current_code(secret: str) -> str:
    """The code the person's authenticator app shows now."""
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))
