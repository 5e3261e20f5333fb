from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .decorators import staff_required
from .extensions import collect
from .middleware import LAST_SEEN_KEY
from .models import Role

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the home page of their role."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.user.role == Role.PATIENT:
        return redirect("portal:home")
    if request.user.is_clinic_staff:
        return redirect("staff:home")
    return render(request, "clinic/no_role.html", status=403)


@login_required
@require_POST
def stay_signed_in(request: HttpRequest) -> HttpResponse:
    """The idle warning's "Stay signed in": restart the idle clock (not the 12-hour limit). The
    warning's script gets 204; without the script the form posts and comes back to the page."""
    request.session[LAST_SEEN_KEY] = time.time()
    if request.headers.get("X-Requested-With") == "rapport-session":
        return HttpResponse(status=204)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "home"
    return redirect(back)


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    steps = [
        step
        for steps_for in collect("navigation", "staff_steps")
        for step in steps_for(request.user)
    ]
    return render(
        request, "clinic/staff_home.html", {"role": request.user.role, "staff_steps": steps}
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers: 200 when the database (and the broker, when
    one is configured) answer, 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        logger.exception("healthz: database check failed")
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
            )
            client.ping()
            checks["broker"] = "ok"
        except redis.RedisError:
            logger.warning("healthz: broker check failed")
            checks["broker"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
