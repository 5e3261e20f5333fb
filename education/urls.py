"""The public health library, mounted at /education/ (readable without signing in)."""

from django.urls import path

from . import views

app_name = "education"

urlpatterns = [
    path("", views.library, name="library"),
    path("images/<uuid:key>.<str:ext>", views.image, name="image"),
    path("<slug:slug>/", views.article, name="article"),
]
