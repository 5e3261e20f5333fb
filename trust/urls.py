"""/staff/trust/, in the flat `staff` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="trust"),
    path("<slug:slug>.csv", views.chart_csv, name="trust_csv"),
]
