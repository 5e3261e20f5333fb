from django.urls import path

from . import privacy_views

urlpatterns = [
    path("emergency/", privacy_views.emergency_queue, name="emergency_queue"),
    path("emergency/<int:access_id>/", privacy_views.emergency_review, name="emergency_review"),
    path("outreach/<int:task_id>/done/", privacy_views.outreach_done, name="outreach_done"),
]
