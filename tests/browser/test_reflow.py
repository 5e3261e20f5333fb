"""Any screen: every page, as each role, reflows at 320 CSS pixels without scrolling sideways
(WCAG 1.4.10). The URL conf is walked with real ids, so a new page is checked too."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.records.test_content_views_log_reads import concrete_urls, world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

NARROW = {"width": 320, "height": 640}
SKIP = ("/admin/",)  # Django admin's own pages (not the portal's layout)
# How far past the viewport the page's own box may reach before it counts as sideways scrolling
# (sub-pixel rounding).
TOLERANCE_PX = 1

OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const over = document.documentElement.scrollWidth - width;
  const culprits = [];
  if (over > 0) {
    for (const el of document.querySelectorAll("body *")) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && box.width > 0 && culprits.length < 3) {
        culprits.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
          + " (" + Math.round(box.right) + "px)");
      }
    }
  }
  return {over, culprits};
}"""


def client_for(user) -> Client:
    """A test client signed in as `user`, or signed out for None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def signed_in_context(browser, live_server, user):
    return client_context(browser, live_server, client_for(user))


def client_context(browser, live_server, client):
    """A narrow browser holding the test client's session (if it has one)."""
    context = browser.new_context(base_url=live_server.url, viewport=NARROW)
    if settings.SESSION_COOKIE_NAME in client.cookies:
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


def pages_to_lay_out(client, urls) -> list[str]:
    """The distinct HTML pages these URLs show this visitor, asked of Django in process first
    (cheaper than a browser): redirects followed, and each page a redirect lands on kept once
    whatever its query string (every address a visitor may not see leads to the same sign-in
    page). A file (CSV, PDF, FHIR bundle), a refusal and a POST-only URL are not pages to lay
    out."""
    pages: dict[str, None] = {}
    for url in urls:
        response = client.get(url, follow=True)
        html = "text/html" in response.get("Content-Type", "")
        response.close()
        if response.status_code != 200 or not html:
            continue
        landed = urlsplit(response.redirect_chain[-1][0]).path if response.redirect_chain else url
        pages.setdefault(landed)
    return list(pages)


def overflowing_pages(browser, live_server, user, urls) -> list[str]:
    client = client_for(user)
    pages = pages_to_lay_out(client, urls)
    context = client_context(browser, live_server, client)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    checked = 0
    try:
        for url in pages:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            checked += 1
            result = page.evaluate(OVERFLOW_SCRIPT)
            if result["over"] > TOLERANCE_PX:
                problems.append(f"{url}: {result['over']}px too wide; {result['culprits']}")
    finally:
        context.close()
    assert checked, "no page was checked"
    return problems


ROLES = ["anonymous", "patient_user", "physician", "privacy_officer", "front_desk", "clinic_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reflows_at_320_px_for_every_role(
    request,
    browser,
    live_server,
    world,  # noqa: F811
    role,
):
    """One test per role, so the suite's processes share the pages between them."""
    user = None if role == "anonymous" else request.getfixturevalue(role)
    urls = [url for url, _ in concrete_urls(world["ids"]) if not url.startswith(SKIP)]
    urls += [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/email/",
        "/accounts/password/change/",
    ]
    problems = overflowing_pages(browser, live_server, user, urls)
    assert not problems, f"pages wider than 320 px as {role}:\n" + "\n".join(problems)


def test_the_patients_pages_in_spanish_reflow_at_320_px(
    browser,
    live_server,
    world,  # noqa: F811
    patient,
):
    """Spanish sentences run longer than English ones: they must still fit."""
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    urls = [url for url, _ in concrete_urls(world["ids"]) if url.startswith("/portal/")]
    urls += ["/accounts/2fa/", "/accounts/email/", "/accounts/password/change/"]
    problems = overflowing_pages(browser, live_server, patient.user, urls)
    assert not problems, "pages wider than 320 px in Spanish:\n" + "\n".join(problems)


def acting_context(browser, live_server, user, patient, **context_options):
    """A browser signed in as `user` (a proxy) who switched to `patient`'s record."""
    from proxies.acting import SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {
        "patient": patient.pk,
        "name": patient.display_name,
        "relationship": "carer",
    }
    session.save()
    context = browser.new_context(base_url=live_server.url, **context_options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_acting_for_pages_reflow_at_320_px(browser, live_server, record, patient):
    """The switch page, the home while acting, the banner on a record page, the access log with
    a group of looks opened, and the refusal of an area not shared (a 403 page, checked here
    too)."""
    from proxies.models import ProxyArea
    from tests.factories import PatientUserFactory, ProxyAccessFactory, StaffFactory
    from tests.support.access_log import log_reads

    # Consecutive looks by one reader with a long name: one row of the log that opens.
    log_reads(patient, StaffFactory(display_name="Dr Alexandra Montgomery-Fitzwilliam"), 3)

    carer = PatientUserFactory(
        email="ana.santos.with.a.rather.long.address@example.org",
        patient__legal_name="Ana Maria Santos-Whitfield de la Fuente",
    )
    ProxyAccessFactory(
        patient=patient,
        proxy=carer.patient,
        areas=[ProxyArea.RECORD, ProxyArea.ACCESS_LOG, ProxyArea.CONCERNS],
    )
    context = acting_context(browser, live_server, carer, patient, viewport=NARROW)
    page = context.new_page()
    problems = []
    for url, status in [
        ("/portal/acting-for/", 200),
        ("/portal/", 200),
        ("/portal/records/", 200),
        (f"/portal/records/{record['lab'].pk}/", 200),
        ("/portal/access-log/", 200),
        ("/portal/sharing/", 403),
        ("/portal/notifications/", 200),
    ]:
        response = page.goto(url)
        assert response is not None and response.status == status, url
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        result = page.evaluate(OVERFLOW_SCRIPT)
        if result["over"] > TOLERANCE_PX:
            problems.append(f"{url}: {result['over']}px too wide; {result['culprits']}")
    context.close()
    assert not problems, "pages wider than 320 px:\n" + "\n".join(problems)
