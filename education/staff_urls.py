"""Physicians' education pages, mounted at /staff/education/ in the flat `staff` namespace."""

from django.urls import path

from . import staff_views as views

urlpatterns = [
    path("", views.articles, name="education_articles"),
    path("new/", views.new_article, name="education_new"),
    path("preview/", views.preview, name="education_preview"),
    path("questions/", views.questions, name="education_questions"),
    path("questions/<int:pk>/", views.question, name="education_question"),
    path("images/", views.images, name="education_images"),
    path("<int:pk>/", views.article_detail, name="education_article"),
    path("<int:pk>/edit/", views.edit_article, name="education_edit"),
    path("<int:pk>/submit/", views.submit, name="education_submit"),
    path("<int:pk>/archive/", views.archive, name="education_archive"),
    path("<int:pk>/restore/", views.restore, name="education_restore"),
    path("<int:pk>/review/", views.review, name="education_review"),
    path("<int:pk>/assign/", views.assign, name="education_assign"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="education_version"),
]
