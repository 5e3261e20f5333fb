"""/portal/access-log/proof/: the patient's proof bundle, streamed. It holds every look in full
(the hashed fields name entries and categories), so someone acting for the patient gets it only
if their access covers the whole record, sensitive entries included."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from proxies.acting import portal_area
from proxies.models import ProxyArea

from . import proof
from .views import sees_whole_record


@require_GET
@portal_area(ProxyArea.ACCESS_LOG)
def proof_bundle(request: HttpRequest) -> HttpResponse:
    if not sees_whole_record(request.proxy_view):
        messages.info(
            request,
            f"The proof holds every look at {request.patient.display_name}'s record in full, "
            "including parts not shared with you: only they can download it.",
        )
        return redirect("portal:access_log")
    response = StreamingHttpResponse(
        proof.stream(request.patient.pk), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="access-log-proof.json"'
    response["Cache-Control"] = "no-store"
    return response
