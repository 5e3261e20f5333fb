"""/transparency/: public, in the `transparency` namespace."""

from django.urls import path

from . import transparency_views

app_name = "transparency"
urlpatterns = [
    path("", transparency_views.transparency, name="index"),
    path("verify/", transparency_views.verify, name="verify"),
    path("checkpoint", transparency_views.latest_checkpoint, name="latest_checkpoint"),
    path("rapport_verify.py", transparency_views.verifier_script, name="verifier_script"),
]
