"""/transparency/ (public): the keys that sign the access log's checkpoints, the latest signed
checkpoints, the format in plain words and precisely, and the offline verifier to download."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .keys import origin, trusted_keys
from .models import AccessLogCheckpoint, WitnessOutcome, WitnessReply
from .witnesses import configured_witnesses

VERIFIER_SCRIPT = Path(settings.BASE_DIR) / "verifier" / "rapport_verify.py"
LATEST = 10


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    # Only co-signatures that verified with the witness's key are stored as co-signed.
    cosigned = WitnessReply.objects.filter(outcome=WitnessOutcome.COSIGNED).order_by("witness")
    latest = list(
        AccessLogCheckpoint.objects.order_by("-number").prefetch_related(
            Prefetch("witness_replies", queryset=cosigned, to_attr="cosignatures")
        )[:LATEST]
    )
    newest_note = ""
    if latest:
        # The note as signed, with each witness's co-signature line added (C2SP signed note).
        newest_note = latest[0].note + "".join(f"{c.signature}\n" for c in latest[0].cosignatures)
    return render(
        request,
        "transparency/index.html",
        {
            "keys": trusted_keys(),
            "origin": origin(),
            "checkpoints": latest,
            "newest_note": newest_note,
            "witnesses": configured_witnesses(),
        },
    )


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """A static page: its script checks a bundle the visitor picks, with no network call."""
    return render(request, "transparency/verify.html")


@require_GET
def latest_checkpoint(request: HttpRequest) -> HttpResponse:
    """The newest signed note as plain text, for witnesses and scripts."""
    checkpoint = AccessLogCheckpoint.objects.order_by("-number").first()
    if checkpoint is None:
        raise Http404("No checkpoint has been signed yet.")
    return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")


@require_GET
def verifier_script(request: HttpRequest) -> FileResponse:
    return FileResponse(
        VERIFIER_SCRIPT.open("rb"),
        as_attachment=True,
        filename="rapport_verify.py",
        content_type="text/x-python; charset=utf-8",
    )
