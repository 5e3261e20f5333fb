"""/staff/patients/ (the physician's patients and their records), in the flat `staff` namespace.
Asking for access and emergency access share the prefix: see `consent/staff_urls.py`."""

from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.patient_list, name="patients"),
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
