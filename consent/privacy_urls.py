from django.urls import path

from . import privacy_views

urlpatterns = [
    path("emergency/", privacy_views.emergency_queue, name="emergency_queue"),
    path("emergency/<int:access_id>/", privacy_views.emergency_review, name="emergency_review"),
]
