"""/portal/records/, in the flat `portal` namespace."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("records/", portal_views.records, name="records"),
    path("records/<int:entry_id>/", portal_views.record_entry, name="record_entry"),
    path("records/<int:entry_id>/document/", portal_views.record_document, name="record_document"),
]
