"""/portal/ (the home, which knows whose portal it shows) and /portal/acting-for/, in the flat
`portal` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("acting-for/", views.acting_for, name="acting_for"),
]
