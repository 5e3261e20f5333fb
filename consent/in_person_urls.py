"""Recording the patient's sharing choice at their onboarding visit: mounted beside the visit's
own pages under /staff/onboarding/ (`patients/staff_urls.py`), in the flat `staff` namespace."""

from django.urls import path

from . import in_person_views

urlpatterns = [
    path("visits/<int:pk>/consent/", in_person_views.initial_consent, name="onboarding_consent"),
]
