"""Keep a form posted after the session has ended, instead of losing it at the sign-in page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .keeping import (
    KEEP_ONLY_FIELD,
    KeptFormSpec,
    keep_form,
    remember_signed_in_user,
    signed_in_user_id,
)

Handler = Callable[[HttpRequest], HttpResponse]


def _csrf_passes(request: HttpRequest) -> bool:
    """Django's own CSRF check. A post the idle sign-out turns away never reaches it (the
    sign-out answers before any view), and a forged post must not plant a kept form."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {}) is None


def _is_sign_in_redirect(response: HttpResponse) -> bool:
    if response.status_code != 302:
        return False
    location = response.get("Location", "")
    return location.split("?", 1)[0] == resolve_url(settings.LOGIN_URL)


class KeptFormMiddleware:
    """Goes before `clinic.middleware.SessionTimeoutMiddleware` and the staff-area gate, so it
    sees both the idle sign-out's and the views' "sign in first" answers to a post, and after the
    messages middleware. See `keptforms.keeping`."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self._kept_form_view(request)
        owner_id, context = None, None
        if found is not None and request.user.is_authenticated:
            # Read now: the idle sign-out is about to end this session.
            owner_id = request.user.pk
            spec = found[0]
            context = spec.context(request) if spec.context is not None else None
        response = self.get_response(request)
        if found is not None and _is_sign_in_redirect(response):
            response = self._keep_and_ask_to_sign_in(request, response, found, owner_id, context)
        remember_signed_in_user(request, response)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        """The idle script posts an open form with `KEEP_ONLY_FIELD` when time is up: it is kept,
        never handed to the view (CSRF is checked already: this runs after Django's)."""
        if request.method != "POST" or KEEP_ONLY_FIELD not in request.POST:
            return None
        spec: KeptFormSpec | None = getattr(view_func, "kept_form", None)
        if spec is None:
            return None
        page = spec.page_for(request, view_kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(page)  # kept on the way out, by __call__
        # Still signed in (another tab kept the session alive): keep it and show it again.
        response = redirect(page)
        context = spec.context(request) if spec.context is not None else None
        keep_form(
            request,
            response,
            spec=spec,
            view_name=request.resolver_match.view_name,
            page=page,
            user_id=request.user.pk,
            context=context,
        )
        return response

    @staticmethod
    def _kept_form_view(request: HttpRequest):
        if request.method != "POST":
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        spec = getattr(match.func, "kept_form", None)
        return (spec, match) if spec is not None else None

    @staticmethod
    def _keep_and_ask_to_sign_in(request, response, found, owner_id, context) -> HttpResponse:
        spec, match = found
        owner_id = owner_id or signed_in_user_id(request)
        if owner_id is None or not _csrf_passes(request):
            return response
        page = spec.page_for(request, match.kwargs)
        if not url_has_allowed_host_and_scheme(page, allowed_hosts=None):
            return response
        answer = redirect_to_login(page)
        kept = keep_form(
            request,
            answer,
            spec=spec,
            view_name=match.view_name,
            page=page,
            user_id=owner_id,
            context=context,
        )
        if not kept:
            return response
        # Cookies the sign-out set on its answer (the messages) go with ours.
        for name, morsel in response.cookies.items():
            answer.cookies[name] = morsel
        messages.info(
            request,
            _(
                "We kept what you typed. Sign in again and you will be taken back to the form to "
                "check it and send it. Nothing has been sent."
            ),
        )
        return answer
