"""/activate/ (a stable URL, printed on handouts): top-level names."""

from django.urls import path

from . import activation_views

urlpatterns = [
    path("", activation_views.activate, name="activate"),
    path("account/", activation_views.activate_account, name="activate_account"),
    path("done/", activation_views.activate_done, name="activate_done"),
]
