"""The site's URLs plus one deliberately slow page, for the serving test's gunicorn only
(tests/web_settings.py): proves /healthz answers while slow pages hold workers."""

import time

from django.http import HttpResponse
from django.urls import path

from clinic.urls import urlpatterns as site_urlpatterns


def slow(request):
    time.sleep(float(request.GET.get("seconds", "3")))
    return HttpResponse("slow")


urlpatterns = [path("test-only/slow/", slow), *site_urlpatterns]
