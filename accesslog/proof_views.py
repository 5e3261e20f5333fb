"""/portal/access-log/proof/: the patient's proof bundle, streamed."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from proxies.acting import portal_area
from proxies.models import ProxyArea

from . import proof


@require_GET
@portal_area(ProxyArea.ACCESS_LOG)
def proof_bundle(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        proof.stream(request.patient.pk), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="access-log-proof.json"'
    response["Cache-Control"] = "no-store"
    return response
