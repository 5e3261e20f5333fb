"""Acting for someone: which patient's portal a signed-in person is looking at.

A proxy (a carer, a parent, an attorney) picks on `/portal/acting-for/` whether they look at
their own record or at someone they act for; the choice lives in their session. Every portal view
of an area a proxy may be given is decorated with `portal_area(area)` instead of
`patient_required`: it sets `request.patient` to the patient being acted for, but only when a
proxy access is in force *now* with that area (checked on every request: revocation and expiry
take effect on the next click), and `request.proxy_access` to that access. Pages that are always
about the signed-in person (notifications, export, account) keep `patient_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.decorators import patient_required

from .models import ProxyAccess, ProxyArea
from .rules import ProxyView
from .selectors import proxy_standing_for

View = Callable[..., HttpResponse]

# The session's choice: {"patient": id, "name": display name}. The name is only for the banner on
# pages that do not load the access (no query).
SESSION_KEY = "proxies.acting_for"

AREA_NAMES = {
    ProxyArea.RECORD: _("their health record"),
    ProxyArea.ACCESS_LOG: _("who looked at their record"),
    ProxyArea.SHARING: _("who their record is shared with"),
    ProxyArea.EDUCATION: _("health information from the clinic"),
    ProxyArea.CONCERNS: _("concerns and questions"),
}


def chosen_patient_id(request: HttpRequest) -> int | None:
    """The patient the session says this person acts for, or None for their own record."""
    choice = request.session.get(SESSION_KEY)
    if isinstance(choice, dict) and isinstance(choice.get("patient"), int):
        return choice["patient"]
    return None


def choose(request: HttpRequest, access: ProxyAccess | None) -> None:
    """Act for the patient of `access` from now on (None: the person's own record)."""
    if access is None:
        request.session.pop(SESSION_KEY, None)
        return
    request.session[SESSION_KEY] = {
        "patient": access.patient_id,
        "name": access.patient.display_name,
    }


def access_ended(request: HttpRequest) -> HttpResponse:
    """The access ended, expired, was revoked or no longer allows anything (an age rule): forget
    the choice and say so, once, on the switch page."""
    name = (request.session.get(SESSION_KEY) or {}).get("name")
    choose(request, None)
    if name:
        text = gettext(
            "You can no longer act for %(name)s: your access to their record has ended. "
            "You are back on your own record."
        ) % {"name": name}
    else:
        text = gettext(
            "You can no longer act for this person: your access to their record has ended. "
            "You are back on your own record."
        )
    messages.warning(request, text)
    return redirect("portal:acting_for")


def not_shared(request: HttpRequest, access: ProxyAccess, view: ProxyView, area: str):
    """A clear refusal: this part was not shared with the proxy (nothing of it is shown)."""
    allowed = [AREA_NAMES[ProxyArea(name)] for name in ProxyArea.values if view.allows(name)]
    return render(
        request,
        "proxies/not_shared.html",
        {
            "person": access.patient.display_name,
            "area_name": AREA_NAMES[ProxyArea(area)],
            "allowed": allowed,
        },
        status=403,
    )


def portal_area(area: str) -> Callable[[View], View]:
    """For a portal view of one area: the signed-in patient's own record, or, when they have
    chosen to act for someone, that person's, if a proxy access in force gives them `area`."""
    if area not in ProxyArea.values:
        raise ValueError(f"unknown proxy area {area!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def acting(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # `patient_required` has set `request.patient` to the signed-in patient's own.
            request.proxy_access = None
            request.proxy_view = None
            patient_id = chosen_patient_id(request)
            if patient_id is None or patient_id == request.patient.pk:
                return view(request, *args, **kwargs)
            found = proxy_standing_for(request.user, patient_id, timezone.now())
            if found is None:
                return access_ended(request)
            access, proxy_view = found
            if not proxy_view.allows(area):
                return not_shared(request, access, proxy_view, area)
            request.patient = access.patient
            request.proxy_access = access
            request.proxy_view = proxy_view
            return view(request, *args, **kwargs)

        wrapper = patient_required(acting)
        wrapper.portal_area = area  # type: ignore[attr-defined]
        return wrapper

    return decorator
