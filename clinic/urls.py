from django.contrib import admin
from django.urls import include, path

from . import views

staff_patterns = [
    path("", views.staff_home, name="home"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("staff/", include((staff_patterns, "staff"))),
    path("portal/", include("patients.portal_urls")),
]
