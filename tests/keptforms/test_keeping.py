"""What is kept and what never is; CSRF; the idle script's post; the cookies (keptforms/)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from feedback.models import Grievance
from keptforms.keeping import BROWSER_COOKIE, KEEP_ONLY_FIELD, USER_COOKIE, signed_in_user_id
from keptforms.models import KeptForm
from keptforms.tasks import delete_expired_kept_forms
from tests.keptforms.support import (
    ASKED_TO_SIGN_IN,
    KEPT,
    browser_on,
    csrf,
    end_session_on_server,
    go_idle,
    sign_in_with_password,
)

CONCERN = "/portal/feedback/concern/"
WORRY = "Someone from my street works at reception."


def test_passwords_tokens_and_files_are_never_kept(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    client.post(
        CONCERN,
        {
            **csrf(client),
            "description": WORRY,
            "password": "correct horse battery staple",
            "password1": "another secret phrase",
            "registration_token": "abc",
            "otp_code": "123456",
            "code": "123456",
            "unknown_field": "not declared by the view",
            "letter": SimpleUploadedFile("letter.txt", b"a file"),
        },
    )
    kept = KeptForm.objects.get()
    assert kept.fields == {"description": [WORRY]}
    assert kept.user_id == patient_user.pk
    assert "correct horse" not in str(kept.fields)


def test_an_untouched_form_is_not_kept(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    response = client.post(CONCERN, {**csrf(client), "description": "  "})
    assert response.status_code == 302
    assert not KeptForm.objects.exists()
    assert ASKED_TO_SIGN_IN not in client.get(response["Location"]).content.decode()


def test_a_forged_cross_site_post_after_the_sign_out_keeps_nothing(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    response = client.post(CONCERN, {"description": WORRY})  # no CSRF token
    assert response.status_code in (302, 403)
    assert not KeptForm.objects.exists()
    page = sign_in_with_password(client, patient_user, CONCERN).content.decode()
    assert WORRY not in page and KEPT not in page


def test_a_forged_post_after_the_session_ended_on_the_server_is_refused(patient_user):
    client = browser_on(patient_user, CONCERN)
    end_session_on_server()
    response = client.post(CONCERN, {"description": WORRY, "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert not KeptForm.objects.exists()


def test_a_post_from_a_browser_nobody_signed_in_on_keeps_nothing(db):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    response = client.post(CONCERN, {**csrf(client), "description": WORRY})
    assert response.status_code == 302
    assert not KeptForm.objects.exists()


def test_a_tampered_signed_in_as_cookie_keeps_nothing(patient_user, other_patient_user):
    client = browser_on(patient_user, CONCERN)
    client.cookies[USER_COOKIE] = str(other_patient_user.pk)  # unsigned
    end_session_on_server()
    client.post(CONCERN, {**csrf(client), "description": WORRY})
    assert not KeptForm.objects.exists()


def test_the_cookies_are_http_only_and_name_no_health_data(patient_user):
    client = browser_on(patient_user, CONCERN)
    signed_in_as = client.cookies[USER_COOKIE]
    assert signed_in_as["httponly"] and signed_in_as["samesite"] == "Lax"
    request = RequestFactory().get("/", HTTP_COOKIE=f"{USER_COOKIE}={signed_in_as.value}")
    assert signed_in_user_id(request) == patient_user.pk
    assert signed_in_as.value.startswith(f"{patient_user.pk}:"), "a signed id, nothing else"
    go_idle(client)
    response = client.post(CONCERN, {**csrf(client), "description": WORRY})
    browser = response.cookies[BROWSER_COOKIE]
    assert browser["httponly"] and browser["samesite"] == "Lax"
    assert WORRY not in response["Location"]
    assert "Someone" not in browser.value
    assert KeptForm.objects.get().browser != browser.value, "only its hash is stored"


def test_the_idle_script_post_keeps_the_form_and_saves_nothing(patient_user):
    """static/js/session.js posts an open form with the marker when time is up."""
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    response = client.post(CONCERN, {**csrf(client), "description": WORRY, KEEP_ONLY_FIELD: "1"})
    assert response["Location"] == f"/accounts/login/?next={CONCERN}"
    page = sign_in_with_password(client, patient_user, CONCERN).content.decode()
    assert KEPT in page and WORRY in page
    assert not Grievance.objects.exists()


def test_the_idle_scripts_post_while_still_signed_in_saves_nothing(patient_user):
    """Another tab kept the session alive: the form is kept and shown again, never sent."""
    client = browser_on(patient_user, CONCERN)
    response = client.post(CONCERN, {**csrf(client), "description": WORRY, KEEP_ONLY_FIELD: "1"})
    assert response.status_code == 302
    assert response["Location"] == CONCERN
    page = client.get(CONCERN).content.decode()
    assert KEPT in page and WORRY in page
    assert not Grievance.objects.exists()


def test_the_idle_scripts_marker_needs_a_csrf_token(patient_user):
    client = browser_on(patient_user, CONCERN)
    response = client.post(CONCERN, {"description": WORRY, KEEP_ONLY_FIELD: "1"})
    assert response.status_code == 403
    assert not KeptForm.objects.exists()


def test_an_ordinary_post_while_signed_in_is_not_kept(patient_user):
    client = browser_on(patient_user, CONCERN)
    response = client.post(CONCERN, {**csrf(client), "description": WORRY})
    assert response.status_code == 302
    assert Grievance.objects.count() == 1
    assert not KeptForm.objects.exists()


def test_expired_kept_forms_are_swept(patient_user):
    from datetime import timedelta

    from django.utils import timezone

    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY})
    assert delete_expired_kept_forms() == 0
    KeptForm.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert delete_expired_kept_forms() == 1


def test_a_huge_post_is_no_error(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    response = client.post(CONCERN, {**csrf(client), "description": "x" * 600_000})
    assert response.status_code == 302
    assert not KeptForm.objects.exists()


def test_the_idle_warning_can_say_how_long_typing_is_kept(patient_user, settings):
    """Shown by static/js/session.js only when a form on the page was typed into."""
    settings.KEPT_FORM_MINUTES = 45
    client = browser_on(patient_user, CONCERN)
    page = client.get(CONCERN).content.decode()
    assert '<p id="idle-warning-kept" hidden>' in page
    assert "will be kept for 45 minutes: sign in again to get it back." in page
    assert '<form method="post" data-keep-typed' in page
