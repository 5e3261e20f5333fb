from django.urls import path

from . import views

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("appointments/", views.portal_appointments, name="appointments"),
]
