"""/portal/sharing/, in the flat `portal` namespace."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("sharing/", portal_views.sharing, name="sharing"),
    path("sharing/new/", portal_views.sharing_new, name="sharing_new"),
    path("sharing/<int:grant_id>/stop/", portal_views.sharing_revoke, name="sharing_revoke"),
    path(
        "sharing/requests/<int:request_id>/", portal_views.sharing_request, name="sharing_request"
    ),
    path(
        "sharing/emergency/<int:access_id>/end/", portal_views.emergency_end, name="emergency_end"
    ),
]
