"""/staff/notifications/, in the flat `staff` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.staff_notifications, name="notifications"),
    path("read/", views.staff_notifications_mark_read, name="notifications_read"),
]
