"""/staff/onboarding/: names live in the flat `staff` namespace (e.g. `staff:onboarding`). The
visit's sharing-choice page is consent's (`consent/in_person_urls.py`), mounted beside these."""

from django.urls import path

from . import staff_views as views

urlpatterns = [
    path("", views.day_view, name="onboarding"),
    path("patients/", views.patient_search, name="onboarding_patients"),
    path("patients/new/", views.patient_create, name="onboarding_patient_create"),
    path("patients/<int:pk>/", views.patient_detail, name="onboarding_patient"),
    path("patients/<int:pk>/schedule/", views.schedule, name="onboarding_schedule"),
    path("patients/<int:pk>/edit/", views.patient_edit, name="onboarding_patient_edit"),
    path(
        "patients/<int:pk>/invitation/",
        views.patient_resend_invitation,
        name="onboarding_resend_invitation",
    ),
    path(
        "patients/<int:pk>/two-step-reset/",
        views.patient_two_step_reset,
        name="onboarding_two_step_reset",
    ),
    path(
        "patients/<int:pk>/appointments/new/",
        views.appointment_book,
        name="appointment_book",
    ),
    path(
        "appointments/<int:pk>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("visits/<int:pk>/", views.visit_detail, name="onboarding_visit"),
    path("visits/<int:pk>/check-in/", views.visit_check_in, name="onboarding_check_in"),
    path("visits/<int:pk>/identity/", views.visit_identity, name="onboarding_identity"),
    path("visits/<int:pk>/code/", views.visit_issue_code, name="onboarding_issue_code"),
    path("visits/<int:pk>/checklist/", views.visit_checklist, name="onboarding_checklist"),
    path("visits/<int:pk>/complete/", views.visit_complete, name="onboarding_complete"),
    path("visits/<int:pk>/reschedule/", views.visit_reschedule, name="onboarding_reschedule"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="onboarding_cancel"),
    path("visits/<int:pk>/no-show/", views.visit_no_show, name="onboarding_no_show"),
]
