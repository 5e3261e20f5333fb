"""URLs. The stable ones (printed on handouts and in emails) are listed in DESIGN.md: keep them.

Each app contributes its part of the portal and the staff area through its own URL modules; names
stay flat within the `portal` and `staff` namespaces (e.g. `portal:records`, `staff:onboarding`).
"""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import views

staff_patterns = [
    path("", views.staff_home, name="home"),
    path("onboarding/", include("patients.staff_urls")),
    path("onboarding/", include("consent.in_person_urls")),
    path("onboarding/", include("proxies.staff_urls")),
    path("patients/", include("records.staff_urls")),
    path("patients/", include("consent.staff_urls")),
    path("education/", include("education.staff_urls")),
    path("privacy/", include("consent.privacy_urls")),
    path("privacy/", include("feedback.privacy_urls")),
    path("privacy/", include("patients.privacy_urls")),
    path("suggestions/", include("feedback.staff_urls")),
    path("notifications/", include("notifications.staff_urls")),
    path("trust/", include("trust.urls")),
]

portal_patterns = [
    path("", include("proxies.portal_urls")),
    path("", include("patients.portal_urls")),
    path("", include("records.portal_urls")),
    path("", include("consent.portal_urls")),
    path("", include("proxies.manage_urls")),
    path("", include("accesslog.portal_urls")),
    path("", include("notifications.portal_urls")),
    path("", include("exports.portal_urls")),
    path("education/", include("education.portal_urls")),
    path("feedback/", include("feedback.portal_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("session/stay-signed-in/", views.stay_signed_in, name="stay_signed_in"),
    # The language switcher on every page posts here; URLs carry no language prefix.
    path("language/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("activate/", include("patients.activation_urls")),
    path("education/", include("education.urls")),
    path("transparency/", include("accesslog.transparency_urls")),
    path("staff/", include((staff_patterns, "staff"))),
    path("portal/", include((portal_patterns, "portal"))),
]
