"""The portal pages that set up and end proxy access, in the flat `portal` namespace: the
patient's under /portal/sharing/people/, the proxy's under /portal/helping/."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("sharing/people/invite/", portal_views.invite, name="proxy_invite"),
    path("sharing/people/<int:pk>/end/", portal_views.end, name="proxy_end"),
    path("helping/", portal_views.helping, name="helping"),
    path("helping/<int:pk>/stop/", portal_views.stop, name="proxy_stop"),
]
