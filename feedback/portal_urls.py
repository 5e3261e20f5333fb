from django.urls import path

from . import suggestion_views, survey_views, views

urlpatterns = [
    path("", views.feedback_home, name="feedback"),
    path("concern/", views.report_concern, name="report_concern"),
    path("concerns/<int:pk>/", views.concern, name="concern"),
    path("concerns/<int:pk>/withdraw/", views.withdraw_concern, name="withdraw_concern"),
    path("surveys/<int:pk>/", survey_views.survey, name="survey"),
    path("suggestions/", suggestion_views.portal_suggestions, name="suggestions"),
    path(
        "suggestions/<int:pk>/support/",
        suggestion_views.portal_support,
        name="suggestion_support",
    ),
]
