"""The switch between "my own record" and the people a proxy acts for, and the portal's home
while acting for someone."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from clinic.decorators import patient_required
from patients import views as patient_views

from .acting import AREA_NAMES, access_ended, choose, chosen_patient_id
from .models import ProxyArea
from .selectors import accesses_in_force_for, proxy_standing_for

AREA_LINKS = {
    ProxyArea.RECORD: ("portal:records", _("Health record")),
    ProxyArea.ACCESS_LOG: ("portal:access_log", _("Access log: who looked")),
    ProxyArea.SHARING: ("portal:sharing", _("Sharing: who can see the record")),
    ProxyArea.EDUCATION: ("portal:education", _("Health information from the clinic")),
    ProxyArea.CONCERNS: ("portal:feedback", _("Concerns and questions")),
}


class ActingForForm(forms.Form):
    """Whose record to look at. (Here rather than in a forms module: it is the only form of
    this page, and the proxies' management forms live elsewhere.)"""

    person = forms.ChoiceField(
        label=_("Whose record do you want to look at?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose your own record or one of the people listed."),
            "invalid_choice": _("Choose your own record or one of the people listed."),
        },
    )

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("own", gettext("My own record"))] + [
            (
                str(access.patient_id),
                gettext("%(name)s (you are their %(relationship)s)")
                % {"name": access.patient.display_name, "relationship": access.relationship_word},
            )
            for access, _view in people
        ]


@patient_required
@require_http_methods(["GET", "POST"])
def acting_for(request: HttpRequest) -> HttpResponse:
    """Choose whose record to look at: "My own record" or someone this person acts for now."""
    people = accesses_in_force_for(request.user, timezone.now())
    current = chosen_patient_id(request)
    if not any(access.patient_id == current for access, _view in people):
        current = None
    form = ActingForForm(
        request.POST if request.method == "POST" else None,
        people=people,
        initial={"person": str(current) if current else "own"},
    )
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["person"]
        if choice == "own":
            choose(request, None)
            messages.success(request, gettext("You are looking at your own record."))
            return redirect("portal:home")
        chosen = next(access for access, _view in people if str(access.patient_id) == choice)
        choose(request, chosen)
        messages.success(
            request,
            gettext("You are now looking at %(name)s's record, as their %(relationship)s.")
            % {"name": chosen.patient.display_name, "relationship": chosen.relationship_word},
        )
        return redirect("portal:home")
    return render(
        request,
        "proxies/acting_for.html",
        {
            "form": form,
            "people": [
                {
                    "access": access,
                    "areas": [AREA_NAMES[ProxyArea(a)] for a in ProxyArea.values if view.allows(a)],
                    "ends_on": timezone.localdate(access.ends_at),
                }
                for access, view in people
            ],
            "current": current,
        },
    )


@patient_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The portal's home: the patient's own, or, while acting for someone, that person's name
    and the parts of their portal they have shared (nothing else)."""
    patient_id = chosen_patient_id(request)
    if patient_id is None or patient_id == request.patient.pk:
        return patient_views.portal_home(request)
    found = proxy_standing_for(request.user, patient_id, timezone.now())
    if found is None:
        return access_ended(request)
    access, view = found
    request.proxy_access = access  # the banner says whose portal this is
    links = [
        {"url": reverse(AREA_LINKS[area][0]), "label": AREA_LINKS[area][1]}
        for area in ProxyArea
        if view.allows(area)
    ]
    return render(
        request,
        "proxies/acting_home.html",
        {"access": access, "person": access.patient, "links": links, "view": view},
    )
