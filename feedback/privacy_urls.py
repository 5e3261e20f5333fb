from django.urls import path

from . import views

urlpatterns = [
    path("grievances/", views.grievance_queue, name="grievances"),
]
