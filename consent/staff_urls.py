"""/staff/patients/ for patients a physician cannot see yet: find one, ask for access, or break
the glass; and the physician's requests. The records themselves are `records/staff_urls.py`."""

from django.urls import path

from . import staff_views

urlpatterns = [
    path("find/", staff_views.find_patient, name="find_patient"),
    path("requests/", staff_views.access_requests, name="access_requests"),
    path("requests/new/", staff_views.access_request_new, name="access_request_new"),
    path("emergency/new/", staff_views.emergency_new, name="emergency_new"),
]
