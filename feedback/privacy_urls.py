from django.urls import path

from . import views

urlpatterns = [
    path("grievances/", views.grievance_queue, name="grievances"),
    path("grievances/new/", views.record_concern, name="record_concern"),
    path("grievances/<int:pk>/", views.grievance, name="grievance"),
    path(
        "grievances/<int:pk>/acknowledge/",
        views.grievance_acknowledge,
        name="grievance_acknowledge",
    ),
    path(
        "grievances/<int:pk>/investigate/",
        views.grievance_investigate,
        name="grievance_investigate",
    ),
    path("grievances/<int:pk>/extend/", views.grievance_extend, name="grievance_extend"),
    path("grievances/<int:pk>/resolve/", views.grievance_resolve, name="grievance_resolve"),
    path("grievances/<int:pk>/message/", views.grievance_message, name="grievance_message"),
]
