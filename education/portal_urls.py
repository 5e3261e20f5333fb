"""The patient's reading list, mounted at /portal/education/ in the flat `portal` namespace."""

from django.urls import path

from . import portal_views as views

urlpatterns = [
    path("", views.reading_list, name="education"),
    path("<int:pk>/", views.assignment_detail, name="education_assignment"),
    path("<int:pk>/respond/", views.respond, name="education_respond"),
    path("<int:pk>/rate/", views.rate, name="education_rate"),
    path("<int:pk>/ask/", views.ask, name="education_ask"),
]
