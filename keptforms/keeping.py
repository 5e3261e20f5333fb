"""Keeping what was typed into a form when the session ended (WCAG 2.2.1 and 2.2.5).

A view that takes long typing declares it with `@keeps_typed_form(...)`. When such a form is
posted after the session has ended (the idle sign-out, the session's end on the server, or the
idle script signing out with the form still open), `KeptFormMiddleware` keeps the posted fields
(never passwords, tokens or files) bound to this browser and to the person who was signed in
here, and asks them to sign in. When that same person opens the form's page again, the view calls
`take_kept_form` and `prefill`: the form shows what they typed, unsaved; nothing is sent on their
behalf. Anyone else signing in in this browser gets nothing, and the kept form is deleted. A kept
form lasts `KEPT_FORM_MINUTES` (an hour).

"The person who was signed in here" is known from the session while it lasts, else from a
signed, http-only cookie naming the user, set whenever someone is signed in (`USER_COOKIE`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import KeptForm

# The browser's random value naming its kept forms (the database holds only its hash).
BROWSER_COOKIE = "rapport_kept_forms"
# Who was last signed in in this browser: a signed user id, so it cannot be forged.
USER_COOKIE = "rapport_signed_in_as"
USER_COOKIE_SALT = "keptforms.signed-in-as"
USER_COOKIE_MAX_AGE = timedelta(days=1)
# The idle script (static/js/session.js) adds this field when it posts an open form so that it
# is kept, never saved.
KEEP_ONLY_FIELD = "rapport_keep_typed"
# Never kept, whatever a view declares.
NEVER_KEPT = re.compile(r"password|token|csrf|secret|otp|recovery|^code$", re.IGNORECASE)
# One kept form holds at most this many characters; one person at most this many kept forms.
MAX_CHARACTERS = 500_000
MAX_PER_USER = 20

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class KeptFormSpec:
    fields: frozenset[str]
    page: Callable[..., str] | None = None
    context: Callable[[HttpRequest], str] | None = None
    exclude: frozenset[str] = field(default_factory=frozenset)

    def allows(self, key: str) -> bool:
        if key in self.exclude or NEVER_KEPT.search(key):
            return False
        if key in self.fields:
            return True
        # A multi-part widget's parts: `starts_at_0`, `starts_at_1`.
        name, _sep, part = key.rpartition("_")
        return part.isdigit() and name in self.fields

    def page_for(self, request: HttpRequest, kwargs: dict) -> str:
        return self.page(**kwargs) if self.page is not None else request.path


def keeps_typed_form(
    *,
    fields: type[forms.BaseForm] | Iterable[str],
    extra: Iterable[str] = (),
    exclude: Iterable[str] = (),
    page: Callable[..., str] | None = None,
    context: Callable[[HttpRequest], str] | None = None,
) -> Callable[[View], View]:
    """Declare that what is typed into this view's form is kept when the session has ended.

    `fields`: the form class (its declared fields) or field names that may be kept, plus `extra`
    names, less `exclude`; `page(**url_kwargs)`: the page showing the form, when the view only
    takes posts (default: the posted URL's path); `context(request)`: whose record the form is
    about, when that can change within one person's sign-in (a carer acting for someone).
    Put it outermost, above the role decorators."""
    names = set(fields.base_fields) if isinstance(fields, type) else set(fields)
    spec = KeptFormSpec(
        fields=frozenset(names | set(extra)),
        page=page,
        context=context,
        exclude=frozenset(exclude),
    )

    def decorator(view: View) -> View:
        view.kept_form = spec  # type: ignore[attr-defined]
        return view

    return decorator


def browser_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def signed_in_user_id(request: HttpRequest) -> int | None:
    """The user last signed in in this browser, from the signed cookie, or None."""
    value = request.get_signed_cookie(
        USER_COOKIE,
        default=None,
        salt=USER_COOKIE_SALT,
        max_age=USER_COOKIE_MAX_AGE.total_seconds(),
    )
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _set_cookie(response: HttpResponse, name: str, value: str) -> None:
    # No max_age: like the session, the cookie ends when the browser closes.
    response.set_cookie(
        name, value, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
    )


def remember_signed_in_user(request: HttpRequest, response: HttpResponse) -> None:
    """Name the signed-in person in this browser's cookie; when someone else signs in here,
    forms kept for the one before are deleted."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    if signed_in_user_id(request) == user.pk:
        return
    browser = request.COOKIES.get(BROWSER_COOKIE)
    if browser:
        KeptForm.objects.filter(browser=browser_hash(browser)).exclude(user_id=user.pk).delete()
    response.set_signed_cookie(
        USER_COOKIE,
        str(user.pk),
        salt=USER_COOKIE_SALT,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def typed_fields(request: HttpRequest, spec: KeptFormSpec) -> dict[str, list[str]]:
    """The posted fields the spec allows, without empty ones."""
    kept = {}
    for key in request.POST:
        if not spec.allows(key):
            continue
        values = request.POST.getlist(key)
        if any(value.strip() for value in values):
            kept[key] = values
    return kept


def keep_form(
    request: HttpRequest,
    response: HttpResponse,
    *,
    spec: KeptFormSpec,
    view_name: str,
    page: str,
    user_id: int,
    context: str | None,
) -> bool:
    """Keep the posted form for `user_id` in this browser; False when nothing was typed (or too
    much to keep)."""
    fields = typed_fields(request, spec)
    size = sum(len(key) + sum(len(v) for v in values) for key, values in fields.items())
    if not fields or size > MAX_CHARACTERS:
        return False
    browser = request.COOKIES.get(BROWSER_COOKIE) or ""
    if len(browser) < 32:
        browser = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        KeptForm.objects.filter(expires_at__lte=now).delete()
        KeptForm.objects.update_or_create(
            browser=browser_hash(browser),
            page=page,
            form=view_name,
            defaults={
                "user_id": user_id,
                "context": context,
                "fields": fields,
                "kept_at": now,
                "expires_at": now + timedelta(minutes=settings.KEPT_FORM_MINUTES),
            },
        )
        beyond = KeptForm.objects.filter(user_id=user_id).order_by("-kept_at")[MAX_PER_USER:]
        KeptForm.objects.filter(pk__in=list(beyond.values_list("pk", flat=True))).delete()
    _set_cookie(response, BROWSER_COOKIE, browser)
    return True


def take_kept_form(
    request: HttpRequest, view_name: str, *, context: str | None = None
) -> QueryDict | None:
    """What the signed-in person typed into the form that posts to `view_name` on this page
    when their session ended, or None. Given back once: it is deleted as it is taken. Kept for
    someone else, it is deleted and nobody gets it."""
    browser = request.COOKIES.get(BROWSER_COOKIE)
    if not browser or not request.user.is_authenticated:
        return None
    kept = (
        KeptForm.objects.live(timezone.now())
        .filter(browser=browser_hash(browser), page=request.path, form=view_name)
        .first()
    )
    if kept is None:
        return None
    if kept.user_id != request.user.pk:
        kept.delete()
        return None
    if kept.context is not None and kept.context != (context or ""):
        messages.info(
            request,
            _(
                "We kept what you typed into this form while you were looking at a different "
                "person's record. Switch back to that record, then open this form again to get "
                "it back."
            ),
        )
        return None
    kept.delete()
    data = QueryDict(mutable=True)
    for key, values in kept.fields.items():
        if isinstance(values, list):
            data.setlist(key, [str(value) for value in values])
    data._mutable = False
    messages.success(request, _("We kept what you typed. Check it and send it again."))
    return data


def prefill(form: forms.BaseForm, data: QueryDict | None) -> forms.BaseForm:
    """Show `data` (a kept form) in the unbound `form` as its initial values: the person sees what
    they typed, and no error, until they send it again."""
    if data is None:
        return form
    for name, form_field in form.fields.items():
        key = form.add_prefix(name)
        if form_field.disabled or form_field.widget.value_omitted_from_data(data, {}, key):
            continue
        form.initial[name] = form_field.widget.value_from_datadict(data, {}, key)
    return form
