from django.urls import path

from . import suggestion_views

urlpatterns = [
    path("", suggestion_views.staff_suggestions, name="suggestions"),
    path("<int:pk>/support/", suggestion_views.staff_support, name="suggestion_support"),
    path("<int:pk>/reply/", suggestion_views.reply, name="suggestion_reply"),
]
