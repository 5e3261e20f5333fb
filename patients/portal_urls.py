"""The patient's appointments, in the flat `portal` namespace (the home is `proxies`': it knows
whose portal it shows)."""

from django.urls import path

from . import views

urlpatterns = [
    path("appointments/", views.portal_appointments, name="appointments"),
]
