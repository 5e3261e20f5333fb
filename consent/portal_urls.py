from django.urls import path

from . import log_views, portal_views

urlpatterns = [
    path("records/", portal_views.records, name="records"),
    path("records/<int:entry_id>/", portal_views.record_entry, name="record_entry"),
    path("records/<int:entry_id>/document/", portal_views.record_document, name="record_document"),
    path("sharing/", portal_views.sharing, name="sharing"),
    path("sharing/new/", portal_views.sharing_new, name="sharing_new"),
    path("sharing/<int:grant_id>/stop/", portal_views.sharing_revoke, name="sharing_revoke"),
    path(
        "sharing/requests/<int:request_id>/", portal_views.sharing_request, name="sharing_request"
    ),
    path("access-log/", log_views.access_log, name="access_log"),
    path("notifications/", log_views.notifications, name="notifications"),
    path("notifications/read/", log_views.notifications_mark_read, name="notifications_read"),
    path(
        "notifications/preference/",
        log_views.notification_preference,
        name="notification_preference",
    ),
]
