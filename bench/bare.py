"""The baseline of the HTTP benchmark: a one-file Django app whose one view reads one row.

Served by gunicorn exactly as the portal is (same workers, same database), so the ratio of a
portal page to this view is what the portal adds: middleware, sessions, consent, the access
log, templates. `python -m gunicorn bench.bare:application` with DATABASE_URL set.
"""

from __future__ import annotations

import os

import environ
from django.conf import settings

database = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if database["ENGINE"] != "django.db.backends.sqlite3":
    database["CONN_MAX_AGE"] = 60  # as the portal's settings do
settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-a-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    DATABASES={"default": database},
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import Http404, HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def row(request: HttpRequest, pk: int) -> HttpResponse:
    """One record entry's title, by id: one query, no template."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM patients_recordentry WHERE id = %s", [pk])
        found = cursor.fetchone()
    if found is None:
        raise Http404("No such row.")
    return HttpResponse(found[0], content_type="text/plain; charset=utf-8")


urlpatterns = [path("row/<int:pk>", row)]

application = get_wsgi_application()
