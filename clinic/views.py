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

from .circuit import breaker_for
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
    """Liveness and readiness for load balancers: 200 while the database answers, 503 when it
    does not. Redis is a helper (pages keep answering without it), so a Redis outage is reported
    as "degraded" with 200: taking every web process out of service because Redis is down would
    turn a helper into a single point of failure. Fast: one `SELECT 1`, and at most one short
    Redis timeout per breaker interval."""
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
        checks["broker"] = "ok" if _redis_answers(settings.REDIS_URL) else "unavailable"
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif any(value != "ok" for value in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)


def _redis_answers(url: str) -> bool:
    breaker = breaker_for(url)
    if not breaker.allow():
        return False
    timeout = settings.REDIS_TIMEOUT_SECONDS
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError:
        logger.warning("healthz: broker check failed")
        breaker.failed()
        return False
    breaker.succeeded()
    return True


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
