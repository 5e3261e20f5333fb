"""/portal/access-log/, in the flat `portal` namespace."""

from django.urls import path

from . import proof_views, views

urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/proof/", proof_views.proof_bundle, name="access_log_proof"),
]
