"""Front desk proxy pages under /staff/onboarding/, in the flat `staff` namespace."""

from django.urls import path

from . import staff_views as views

urlpatterns = [
    path("proxies/", views.invitations, name="proxy_invitations"),
    path("patients/<int:pk>/proxies/link/", views.link, name="proxy_link"),
    path("proxies/<int:pk>/confirm/", views.confirm, name="proxy_confirm"),
    path("proxies/<int:pk>/decline/", views.decline, name="proxy_decline"),
    path("proxies/<int:pk>/end/", views.end, name="proxy_end"),
    path("proxies/<int:pk>/review/", views.review, name="proxy_review"),
]
