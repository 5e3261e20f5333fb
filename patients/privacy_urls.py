"""/staff/privacy/admin-audit/, in the flat `staff` namespace."""

from django.urls import path

from . import privacy_views

urlpatterns = [path("admin-audit/", privacy_views.admin_audit, name="admin_audit")]
