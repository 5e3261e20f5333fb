"""/activate/: a patient turns the code from their visit into a portal account.

Step 1 checks the code and date of birth (rate limited per IP in the cache and per code on its
row); step 2, in the same session for 30 minutes, takes the email and password and creates the
account; allauth then verifies the email before the first sign-in.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clinic.forms import add_service_error

from . import services
from .forms import ActivationAccountForm, ActivationCodeForm
from .models import ActivationCode, CodeStatus, VisitStatus
from .ratelimit import activation_blocked, record_activation_failure
from .services import CodeCheck

SESSION_KEY = "rapport_activation"
STEP_TWO_SECONDS = 30 * 60


def refusal_message(outcome: str) -> str:
    phone = settings.CLINIC_PHONE
    messages_by_outcome = {
        CodeCheck.NO_MATCH: gettext(
            "The activation code and date of birth do not match our records. Check both and "
            "try again. If it still does not work, contact the clinic on %(phone)s."
        )
        % {"phone": phone},
        CodeStatus.SPENT: gettext(
            "This activation code has already been used. If you created your account, sign in; "
            "if you did not, contact the clinic on %(phone)s."
        )
        % {"phone": phone},
        CodeStatus.VOIDED: gettext(
            "This activation code has been replaced by a newer one. Use the code on your latest "
            "handout, or contact the clinic on %(phone)s."
        )
        % {"phone": phone},
        CodeStatus.EXPIRED: gettext(
            "This activation code has expired: codes work for 14 days. Contact the clinic on "
            "%(phone)s and we will give you a new one."
        )
        % {"phone": phone},
        CodeStatus.LOCKED: gettext(
            "This activation code is locked after too many attempts. Contact the clinic on "
            "%(phone)s: the front desk can give you a new one."
        )
        % {"phone": phone},
        CodeCheck.VISIT_NOT_COMPLETED: gettext(
            "Your first visit is not complete yet. Your code works once the front desk has "
            "finished your visit; if you have left the clinic, call us on %(phone)s."
        )
        % {"phone": phone},
        CodeCheck.HAS_ACCOUNT: gettext(
            "You already have a portal account. Sign in, or reset your password from the sign-in "
            "page."
        )
        % {"phone": phone},
    }
    return messages_by_outcome.get(outcome, messages_by_outcome[CodeCheck.NO_MATCH])


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        messages.info(request, _("You are signed in already."))
        return redirect("home")
    if request.method == "POST":
        if activation_blocked(request):
            return render(request, "patients/activation/too_many.html", status=429)
        form = ActivationCodeForm(request.POST)
        if form.is_valid():
            result = services.check_activation_code(
                code=form.cleaned_data["code"], date_of_birth=form.cleaned_data["date_of_birth"]
            )
            if result.outcome == CodeCheck.OK:
                request.session.cycle_key()
                request.session[SESSION_KEY] = {
                    "code": result.activation_code.pk,
                    "at": time.time(),
                }
                return redirect("activate_account")
            record_activation_failure(request)
            form.add_error(None, refusal_message(result.outcome))
    else:
        form = ActivationCodeForm()
    return render(request, "patients/activation/code.html", {"form": form})


def _checked_code(request: HttpRequest) -> ActivationCode | None:
    """The code step 1 accepted in this session, if it is still good to use."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > STEP_TWO_SECONDS:
        request.session.pop(SESSION_KEY, None)
        return None
    code = (
        ActivationCode.objects.select_related("patient", "visit")
        .filter(pk=data.get("code"))
        .first()
    )
    if (
        code is None
        or code.status != CodeStatus.USABLE
        or code.patient.user_id is not None
        or code.visit.status != VisitStatus.COMPLETED
    ):
        request.session.pop(SESSION_KEY, None)
        return None
    return code


@never_cache
@require_http_methods(["GET", "POST"])
def activate_account(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    code = _checked_code(request)
    if code is None:
        messages.info(request, _("Please enter your activation code and date of birth first."))
        return redirect("activate")
    patient = code.patient
    if request.method == "POST":
        form = ActivationAccountForm(request.POST, patient=patient)
        if form.is_valid():
            try:
                user = services.activate_account(
                    activation_code=code,
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                request.session.pop(SESSION_KEY, None)
                send_verification_email_for_user(request, user)
                return redirect("activate_done")
    else:
        form = ActivationAccountForm(patient=patient, initial={"email": patient.email})
    return render(request, "patients/activation/account.html", {"form": form, "patient": patient})


@require_GET
def activate_done(request: HttpRequest) -> HttpResponse:
    return render(request, "patients/activation/done.html")
