"""/portal/notifications/, in the flat `portal` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_read"),
    path(
        "notifications/preference/",
        views.notification_preference,
        name="notification_preference",
    ),
]
