from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.patient_list, name="patients"),
    path("find/", staff_views.find_patient, name="find_patient"),
    path("requests/", staff_views.access_requests, name="access_requests"),
    path("requests/new/", staff_views.access_request_new, name="access_request_new"),
    path("emergency/new/", staff_views.emergency_new, name="emergency_new"),
    path("<int:patient_id>/", staff_views.patient_record, name="patient_record"),
    path("<int:patient_id>/entries/new/", staff_views.entry_new, name="entry_new"),
    path(
        "<int:patient_id>/entries/<int:entry_id>/", staff_views.patient_entry, name="patient_entry"
    ),
    path(
        "<int:patient_id>/entries/<int:entry_id>/document/",
        staff_views.patient_document,
        name="patient_document",
    ),
]
