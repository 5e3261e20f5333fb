"""/portal/export/..., in the flat `portal` namespace (stable URLs: see DESIGN.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path("export/fhir/", views.fhir_export, name="export_fhir"),
    path("export/summary/", views.export_summary, name="export_summary"),
]
